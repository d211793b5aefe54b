"""Mounting the Mini App on an aiohttp application: the page at /app/ (its files from static/, loaded and
compressed once), the API at /app/api/."""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from importlib import resources

from aiohttp import web

from bot.core.settings import Settings
from bot.services.container import Services
from handlers.texts import ENGLISH, RUSSIAN
from webapp.api import (
    WEBAPP,
    WebApp,
    create_number,
    delete_number,
    delete_numbers,
    guard,
    job_progress,
    list_numbers,
    stop_job,
)

PAGE = "/app/"
FILES = {"index.html": "text/html", "app.js": "text/javascript", "app.css": "text/css"}
TEXTS_MARK = "{{TEXTS}}"
# the page's own files and Telegram's script; no cookies are set, and the API takes only its own header
POLICY = ("default-src 'self'; script-src 'self' https://telegram.org; style-src 'self'; img-src 'self' data:; "
          "connect-src 'self'; base-uri 'none'; form-action 'none'")


@dataclass(frozen=True, slots=True)
class StaticFile:
    body: bytes
    gzipped: bytes
    content_type: str
    etag: str


def page_files() -> dict[str, StaticFile]:
    """The page's files as served, index.html with both languages' texts written in (no request for them)."""
    texts = json.dumps({"ru": RUSSIAN.app_page, "en": ENGLISH.app_page}, ensure_ascii=False)
    files = {}
    for name, content_type in FILES.items():
        text = resources.files("webapp").joinpath("static", name).read_text(encoding="utf-8")
        if name == "index.html":
            text = text.replace(TEXTS_MARK, texts.replace("</", "<\\/"))
        body = text.encode()
        files[name] = StaticFile(body, gzip.compress(body, 9, mtime=0), content_type,
                                 '"' + hashlib.sha256(body).hexdigest()[:16] + '"')
    return files


FILES_KEY = web.AppKey("webapp_files", dict)


def add_webapp(app: web.Application, settings: Settings, services: Services) -> WebApp:
    """The page and its API on `app` (before it starts)."""
    webapp = app[WEBAPP] = WebApp(settings, services)
    app[FILES_KEY] = page_files()
    app.middlewares.append(guard)
    app.router.add_get("/app", _to_page)
    app.router.add_get(PAGE, _serve)
    app.router.add_get(PAGE + "{name:app\\.(?:js|css)}", _serve)
    app.router.add_get("/app/api/numbers", list_numbers)
    app.router.add_post("/app/api/numbers", create_number)
    app.router.add_post("/app/api/numbers/delete", delete_numbers)
    app.router.add_delete("/app/api/numbers/{id}", delete_number)
    app.router.add_get("/app/api/jobs/{id}", job_progress)
    app.router.add_post("/app/api/jobs/{id}/stop", stop_job)
    return webapp


async def _to_page(request: web.Request) -> web.Response:
    raise web.HTTPPermanentRedirect(PAGE)


async def _serve(request: web.Request) -> web.Response:
    name = request.match_info.get("name", "index.html")
    file: StaticFile = request.app[FILES_KEY][name]
    headers = {"ETag": file.etag, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
               "Referrer-Policy": "no-referrer", "Vary": "Accept-Encoding"}
    if name == "index.html":
        headers["Content-Security-Policy"] = POLICY
    if request.headers.get("If-None-Match") == file.etag:
        return web.Response(status=304, headers=headers)
    body = file.body
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        body, headers["Content-Encoding"] = file.gzipped, "gzip"
    return web.Response(body=body, headers={**headers, "Content-Type": f"{file.content_type}; charset=utf-8"})
