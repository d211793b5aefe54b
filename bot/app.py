"""The composition root: start-up opens each part into one exit stack, so that every way out (a stop, a
failed start, a crash) closes what was opened, in reverse order; then updates by long polling or webhook
until SIGTERM or SIGINT.

Start-up checks what the operator must fix first (the database, the key, the port), before aiogram is even
imported (seconds); then Telegram: the token (getMe), the command menu and the webhook, tried again while
Telegram cannot be reached, for at most STARTUP_TIMEOUT_S (bot/startup_telegram.py)."""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from functools import partial
from typing import TYPE_CHECKING

from bot.core.logs import register_secret
from bot.core.metrics import Metrics
from bot.core.settings import Settings
from bot.heartbeat import running
from bot.startup import Deadline, StopRequested, StopSignals, check_key, listen, open_database, open_key

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher

log = logging.getLogger(__name__)
_PINNED: list[type] = []
Run = Callable[[asyncio.Event], Awaitable[None]]  # takes updates until the event is set


async def serve(settings: Settings) -> None:
    """Start, take updates until SIGTERM or SIGINT, stop. A StartupError says why the bot cannot start; a stop
    requested during start-up returns as soon as what was opened is closed."""
    with StopSignals() as stop:
        async with AsyncExitStack() as stack:
            try:
                run = await stop.unless_requested(start(settings, stack))
            except StopRequested:
                log.info("stopped during start-up")
                return
            await run(stop.requested)


async def start(settings: Settings, stack: AsyncExitStack) -> Run:
    if settings.webhook_secret is not None:
        register_secret(settings.webhook_secret.get_secret_value())
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    check_key(secret)
    db = await open_database(settings.database_path)
    stack.push_async_callback(db.close)
    stack.enter_context(running(settings.database_path))
    cipher = await open_key(secret, db, settings.database_path)
    sock = _listening(settings)
    if sock is not None:
        stack.callback(sock.close)
    webapp_sock = None
    if settings.webapp_url and not settings.webhook_url:
        webapp_sock = listen(settings.webapp_host, settings.webapp_port, host_setting="WEBAPP_HOST",
                             port_setting="WEBAPP_PORT")
        stack.callback(webapp_sock.close)

    from bot.dispatcher import create_bot, create_dispatcher, set_commands  # seconds to import
    from bot.plusofon import PlusofonClient
    from bot.startup_telegram import check_token, until_answered

    plusofon = PlusofonClient(settings.plusofon_api_url, settings.plusofon_client_id)
    stack.push_async_callback(plusofon.aclose)
    bot = create_bot(settings)
    stack.push_async_callback(bot.session.close)
    metrics = Metrics()
    dp = create_dispatcher(settings, db=db, plusofon=plusofon, cipher=cipher, metrics=metrics)
    _settle_memory()
    deadline = Deadline.after(settings.startup_timeout_s)  # Telegram's time starts with the first call
    await check_token(bot, deadline)
    await until_answered("setMyCommands", partial(set_commands, bot), deadline)
    if settings.webhook_url:
        from bot.webhook import start_webhook

        assert sock is not None
        await start_webhook(settings, dp, bot, sock, stack, deadline)
        return _until_stopped
    if sock is not None:
        from bot.metrics_server import start_metrics_server

        stack.push_async_callback((await start_metrics_server(metrics, sock=sock)).cleanup)
    if webapp_sock is not None:
        from webapp.server import start_webapp_server

        # the Mini App on WEBAPP_PORT (webhook mode serves it on the webhook server)
        stack.push_async_callback((await start_webapp_server(settings, dp["services"], sock=webapp_sock)).cleanup)
    # Telegram refuses getUpdates while a webhook is set
    await until_answered("deleteWebhook", partial(bot.delete_webhook, drop_pending_updates=False), deadline)
    return partial(_poll, dp, bot)


def _listening(settings: Settings) -> socket.socket | None:
    """The port of the webhook server or, in long polling, of the metrics server (if any), bound now."""
    if settings.webhook_url:
        return listen(settings.webhook_host, settings.webhook_port, host_setting="WEBHOOK_HOST",
                      port_setting="WEBHOOK_PORT")
    if settings.metrics_port is not None:
        return listen(settings.metrics_host, settings.metrics_port, host_setting="METRICS_HOST",
                      port_setting="METRICS_PORT")
    return None


async def _poll(dp: Dispatcher, bot: Bot, stop: asyncio.Event) -> None:
    """Long polling until `stop`; the dispatcher's startup and shutdown hooks run inside (the workers, then
    the updates in flight and the workers' stop)."""
    from bot.telegram.heartbeat import GetUpdatesHeartbeat

    bot.session.middleware(GetUpdatesHeartbeat(dp["heartbeat"].beat))
    log.info("starting long polling")
    polling = asyncio.create_task(dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types(),
                                                   handle_signals=False, close_bot_session=False))
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait((polling, stopping), return_when=asyncio.FIRST_COMPLETED)
        if not polling.done():
            try:
                await dp.stop_polling()
            except RuntimeError:  # the stop came before polling began
                polling.cancel()
    finally:
        stopping.cancel()
    await asyncio.wait((polling,))
    if not polling.cancelled():
        polling.result()  # raises what ended polling, if anything did


async def _until_stopped(stop: asyncio.Event) -> None:
    await stop.wait()


def _settle_memory() -> None:
    """Pin the Response[T] models aiogram builds per call (pydantic caches them weakly and rebuilds them after
    every collection), then move everything loaded so far out of the collector's way."""
    from aiogram import methods
    from aiogram.methods import Response

    hot = (methods.GetUpdates, methods.SendMessage, methods.EditMessageText, methods.AnswerCallbackQuery,
           methods.SendChatAction, methods.DeleteMessage, methods.EditMessageReplyMarkup,
           methods.GetChatMember)
    _PINNED.extend(Response[method.__returning__] for method in hot)
    gc.collect()
    gc.freeze()


def run(settings: Settings) -> int:
    try:
        import uvloop
    except ImportError:  # not built for this platform: the standard loop does the same, a little slower
        asyncio.run(serve(settings))
    else:
        uvloop.run(serve(settings))
    return 0
