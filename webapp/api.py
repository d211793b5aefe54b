"""The Mini App's JSON API under /app/api/: parse the request, call the numbers service as the commands do,
answer JSON. `guard` (a middleware) answers who is calling, whose account it is, and how fast they may go."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiogram.types import Chat, User
from aiogram.utils.web_app import WebAppUser
from aiohttp import web
from cachetools import TTLCache

from bot.core.durations import TTLError, parse_ttl
from bot.core.models import SmartNumber
from bot.core.phones import display, normalize
from bot.core.settings import Settings
from bot.plusofon import AddOutcomeUnknown, PlusofonError
from bot.services.bulk import Bulk
from bot.services.container import Services
from bot.services.mirror import NotReady
from bot.services.numbers import MAX_DESCRIPTION, AccountNumbers, Added, Draft, Duplicates, Refused
from handlers.errors import describe
from handlers.job_views import JobViews
from handlers.middlewares import ANSWER_WITHIN
from handlers.texts import Texts, texts_for
from handlers.throttle import Buckets
from storage.jobs import CANCELLED, DONE, FAILED, FINISHED, PENDING, SENT, STOPPED, Job
from webapp.auth import Unauthorized, caller

log = logging.getLogger(__name__)
API = "/app/api/"
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
MAX_QUERY = 100                # characters of a search
MAX_BULK = 200                 # ids in one POST /app/api/numbers/delete (the page sends more as several jobs)
READ_COST = 0.25               # a search or a scroll takes a quarter of the per-user allowance a command takes
IDEMPOTENCY_TTL = 24 * 3600.0  # seconds a POST's result is kept under its Idempotency-Key
_ID = re.compile(r"^[0-9]{1,18}$")
_TAGS = re.compile(r"<[^>]+>")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Caller:
    """The request's user, their account bound to their private chat with the bot, and their language."""

    user: User
    chat: Chat
    numbers: AccountNumbers
    t: Texts


