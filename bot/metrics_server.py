"""GET /metrics over HTTP: on the webhook server's port, or (long polling) a small server of its own on
METRICS_PORT."""

from __future__ import annotations

import logging
import socket

from aiohttp import web

from bot.core.metrics import CONTENT_TYPE, Metrics

log = logging.getLogger(__name__)
METRICS_PATH = "/metrics"
METRICS = web.AppKey("metrics", Metrics)


def add_metrics_route(app: web.Application, metrics: Metrics) -> None:
    app[METRICS] = metrics
    app.router.add_get(METRICS_PATH, _scrape)


async def _scrape(request: web.Request) -> web.Response:
    body = await request.app[METRICS].render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


async def start_metrics_server(metrics: Metrics, host: str | None = None, port: int | None = None, *,
                               sock: socket.socket | None = None) -> web.AppRunner:
    """Serve /metrics on host:port, or on a socket already listening, until the returned runner is cleaned
    up."""
    app = web.Application()
    add_metrics_route(app, metrics)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.SockSite(runner, sock) if sock is not None else web.TCPSite(runner, host, port)
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    log.info("metrics on %s%s", site.name, METRICS_PATH)
    return runner
