"""Running the bot: open the services, take updates (long polling or webhook), close everything on the way out."""

from __future__ import annotations

import asyncio
import gc
import logging

from aiogram import methods
from aiogram.methods import Response

from bot.dispatcher import create_bot, create_dispatcher
from bot.telegram.heartbeat import GetUpdatesHeartbeat
from bot.core.logs import register_secret
from bot.plusofon import PlusofonClient
from bot.core.settings import Settings
from storage.cipher import load_cipher
from storage.database import connect

log = logging.getLogger(__name__)
_HOT_METHODS = (methods.GetUpdates, methods.SendMessage, methods.EditMessageText, methods.AnswerCallbackQuery,
                methods.SendChatAction, methods.DeleteMessage, methods.EditMessageReplyMarkup,
                methods.GetChatMember)
_PINNED: list[type] = []


async def serve(settings: Settings) -> None:
    if settings.webhook_secret is not None:
        register_secret(settings.webhook_secret.get_secret_value())
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    cipher = load_cipher(secret, settings.database_path)
    db = await connect(settings.database_path)
    plusofon = PlusofonClient(settings.plusofon_api_url, settings.plusofon_client_id)
    bot = create_bot(settings)
    dp = create_dispatcher(settings, db=db, plusofon=plusofon, cipher=cipher)
    _settle_memory()
    if settings.webhook_url:
        from bot.webhook import serve_webhook

        await serve_webhook(settings, dp, bot)
        return
    bot.session.middleware(GetUpdatesHeartbeat(dp["heartbeat"].beat))
    metrics_server = None
    if settings.metrics_port is not None:
        from bot.metrics_server import start_metrics_server

        metrics = dp["services"].metrics
        metrics_server = await start_metrics_server(metrics, settings.metrics_host, settings.metrics_port)
    webapp_server = None
    if settings.webapp_url:
        from webapp.server import start_webapp_server

        webapp_server = await start_webapp_server(settings, dp["services"])  # the Mini App on WEBAPP_PORT
    try:
        log.info("starting long polling")
        await bot.delete_webhook(drop_pending_updates=False)  # Telegram refuses getUpdates while a webhook is set
        await dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types())
    finally:
        if webapp_server is not None:
            await webapp_server.cleanup()
        if metrics_server is not None:
            await metrics_server.cleanup()


def _settle_memory() -> None:
    """Pin the Response[T] models aiogram builds per call (pydantic caches them weakly and rebuilds them after
    every collection), then move everything loaded so far out of the collector's way."""
    _PINNED.extend(Response[method.__returning__] for method in _HOT_METHODS)
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
