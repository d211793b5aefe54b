"""The one root Dispatcher, built the same way for `main()` and for the tests."""

from __future__ import annotations

import logging

import aiosqlite
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand
from aiogram.utils.callback_answer import CallbackAnswerMiddleware

from bot.notifier import Notifier
from bot.plusofon import PlusofonClient
from bot.recent import RecentNumbers
from bot.settings import DEFAULT_TELEGRAM_API_URL, Settings
from handlers import create_routers
from handlers.middlewares import ContextMiddleware
from handlers.texts import ENGLISH, RUSSIAN
from storage.chats import ChatRepository
from storage.cipher import TokenCipher
from storage.confirmations import ConfirmationStore
from storage.fsm import SQLiteStorage

log = logging.getLogger(__name__)


def create_bot(settings: Settings, session: BaseSession | None = None) -> Bot:
    if session is None and settings.telegram_api_url != DEFAULT_TELEGRAM_API_URL:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def create_dispatcher(
    settings: Settings,
    *,
    db: aiosqlite.Connection,
    plusofon: PlusofonClient,
    cipher: TokenCipher,
    notifier: Notifier | None = None,
) -> Dispatcher:
    """Wire the routers, middlewares and long-lived services; the dispatcher's shutdown closes them."""
    chats = ChatRepository(db, cipher)
    dp = Dispatcher(
        storage=SQLiteStorage(db),
        settings=settings,
        db=db,
        plusofon=plusofon,
        chats=chats,
        confirmations=ConfirmationStore(db),
        notifier=notifier or Notifier(),
        recent=RecentNumbers(),
    )
    context = ContextMiddleware(chats)
    dp.message.outer_middleware(context)
    dp.callback_query.outer_middleware(context)
    dp.callback_query.middleware(CallbackAnswerMiddleware())
    dp.include_routers(*create_routers())
    dp.startup.register(_on_startup)
    dp.shutdown.register(_on_shutdown)
    return dp


async def _on_startup(dispatcher: Dispatcher, bot: Bot, notifier: Notifier) -> None:
    await dispatcher.fsm.storage.load()
    notifier.start(bot)
    await set_commands(bot)


async def _on_shutdown(notifier: Notifier, plusofon: PlusofonClient, db: aiosqlite.Connection) -> None:
    await notifier.stop()
    await plusofon.aclose()
    await db.close()


async def set_commands(bot: Bot) -> None:
    try:
        for texts, language in ((RUSSIAN, None), (ENGLISH, "en")):
            commands = [BotCommand(command=name, description=text) for name, text in texts.commands.items()]
            await bot.set_my_commands(commands, language_code=language)
    except TelegramAPIError as error:
        log.warning("could not set the command menu: %s", error)
