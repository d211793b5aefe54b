"""Long polling has no web server of its own: the Mini App gets a small one on WEBAPP_HOST:WEBAPP_PORT.
(Webhook mode mounts it on the webhook server instead: bot/webhook.py calls `add_webapp`.)"""

from __future__ import annotations

import logging
import socket

from aiohttp import web

from bot.core.settings import Settings
from bot.services.container import Services
from webapp.routes import PAGE, add_webapp

log = logging.getLogger(__name__)


async def start_webapp_server(settings: Settings, services: Services, *, port: int | None = None,
                              sock: socket.socket | None = None) -> web.AppRunner:
    """Serve the Mini App until the returned runner is cleaned up: on a socket start-up bound already, or on
    WEBAPP_HOST:WEBAPP_PORT (`port` 0: one the system picks, for tests)."""
    app = web.Application()
    add_webapp(app, settings, services)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=5.0)
    await runner.setup()
    try:
        site = web.SockSite(runner, sock) if sock is not None else web.TCPSite(
            runner, settings.webapp_host, settings.webapp_port if port is None else port)
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    log.info("Mini App on http://%s:%s%s", settings.webapp_host, bound_port(runner), PAGE)
    return runner


def bound_port(runner: web.AppRunner) -> int:
    """The port the server listens on."""
    return runner.addresses[0][1]