class WebApp:
    """What the API needs across requests: the services, the per-user buckets, the results of POSTs by key."""

    def __init__(self, settings: Settings, services: Services, *, clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self.settings, self.services, self.clock, self.wall_clock = settings, services, clock, wall_clock
        self.buckets = Buckets(settings.throttle_user_per_minute, settings.throttle_user_burst)
        self.results: TTLCache[tuple[int, str, str], asyncio.Future[web.Response]] = TTLCache(
            maxsize=10_000, ttl=IDEMPOTENCY_TTL)

    def allows(self, user_id: int, cost: float) -> bool:
        """The user's bucket (the commands' limits) has `cost` left, and pays it; the bot's admins have no limit."""
        if user_id in self.settings.admin_ids:
            return True
        bucket = self.buckets.get(user_id, self.clock())
        if bucket.tokens < cost:
            return False
        bucket.tokens -= cost
        return True


WEBAPP = web.AppKey("webapp", WebApp)
CALLER = web.RequestKey("caller", Caller)


def error(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


def plain(text: str) -> str:
    """A chat text (HTML) as the page shows it: plain text."""
    return html.unescape(_TAGS.sub("", text))


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(API):
        return await handler(request)
    app = request.app[WEBAPP]
    settings = app.settings
    try:
        user = caller(request.headers.get("Authorization"), settings.bot_token.get_secret_value(),
                      settings.webapp_max_age_hours * 3600, app.wall_clock)
    except Unauthorized as refused:
        log.info("webapp: refused a request from %s: %s", request.remote, refused)
        return error(401, "unauthorized")
    t = texts_for(user.language_code)
    if not app.allows(user.id, READ_COST if request.method == "GET" else 1.0):
        return error(429, t.app_page["slow_down"])
    auth = await app.services.chats.get(user.id)  # the account of the user's private chat with the bot
    if auth is None or not auth.active:
        return error(403, plain(t.app_not_connected))
    request[CALLER] = Caller(_user(user), Chat(id=user.id, type="private"), app.services.numbers.of(auth), t)
    with app.services.plusofon.within(ANSWER_WITHIN):
        try:
            return await handler(request)
        except NotReady as waiting:
            return error(503, plain(t.mirror_still_loading.format(loaded=waiting.loaded, total=waiting.total)))
        except PlusofonError as failure:
            log.warning("webapp: Plusofon call failed for user %s: %s", user.id, failure)
            return error(502, plain(describe(failure, t)))


def _user(user: WebAppUser) -> User:
    return User(id=user.id, is_bot=False, first_name=user.first_name or "", last_name=user.last_name,
                username=user.username, language_code=user.language_code)


def item(number: SmartNumber, expires_at: float | None) -> dict[str, Any]:
    return {"id": number.id, "phoneX": number.phone_x, "phoneB": number.phone_b,
            "description": number.description,
            "created_at": number.created_at.isoformat() if number.created_at else None,
            "expires_at": datetime.fromtimestamp(expires_at, UTC).isoformat() if expires_at else None}


# -- reading ----------------------------------------------------------------------------------------------

async def list_numbers(request: web.Request) -> web.Response:
    who = request[CALLER]
    query = request.query
    typed = query.get("q", "")[:MAX_QUERY]
    offset, limit = query.get("offset", ""), query.get("limit", str(DEFAULT_LIMIT))
    if (offset and not _ID.match(offset)) or not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
        return error(400, f"offset: an id from next_offset; limit: 1 to {MAX_LIMIT}")
    # the count with the first screen only: a scroll does not count the account's matches again
    screen = await who.numbers.browse(typed, before=int(offset) if offset else None, limit=int(limit),
                                      count=not offset)
    return web.json_response({
        "total": screen.total,
        "items": [item(number, screen.expiries.get(number.id)) for number in screen.numbers],
        "next_offset": str(screen.after) if screen.after is not None else None,
        "complete": screen.complete, "loaded": screen.loaded, "of": screen.of,  # of the copy's read: first screen
    })


# -- adding -----------------------------------------------------------------------------------------------

def once_per_key(handler: Handler) -> Handler:
    """A POST once per Idempotency-Key: a repeated request (a retry after a lost answer, a second press) gets
    the first one's answer, waiting for it while it is being made, and after a restart too (storage/answers.py).
    A first request the bot was still answering when it stopped is not made again: the retry is told to look."""

    @functools.wraps(handler)
    async def once(request: web.Request) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key", "").strip()[:100]
        if not key:
            return await handler(request)
        app, who = request.app[WEBAPP], request[CALLER]
        slot = (who.user.id, request.path, key)
        earlier = app.results.get(slot)
        if earlier is not None:
            return _copy(await asyncio.shield(earlier))
        pending: asyncio.Future[web.Response] = asyncio.get_running_loop().create_future()
        app.results[slot] = pending
        try:
            kept = await app.services.answers.claim(*slot, account_id=who.numbers.account, now=app.wall_clock())
            if kept is None:
                try:
                    response = await handler(request)
                except Exception:  # a handler answers what it may have done: this did nothing, a retry may
                    with contextlib.suppress(Exception):
                        await asyncio.shield(app.services.answers.release(*slot))
                    raise
                # (cancelled, as by a stop: the outcome is unknown, the claim stays and a retry is told to look)
                try:
                    await app.services.answers.save(*slot, response.status, response.body)
                except Exception:
                    log.exception("webapp: the answer to %s could not be kept; it is kept in memory only",
                                  request.path)
            elif kept.status is None:
                response = error(409, plain(who.t.app_answer_lost), outcome="unknown")
            else:
                response = web.Response(body=kept.body, status=kept.status, content_type="application/json")
        except BaseException as failure:
            app.results.pop(slot, None)
            pending.set_exception(failure)
            pending.exception()  # retrieved: a future nobody else awaits must not warn
            raise
        pending.set_result(response)  # kept, failures included: an AddOutcomeUnknown must not be tried twice
        return response

    return once


@once_per_key
async def create_number(request: web.Request) -> web.Response:
    return await _create(request, request[CALLER])


def _copy(response: web.Response) -> web.Response:
    return web.Response(body=response.body, status=response.status, content_type=response.content_type)


async def _create(request: web.Request, who: Caller) -> web.Response:
    t = who.t
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return error(400, "a JSON object: phone, description, ttl")
    if isinstance(body.get("confirm"), str):  # the duplicate guard's question, answered yes
        done = await who.numbers.confirm_add(who.chat, who.user, body["confirm"], yes=True)
        if isinstance(done, Refused) or done is None:
            return error(409, plain(t.duplicate_expired))
        return _created(done)
    phone = normalize(str(body.get("phone") or ""))
    if phone is None:
        return error(422, plain(t.add_invalid_phone.format(text=html.escape(str(body.get("phone") or "")[:40]))))
    if who.numbers.refuses(phone):
        return error(422, plain(t.add_premium_refused.format(phone=display(phone))))
    description = " ".join(str(body.get("description") or "").split())
    if len(description) > MAX_DESCRIPTION:
        return error(422, plain(t.add_description_too_long.format(length=len(description))))
    ttl = None
    if body.get("ttl"):
        try:
            ttl = parse_ttl(str(body["ttl"]))
        except TTLError:
            return error(422, plain(t.add_ttl_invalid.format(text=html.escape(str(body["ttl"])[:40]))))
    try:
        outcome = await who.numbers.add(who.chat, who.user, Draft(phone, description, ttl))
    except AddOutcomeUnknown:
        return error(502, plain(t.add_unknown_outcome), outcome="unknown")
    if isinstance(outcome, Duplicates):
        return error(409, plain(t.duplicate_ask.format(phone_b=display(phone), count=len(outcome.existing),
                                                       numbers="…")),
                     duplicates=[item(number, None) for number in outcome.existing], confirm=outcome.key)
    return _created(outcome)


def _created(added: Added) -> web.Response:
    number = added.number
    return web.json_response({"item": item(number, added.expires_at) if number is not None else None}, status=201)


# -- deleting ---------------------------------------------------------------------------------------------

async def delete_number(request: web.Request) -> web.Response:
    who = request[CALLER]
    typed = request.match_info["id"]
    if not _ID.match(typed) or int(typed) == 0:
        return error(404, plain(who.t.del_not_found.format(id=html.escape(typed[:20]))))
    number_id = int(typed)
    done = await who.numbers.delete_now(who.chat, who.user, number_id)
    if done is None or done.outcome == "gone":
        return error(404, plain(who.t.del_not_found.format(id=number_id)))
    if done.error is not None:
        return error(502, plain(describe(done.error, who.t)))
    return web.json_response({"deleted": number_id})


@once_per_key
async def delete_numbers(request: web.Request) -> web.Response:
    """Several numbers, as a delete of many in the chat (`/del 12 15 19`): a bulk job (issue 20), looked up in
    the copy, then run in the background at the account's pace with its progress and summary in the private
    chat. The page asked with Telegram's confirmation, so the job starts at once; `202` with the job, whose
    progress is at GET /app/api/jobs/{id}; ids not in the account are `missing`."""
    who = request[CALLER]
    try:
        body = await request.json()
    except ValueError:
        body = None
    ids = body.get("ids") if isinstance(body, dict) else None
    if (not isinstance(ids, list) or not ids or len(ids) > MAX_BULK
            or not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in ids)):
        return error(400, f"ids: a list of 1 to {MAX_BULK} number ids")
    bulk = request.app[WEBAPP].services.bulk
    job, missing = await bulk.delete_at_once(who.numbers, who.chat.id, who.user, ids)
    if job is None:
        return web.json_response({"job": None, "missing": missing})
    return web.json_response({"job": await _job(bulk, job, who.t), "missing": missing}, status=202)


async def job_progress(request: web.Request) -> web.Response:
    """A delete of many started from the page: what is done, what failed and why, how many are left."""
    who, bulk, job = await _own_job(request)
    if job is None:
        return error(404, "no such job")
    return web.json_response(await _job(bulk, job, who.t))


async def stop_job(request: web.Request) -> web.Response:
    """⏹ on the page, as on the job's progress message: the row in flight ends, the rest are not sent."""
    who, bulk, job = await _own_job(request)
    if job is None:
        return error(404, "no such job")
    if not await bulk.stop_job(job.id, job.chat_id):
        return error(409, plain(who.t.job_stale))
    return web.json_response(await _job(bulk, await bulk.job(job.id) or job, who.t))


async def _own_job(request: web.Request) -> tuple[Caller, Bulk, Job | None]:
    """The job of the path, if the caller started it on their present account."""
    who = request[CALLER]
    typed = request.match_info["id"]
    bulk = request.app[WEBAPP].services.bulk
    job = await bulk.job(int(typed)) if _ID.match(typed) else None
    if job is not None and (job.user_id != who.user.id or job.account_id != who.numbers.account):
        job = None
    return who, bulk, job


async def _job(bulk: Bulk, job: Job, t: Texts) -> dict[str, Any]:
    rows = await bulk.rows(job.id)
    say = JobViews(t)
    return {"id": job.id, "state": job.state, "finished": job.state in (FINISHED, CANCELLED),
            "total": len(rows), "left": sum(row.status in (PENDING, SENT) for row in rows),
            "deleted": [row.number_id for row in rows if row.status == DONE],
            "failed": [{"id": row.number_id, "error": say.job_row_status(row)} for row in rows if row.status == FAILED],
            "stopped": [row.number_id for row in rows if row.status == STOPPED]}
