"""Webhook mode: Telegram POSTs updates to an aiohttp server; GET /healthz answers the orchestrator."""

from __future__ import annotations

import asyncio
import hmac
import logging
import socket
from contextlib import AsyncExitStack
from typing import Any, Literal

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramBadRequest
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.core.settings import Settings
from bot.health import HEALTH_PATH
from bot.heartbeat import Heartbeat
from bot.metrics_server import add_metrics_route
from bot.startup import ConfigurationError, Deadline
from bot.startup_telegram import until_answered

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DRAIN_SECONDS = 5.0  # for requests being received when the stop comes; handlers then get SHUTDOWN_GRACE
HEALTH_DB_TIMEOUT = 2.0


class UpdateHandler(SimpleRequestHandler):
    """aiogram's handler (updates handled in the background, replies sent through the Bot API), except that a
    wrong secret gets 403, an update arriving during shutdown gets 503 (Telegram delivers it again later), and
    `drain` stops the intake."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, secret: str, heartbeat: Heartbeat | None = None) -> None:
        super().__init__(dispatcher, bot, handle_in_background=True, secret_token=secret)
        self._heartbeat = heartbeat
        self.state: Literal["starting", "running", "stopping"] = "starting"
        self._receiving = 0  # requests past the checks, their body not yet read
        self._none_receiving = asyncio.Event()
        self._none_receiving.set()

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        assert self.secret_token is not None
        given = telegram_secret_token.encode("utf-8", "surrogateescape")
        return hmac.compare_digest(given, self.secret_token.encode())

    async def handle(self, request: web.Request) -> web.Response:
        if self.state == "stopping":
            return web.json_response({"ok": False, "description": "shutting down"}, status=503)
        if not self.verify_secret(request.headers.get(SECRET_HEADER, ""), self.bot):
            log.warning("webhook: refused a request from %s without the right secret header", request.remote)
            return web.Response(status=403, text="Forbidden")
        self._receiving += 1
        self._none_receiving.clear()
        try:
            response = await super().handle(request)
            if self._heartbeat is not None:
                self._heartbeat.beat()
            return response
        except ValueError:  # the body is not JSON
            return web.Response(status=400, text="Bad Request")
        finally:
            self._receiving -= 1
            if not self._receiving:
                self._none_receiving.set()

    async def _background_feed_update(self, bot: Bot, update: dict[str, Any]) -> None:
        # nobody awaits this task: log a failure here, as long polling does, rather than lose it
        try:
            await super()._background_feed_update(bot, update)
        except Exception:
            log.exception("update %s failed", update.get("update_id") if isinstance(update, dict) else "?")

    async def drain(self, timeout: float) -> None:
        """Take no more updates and let the requests being received hand theirs over; the dispatcher's own
        shutdown then waits for the updates in flight."""
        self.state = "stopping"
        try:
            await asyncio.wait_for(self._none_receiving.wait(), timeout)
        except TimeoutError:
            log.warning("webhook: requests still being received after %.0f s", timeout)


UPDATES = web.AppKey("updates", UpdateHandler)


def build_webhook_app(settings: Settings, dp: Dispatcher, bot: Bot, *,
                      drain_seconds: float = DRAIN_SECONDS) -> web.Application:
    """POST updates at WEBHOOK_PATH, GET /healthz and /metrics; the app's startup and shutdown are the dispatcher's.

    Shutdown order: stop taking updates, then the dispatcher's shutdown (waits for the updates in flight, closes
    the Plusofon client and the DB), then the bot's HTTP session.
    """
    if settings.webhook_secret is None:
        raise ValueError("WEBHOOK_SECRET is required in webhook mode")
    updates = UpdateHandler(dp, bot, settings.webhook_secret.get_secret_value(), dp.get("heartbeat"))
    app = web.Application()
    app[UPDATES] = updates

    async def drain(_: web.Application) -> None:
        await updates.drain(drain_seconds)

    async def running(_: web.Application) -> None:
        updates.state = "running"

    app.on_shutdown.append(drain)
    setup_application(app, dp, bot=bot)
    app.on_startup.append(running)
    updates.register(app, path=settings.webhook_path)
    app.router.add_get(HEALTH_PATH, _healthz)
    if (services := dp.get("services")) is not None:
        add_metrics_route(app, services.metrics)
        if settings.webapp_url:
            from webapp.routes import add_webapp

            add_webapp(app, settings, services)  # the Mini App at /app/ and /app/api/
    return app


async def _healthz(request: web.Request) -> web.Response:
    updates = request.app[UPDATES]
    if updates.state != "running":
        return web.json_response({"status": updates.state}, status=503)
    try:
        async with asyncio.timeout(HEALTH_DB_TIMEOUT):
            async with updates.dispatcher["db"].execute("SELECT 1") as cursor:
                await cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - whatever the reason, the database does not answer
        log.warning("healthz: the database does not answer: %r", error)
        return web.json_response({"status": "database unavailable"}, status=503)
    return web.json_response({"status": "ok"})


async def register_webhook(settings: Settings, dp: Dispatcher, bot: Bot, deadline: Deadline) -> None:
    """Tell Telegram where to send updates, trying again while Telegram cannot be reached (until the
    deadline); a webhook Telegram refuses names WEBHOOK_URL."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()
    try:
        await until_answered("setWebhook", lambda: bot.set_webhook(
            url=settings.webhook_url, secret_token=secret, allowed_updates=dp.resolve_used_update_types(),
            drop_pending_updates=False), deadline)
    except TelegramBadRequest as error:
        raise ConfigurationError("WEBHOOK_URL", f"Telegram refused the webhook ({error.message}): set a "
                                 "public https:// URL that reaches this bot") from error
    log.info("webhook registered: %s", settings.webhook_url)


async def start_webhook(settings: Settings, dp: Dispatcher, bot: Bot, sock: socket.socket,
                        stack: AsyncExitStack, deadline: Deadline) -> None:
    """Serve webhooks on `sock` (already listening on WEBHOOK_HOST:WEBHOOK_PORT), then register the webhook.
    The server's clean-up goes on `stack`: stop taking updates, the dispatcher's shutdown, the Bot session."""
    runner = web.AppRunner(build_webhook_app(settings, dp, bot), access_log=None, handle_signals=False,
                           shutdown_timeout=5.0)
    stack.push_async_callback(_stop, runner)
    await runner.setup()  # runs the dispatcher's startup
    await web.SockSite(runner, sock).start()
    log.info("listening for webhooks on %s:%d%s", settings.webhook_host, settings.webhook_port,
             settings.webhook_path)
    await register_webhook(settings, dp, bot, deadline)


async def _stop(runner: web.AppRunner) -> None:
    log.info("shutting down")
    await runner.cleanup()
    log.info("stopped")
