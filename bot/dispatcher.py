"""The one root Dispatcher, built the same way for `main()` and for the tests."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiosqlite
import orjson
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand
from aiogram.utils.callback_answer import CallbackAnswerMiddleware

from bot.accounts import AccountTokens
from bot.admins import GroupAdmins
from bot.expirer import Expirer
from bot.login_attempts import LoginAttempts
from bot.logs import register_secret
from bot.notifier import Notifier
from bot.plusofon import PlusofonClient
from bot.recent import RecentNumbers
from bot.search import SearchCache
from bot.settings import Settings
from bot.telegram_retry import RetryMiddleware
from handlers import create_routers
from handlers.journal import Journal
from handlers.middlewares import ContextMiddleware, InFlight
from handlers.texts import ENGLISH, RUSSIAN
from storage.audit import AuditLog
from storage.chats import ChatRepository
from storage.cipher import TokenCipher
from storage.confirmations import ConfirmationStore
from storage.expiries import ExpiryStore
from storage.fsm import SQLiteStorage
from storage.outbox import Outbox

log = logging.getLogger(__name__)
SHUTDOWN_GRACE = 10.0  # seconds that updates in flight get to finish on SIGTERM


def create_bot(settings: Settings, session: BaseSession | None = None) -> Bot:
    if session is None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url),
                                 json_loads=orjson.loads, json_dumps=_dumps)
    session.middleware(RetryMiddleware())
    register_secret(settings.bot_token.get_secret_value())
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def create_dispatcher(
    settings: Settings,
    *,
    db: aiosqlite.Connection,
    plusofon: PlusofonClient,
    cipher: TokenCipher,
    notifier_options: dict[str, Any] | None = None,
    expiry_options: dict[str, Any] | None = None,
) -> Dispatcher:
    """Wire the routers, middlewares and long-lived services; the dispatcher's shutdown closes them.

    `notifier_options` and `expiry_options` tune the background senders (the tests' clocks and pauses)."""
    chats = ChatRepository(db, cipher)
    audit, outbox = AuditLog(db), Outbox(db)
    notifier = Notifier(outbox, **(notifier_options or {}))
    journal = Journal(audit, outbox, notifier, settings)
    recent, search_cache, expiries = RecentNumbers(), SearchCache(), ExpiryStore(db)
    accounts = AccountTokens(chats, plusofon, outbox, notifier, admin_ids=settings.admin_ids)
    expirer = Expirer(expiries, chats, plusofon, journal, search_cache, recent, **(expiry_options or {}))
    in_flight = InFlight()
    dp = Dispatcher(
        storage=SQLiteStorage(db),
        settings=settings,
        db=db,
        plusofon=plusofon,
        chats=chats,
        confirmations=ConfirmationStore(db),
        audit=audit,
        outbox=outbox,
        notifier=notifier,
        journal=journal,
        recent=recent,
        search_cache=search_cache,
        expiries=expiries,
        expirer=expirer,
        group_admins=GroupAdmins(),
        in_flight=in_flight,
        accounts=accounts,
        login_attempts=LoginAttempts(),
    )
    dp.update.outer_middleware(in_flight)
    context = ContextMiddleware(chats, plusofon)
    dp.message.outer_middleware(context)
    dp.callback_query.outer_middleware(context)
    dp.callback_query.middleware(CallbackAnswerMiddleware())
    dp.include_routers(*create_routers())
    dp.startup.register(_on_startup)
    dp.shutdown.register(_on_shutdown)
    return dp


async def _on_startup(dispatcher: Dispatcher, bot: Bot, notifier: Notifier, expiries: ExpiryStore,
                      expirer: Expirer) -> None:
    await dispatcher.fsm.storage.load()
    await expiries.load()
    notifier.start(bot)
    expirer.start(bot)
    await set_commands(bot)


async def _on_shutdown(in_flight: InFlight, notifier: Notifier, expirer: Expirer, plusofon: PlusofonClient,
                       db: aiosqlite.Connection) -> None:
    cancelled, _ = await asyncio.gather(in_flight.finish(timeout=SHUTDOWN_GRACE), expirer.stop())
    if cancelled:
        log.warning("cancelled %d updates still being handled after %.0f s", cancelled, SHUTDOWN_GRACE)
    await notifier.stop()
    await plusofon.aclose()
    await db.close()
    log.info("stopped cleanly")


async def set_commands(bot: Bot) -> None:
    try:
        for texts, language in ((RUSSIAN, None), (ENGLISH, "en")):
            commands = [BotCommand(command=name, description=text) for name, text in texts.commands.items()]
            await bot.set_my_commands(commands, language_code=language)
    except TelegramAPIError as error:
        log.warning("could not set the command menu: %s", error)
