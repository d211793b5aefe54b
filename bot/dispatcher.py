"""The one root Dispatcher, built the same way for `main()` and for the tests."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiosqlite
import orjson
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import BotCommand
from aiogram.utils.callback_answer import CallbackAnswerMiddleware

from bot.core.durations import use_timezone
from bot.core.logs import register_secret
from bot.core.metrics import Metrics, Refresher
from bot.core.settings import Settings
from bot.heartbeat import Heartbeat, heartbeat_path
from bot.inline_mode import check_inline_mode
from bot.observing import UpdateObserver
from bot.plusofon import PlusofonClient
from bot.services.accounts import AccountTokens
from bot.services.admins import GroupAdmins
from bot.services.bulk import Bulk
from bot.services.chat_access import ChatAccess
from bot.services.confirmations import Confirmations
from bot.services.container import Services
from bot.services.digest import DailyDigest
from bot.services.expirer import Expirer
from bot.services.forgetting import Forgetting
from bot.services.inline import InlineNumbers
from bot.services.journal import Journal
from bot.services.login_attempts import LoginAttempts
from bot.services.logins import Logins
from bot.services.membership import Membership
from bot.services.mirror import Mirror
from bot.services.notifier import Notifier
from bot.services.numbers import DELETE, Numbers
from bot.services.pending_adds import PendingAdds
from bot.services.retention import Retention
from bot.services.search import SearchCache
from bot.telegram.retry import RetryMiddleware
from handlers import create_routers
from handlers.announcements import RussianAnnouncements
from handlers.digest_views import digest_text
from handlers.job_views import JobViews
from handlers.middlewares import ANSWER_WITHIN, ContextMiddleware, InFlight
from handlers.mini_app import set_menu_button
from handlers.signin import PASSWORD_STEP_KEPT, SignIn
from handlers.texts import ENGLISH, RUSSIAN
from handlers.throttle import Throttle
from storage.answers import KeptAnswers
from storage.audit import AuditLog
from storage.chats import ChatRepository
from storage.cipher import TokenCipher
from storage.confirmations import ConfirmationStore
from storage.digests import DigestStore
from storage.expiries import ExpiryStore
from storage.fsm import SQLiteStorage
from storage.jobs import JobStore
from storage.login_attempts import LoginAttemptStore
from storage.mirror import MirrorStore
from storage.outbox import Outbox
from storage.pending_adds import PendingAddStore
from storage.released import ReleasedAccounts

log = logging.getLogger(__name__)
# seconds that updates in flight get to finish on SIGTERM: more than the Plusofon deadline of one update, so that
# an add under way finishes with its expiry and journal entry (compose's stop_grace_period leaves room for it)
SHUTDOWN_GRACE = ANSWER_WITHIN + 2.0


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
    mirror_options: dict[str, Any] | None = None,
    metrics: Metrics | None = None,
    digest_options: dict[str, Any] | None = None,
) -> Dispatcher:
    """Wire the routers, middlewares and long-lived services; the dispatcher's shutdown closes them.

    `notifier_options`, `expiry_options` and `mirror_options` tune the background workers (the tests' clocks
    and pauses). `metrics` (a new set by default) counts the updates and the Plusofon calls; see bot/core/metrics.py."""
    use_timezone(settings.timezone)
    metrics = metrics if metrics is not None else Metrics()
    services = create_services(settings, db=db, plusofon=plusofon, cipher=cipher, metrics=metrics,
                               notifier_options=notifier_options, expiry_options=expiry_options,
                               mirror_options=mirror_options, digest_options=digest_options)
    in_flight, throttle = InFlight(), Throttle(settings, on_throttled=metrics.throttle)
    dp = Dispatcher(
        storage=services.dialogues,
        services=services,
        db=db,
        in_flight=in_flight,
        throttle=throttle,
        heartbeat=Heartbeat(heartbeat_path(settings.database_path)),
    )
    dp.update.outer_middleware(UpdateObserver(metrics))
    dp.update.outer_middleware(in_flight)
    dp.message.outer_middleware(throttle)  # before the context: a dropped update costs no database read
    dp.callback_query.outer_middleware(throttle)
    dp.edited_message.outer_middleware(throttle)  # an edited /login calls Plusofon like a new one
    context = ContextMiddleware(services.chats, plusofon)
    dp.message.outer_middleware(context)
    dp.callback_query.outer_middleware(context)
    dp.edited_message.outer_middleware(context)
    dp.callback_query.middleware(CallbackAnswerMiddleware())
    dp.include_routers(*create_routers())
    dp.startup.register(_on_startup)
    dp.shutdown.register(_on_shutdown)
    return dp


def create_services(settings: Settings, *, db: aiosqlite.Connection, plusofon: PlusofonClient,
                    cipher: TokenCipher, metrics: Metrics, notifier_options: dict[str, Any] | None = None,
                    expiry_options: dict[str, Any] | None = None,
                    mirror_options: dict[str, Any] | None = None,
                    digest_options: dict[str, Any] | None = None) -> Services:
    plusofon.instrument(metrics)
    chats = ChatRepository(db, cipher)
    audit, outbox = AuditLog(db), Outbox(db)
    notifier = Notifier(outbox, **(notifier_options or {}))
    say = RussianAnnouncements()
    journal = Journal(audit, outbox, notifier, settings, say)
    mirror_store = MirrorStore(db)
    mirror = Mirror(mirror_store, plusofon, chats, per_minute=settings.mirror_calls_per_minute,
                    interval=settings.mirror_sync_minutes * 60, on_read=metrics.mirror_synced,
                    full_every=settings.mirror_full_read_hours * 3600, on_calls=metrics.mirror_spent,
                    on_page_size=metrics.mirror_page_size,
                    **(mirror_options or {}))
    searches, expiries = SearchCache(), ExpiryStore(db)
    confirmations = Confirmations(ConfirmationStore(db))
    expirer = Expirer(expiries, chats, plusofon, journal, mirror, say, **(expiry_options or {}))
    for read, record in ((outbox.backlog, metrics.outbox_state), (expiries.counts, metrics.expiry_state),
                         (mirror.summary, metrics.mirror_state)):
        metrics.on_scrape(_gauges(read, record))
    # shared by the services below
    login_attempts, group_admins = LoginAttempts(LoginAttemptStore(db)), GroupAdmins()
    # the password step outlives other dialogues: a password typed hours later is still deleted
    dialogues = SQLiteStorage(db, kept={SignIn.password.state: PASSWORD_STEP_KEPT})
    answers = KeptAnswers(db)
    forgetting = Forgetting(ReleasedAccounts(db), mirror, expiries, dialogues, keep_days=settings.mirror_keep_days,
                            answers=answers)
    pending_adds = PendingAdds(PendingAddStore(db), chats, mirror, expirer, journal)
    mirror.after_check = pending_adds.settle
    numbers = Numbers(plusofon, mirror, expiries, expirer, journal, confirmations, searches, settings, pending_adds)
    return Services(
        settings=settings,
        numbers=numbers,
        bulk=Bulk(JobStore(db), numbers, chats, JobViews(), max_rows=settings.import_max_rows,
                  max_bytes=settings.import_max_bytes, progress_every=settings.job_progress_seconds),
        pending_adds=pending_adds,
        chats=chats,
        accounts=AccountTokens(chats, plusofon, outbox, notifier, say, admin_ids=settings.admin_ids,
                               on_renewal=metrics.renewal),
        login_attempts=login_attempts,
        group_admins=group_admins,
        inline=InlineNumbers(chats, mirror_store, mirror),
        digest=DailyDigest(settings.digest_time, DigestStore(db), chats, journal, audit, expiries, mirror_store,
                           outbox, notifier, digest_text, **(digest_options or {})),
        confirmations=confirmations,
        journal=journal,
        notifier=notifier,
        expirer=expirer,
        expiries=expiries,
        mirror=mirror,
        searches=searches,
        retention=Retention(audit, outbox, outbox_days=settings.outbox_retention_days,
                            audit_days=settings.audit_retention_days, forgetting=forgetting, answers=answers),
        answers=answers,
        forgetting=forgetting,
        dialogues=dialogues,
        audit=audit,
        outbox=outbox,
        plusofon=plusofon,
        metrics=metrics,
        logins=Logins(chats, plusofon, journal, login_attempts, settings, forgetting),
        chat_access=ChatAccess(chats, group_admins, journal, settings, forgetting),
        membership=Membership(chats, audit, outbox, expiries, notifier, group_admins),
    )


def _gauges(read: Callable[[], Awaitable[tuple[Any, ...]]], record: Callable[..., None]) -> Refresher:
    """A scrape-time refresher: `record(*await read())` (a count from SQLite into its gauges)."""
    async def refresh(_: Metrics) -> None:
        record(*await read())

    refresh.__qualname__ = getattr(read, "__qualname__", "gauges")  # names it in the log if it fails
    return refresh


async def _on_startup(dispatcher: Dispatcher, bot: Bot, services: Services) -> None:
    try:
        await dispatcher.fsm.storage.load()
        settings = services.settings
        if settled := await services.chats.settle_connected_by(settings.admin_ids, settings.allow_self_login):
            log.info("recorded who connected %d chats connected before that was kept", settled)
        await services.expiries.load()
        if reopened := await services.confirmations.recover(DELETE):
            log.warning("reopened %d delete confirmations whose delete the last stop interrupted", reopened)
        await services.mirror.start()
        await services.pending_adds.start()
        services.notifier.start(bot)
        services.expirer.start(bot)
        services.retention.start()
        await services.bulk.start(bot)
        services.digest.start()
        await check_inline_mode(bot, settings.database_path)  # says so when it is off; never stops the start
        await set_menu_button(bot, settings)  # the Mini App's, or the default when WEBAPP_URL is unset
    except BaseException:  # a start-up that fails leaves no worker running
        await _stop_workers(services)
        raise


async def _on_shutdown(in_flight: InFlight, services: Services, db: aiosqlite.Connection) -> None:
    cancelled, _, _ = await asyncio.gather(in_flight.finish(timeout=SHUTDOWN_GRACE), services.expirer.stop(),
                                           services.retention.stop())
    if cancelled:
        log.warning("cancelled %d updates still being handled after %.0f s", cancelled, SHUTDOWN_GRACE)
    await _stop_workers(services)  # the expirer and retention again: a no-op; the others after the updates
    await services.plusofon.aclose()
    await db.close()
    log.info("stopped cleanly")


async def _stop_workers(services: Services) -> None:
    await asyncio.gather(services.expirer.stop(), services.retention.stop(), services.digest.stop())
    await services.bulk.stop()
    await services.pending_adds.stop()
    await services.mirror.stop()
    await services.notifier.stop()


async def set_commands(bot: Bot) -> None:
    """The command menu in Russian and English (a start-up step: bot/app.py; Telegram's errors are raised)."""
    for texts, language in ((RUSSIAN, None), (ENGLISH, "en")):
        commands = [BotCommand(command=name, description=text) for name, text in texts.commands.items()]
        await bot.set_my_commands(commands, language_code=language)
