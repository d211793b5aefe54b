"""Bulk jobs: an /import of a customers' file, a delete of many numbers.

Asking creates nothing: the file is checked (or the numbers looked up in the copy) and stored as an `asked` job
with its rows. A confirmed job runs in the background, row by row, each row's status saved before and after its
call (storage/jobs.py), paced by the account's `Pacer` (the mirror's, shared with its reads: users' own calls
go first). A restart carries on with every running job.

An import never creates a row twice. A row is `sent` before its POST; the POST's answer makes it `created`;
new numbers are identified a page at a time: the rows of one batch fill the account's last page exactly, so
one page read identifies them all (the floor: one POST a row and one page read per 15 new numbers). A `sent`
row whose answer was lost (a dropped connection, a timeout, a restart) is settled by that same read before it
is ever sent again: found, it is done; not there, it goes back to pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BufferedInputFile, User

from bot.core.models import Credentials, SmartNumber, SmartNumberPage
from bot.plusofon import (
    AddOutcomeUnknown,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PlusofonError,
    RateLimitError,
    ValidationError,
)
from bot.services.bulk.checking import check_rows
from bot.services.bulk.report import rows_csv
from bot.services.bulk.sheet import read_sheet
from bot.services.journal import plain_name
from bot.services.mirror import Freshness, Pacer
from bot.services.mirror.reader import IN_BACKGROUND
from bot.services.numbers import PER_PAGE, AccountNumbers, Numbers
from bot.services.search import parse_query, terms
from storage.chats import ChatAuth, ChatRepository
from storage.jobs import (
    ASKED,
    CANCELLED,
    CREATED,
    DONE,
    FAILED,
    FINISHED,
    INVALID,
    PENDING,
    RUNNING,
    SENT,
    SKIPPED,
    STOPPED,
    STOPPING,
    Job,
    JobRow,
    JobStore,
)

log = logging.getLogger(__name__)
IMPORT, DELETE = "import", "delete"
NEW, ALL, CANCEL = "new", "all", "cancel"       # the answers to an import's check
MAX_ATTEMPTS = 3            # sends of one row before it fails
MAX_RATE_LIMITED = 30       # 429s in a row before the job gives up on a call
RETRY_DELAYS = (2.0, 10.0, 30.0, 60.0)  # after a failed page read; then the job ends with the rest failed
T = TypeVar("T")


class JobSay(Protocol):
    """How a job shows itself: the presentation layer words it (handlers/job_views.py)."""

    def job_progress(self, job: Job, counts: Mapping[str, int], eta: float | None) -> tuple[str, Any]:
        """The progress message (text, its stop button); once the job is over, its last state."""

    def job_finished(self, job: Job, counts: Mapping[str, int]) -> str:
        """The summary in the chat, the caption of the result file."""

    def job_team_line(self, job: Job, counts: Mapping[str, int]) -> str:
        """The one line to the team chat."""

    def job_row_status(self, row: JobRow) -> str:
        """A row's status or error, for the files."""

    def job_file_name(self, job: Job) -> str: ...


@dataclass(frozen=True, slots=True)
class ImportAsked:
    """An import file checked: `job_id` None when nothing can be created (or the file has too many rows)."""

    job_id: int | None
    rows: list[JobRow]
    too_many: bool = False
    partial: Freshness | None = None  # the copy was still being read: existing customers may be missed

    def count(self, *, status: str, existing: bool | None = None) -> int:
        return sum(1 for row in self.rows if row.status == status and existing in (None, row.existing))

    def wrong_file(self, say: JobSay) -> bytes:
        return rows_csv((row for row in self.rows if row.status == INVALID), say.job_row_status)


@dataclass(frozen=True, slots=True)
class DeleteAsked:
    job_id: int | None
    numbers: list[SmartNumber]
    missing: list[int]


class Bulk:
    def __init__(self, store: JobStore, numbers: Numbers, chats: ChatRepository, say: JobSay, *,
                 max_rows: int, max_bytes: int, progress_every: float, clock: Callable[[], float] = time.time,
                 retry_delays: tuple[float, ...] = RETRY_DELAYS) -> None:
        self._store, self._numbers, self._chats, self._say = store, numbers, chats, say
        self.max_rows, self.max_bytes, self._progress_every, self._clock = max_rows, max_bytes, progress_every, clock
        self._retry_delays = retry_delays
        self._bot: Bot | None = None
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._stops: set[int] = set()
        self._shown: dict[int, float] = {}
        self._accounts: dict[int, asyncio.Lock] = {}  # one job of an account runs at a time

    # -- life -----------------------------------------------------------------------------------------

    async def start(self, bot: Bot) -> None:
        """Carry on with the jobs a stop interrupted."""
        self._bot = bot
        for job in await self._store.live():
            log.info("bulk job %s (%s) resumes", job.id, job.kind)
            self._launch(job.id)

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()

    async def job(self, job_id: int) -> Job | None:
        return await self._store.get(job_id)

    async def rows(self, job_id: int) -> list[JobRow]:
        return await self._store.rows(job_id)

    def of(self, numbers: AccountNumbers) -> AccountBulk:
        """Bound to one chat's account for one update, as `Numbers.of`."""
        return AccountBulk(self, numbers)

    # -- asking ---------------------------------------------------------------------------------------

    async def check_import(self, numbers: AccountNumbers, chat_id: int, user: User, data: bytes,
                           file_name: str) -> ImportAsked:
        """The file checked and stored as an asked job (SheetError when it is no table)."""
        sheet = read_sheet(data, file_name, self.max_rows)
        if sheet.too_many:
            return ImportAsked(None, [], too_many=True)
        mirror = self._numbers.mirror
        fresh = await mirror.check(numbers.creds)

        async def has_numbers(phone_b: str) -> bool:
            return bool(await mirror.of_customer(numbers.account, phone_b))

        rows = await check_rows(sheet.rows, refuses=self._numbers.refuses, has_numbers=has_numbers)
        job_id = None
        if any(row.status == PENDING for row in rows):
            job_id = await self._store.create(kind=IMPORT, account_id=numbers.account, chat_id=chat_id,
                                              user_id=user.id, user_name=plain_name(user), rows=rows,
                                              now=self._clock())
        return ImportAsked(job_id, rows, partial=None if fresh.complete else fresh)

    async def ask_delete(self, numbers: AccountNumbers, chat_id: int, user: User, ids: list[int]) -> DeleteAsked:
        """Numbers to delete by id, looked up in the copy after a freshness check."""
        mirror = self._numbers.mirror
        fresh = await mirror.check(numbers.creds)
        whole = fresh.complete and fresh.loaded == fresh.total  # then an id the copy lacks costs no call
        found, missing = [], []
        for number_id in dict.fromkeys(ids):
            number = await mirror.number(numbers.creds, number_id, locate=not whole)
            (found.append(number) if number is not None else missing.append(number_id))
        return await self._ask_delete(numbers, chat_id, user, found, missing)

    async def delete_at_once(self, numbers: AccountNumbers, chat_id: int, user: User,
                             ids: list[int]) -> tuple[Job | None, list[int]]:
        """A delete of many its asker has confirmed already (the Mini App asked): asked, confirmed and started
        in one go, its progress shown as a new message. The job (None when no id is in the account) and the ids
        that are not."""
        asked = await self.ask_delete(numbers, chat_id, user, ids)
        job = await self.confirm(asked.job_id, user.id, ALL) if asked.job_id is not None else None
        if job is not None:
            await self.run(job.id, None)
        return job, asked.missing

    async def ask_delete_search(self, numbers: AccountNumbers, chat_id: int, user: User,
                                key: str) -> DeleteAsked | None:
        """Every number a saved /find matches; None when the search has expired."""
        typed = self._numbers.searches.query(key, chat_id, numbers.account)
        if typed is None:
            return None
        mirror = self._numbers.mirror
        await mirror.check(numbers.creds)
        words = terms(parse_query(typed))
        found: list[SmartNumber] = []
        for page in range(1, math.ceil(self.max_rows / PER_PAGE) + 1):
            total, shown = await mirror.search(numbers.account, words, page)
            found.extend(shown)
            if len(found) >= min(total, self.max_rows) or not shown:
                break
        return await self._ask_delete(numbers, chat_id, user, found[: self.max_rows], [])

    async def ask_delete_expiring(self, numbers: AccountNumbers, chat_id: int, user: User,
                                  until: int | None) -> DeleteAsked:
        """Every temporary number that goes before `until` (None: all of them), as /expiring listed them."""
        _, rows = await self._numbers.expiries.upcoming(numbers.account, until, 0, self.max_rows)
        return await self._ask_delete(numbers, chat_id, user, [row.number() for row in rows], [])

    async def _ask_delete(self, numbers: AccountNumbers, chat_id: int, user: User, found: list[SmartNumber],
                          missing: list[int]) -> DeleteAsked:
        job_id = None
        if found:
            rows = [JobRow(i, n.phone_b, n.description, number_id=n.id, phone_x=n.phone_x)
                    for i, n in enumerate(found, start=1)]
            job_id = await self._store.create(kind=DELETE, account_id=numbers.account, chat_id=chat_id,
                                              user_id=user.id, user_name=plain_name(user), rows=rows,
                                              now=self._clock())
        return DeleteAsked(job_id, found, missing)

    # -- the buttons ----------------------------------------------------------------------------------

    async def confirm(self, job_id: int, user_id: int, choice: str) -> Job | None:
        """The asker's answer: the job, now running (or cancelled); None when the question is stale or the
        presser is not who asked (`job_id`'s asker is told by `Job.user_id`)."""
        job = await self._store.get(job_id)
        if job is None or job.state != ASKED or job.user_id != user_id:
            return None
        if choice == CANCEL:
            if not await self._store.move(job_id, CANCELLED, was=(ASKED,), finished_at=self._clock()):
                return None
            return dataclasses.replace(job, state=CANCELLED)
        if choice == NEW:
            await self._store.mark_all(job_id, SKIPPED, was=PENDING, existing=True)
        if not await self._store.move(job_id, RUNNING, was=(ASKED,)):
            return None
        return dataclasses.replace(job, state=RUNNING)

    async def run(self, job_id: int, message_id: int | None) -> None:
        """Start a confirmed job, its progress shown in `message_id`."""
        await self._store.move(job_id, RUNNING, was=(RUNNING,), message_id=message_id)
        self._launch(job_id)

    async def stop_job(self, job_id: int, chat_id: int) -> bool:
        """The stop button: the row in flight ends, the rest are not sent."""
        job = await self._store.get(job_id)
        if job is None or job.chat_id != chat_id or not await self._store.move(job_id, STOPPING, was=(RUNNING,)):
            return False
        self._stops.add(job_id)
        return True

    async def counts(self, job_id: int) -> Mapping[str, int]:
        return await self._store.counts(job_id)

    # -- the run --------------------------------------------------------------------------------------

    def _launch(self, job_id: int) -> None:
        if job_id in self._tasks and not self._tasks[job_id].done():
            return
        # a context of its own: not the starting update's (its Plusofon deadline, its log fields)
        task = asyncio.get_running_loop().create_task(self._run(job_id), name=f"bulk-job-{job_id}",
                                                      context=contextvars.Context())
        self._tasks[job_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(job_id, None) if self._tasks.get(job_id) is task else None)

    async def _run(self, job_id: int) -> None:
        IN_BACKGROUND.set(True)  # the mirror's observer: these calls are background work, not a user's
        job = await self._store.get(job_id)
        if job is None:
            return
        if job.state == STOPPING:
            self._stops.add(job_id)
        async with self._accounts.setdefault(job.account_id, asyncio.Lock()):
            await self._work(job)

    async def _work(self, job: Job) -> None:
        job_id = job.id
        auth = await self._chats.get(job.chat_id)
        try:
            if auth is None or auth.user_id != job.account_id:
                log.info("bulk job %s: its chat is no longer connected to the account", job_id)
                await self._store.mark_all(job_id, FAILED, was=PENDING)
            elif job.kind == IMPORT:
                await _Importer(self, job, auth).run()
            else:
                await _Deleter(self, job, auth).run()
        except _GiveUp as reason:
            log.warning("bulk job %s gave up: %s", job_id, reason)
            for status in (PENDING, SENT):
                await self._store.mark_all(job_id, FAILED, was=status)
            await self._store.mark_all(job_id, DONE, was=CREATED)
        await self._finish(job, auth)

    async def _finish(self, job: Job, auth: ChatAuth | None) -> None:
        await self._store.mark_all(job.id, STOPPED, was=PENDING)
        await self._store.move(job.id, FINISHED, was=(RUNNING, STOPPING), finished_at=self._clock())
        self._stops.discard(job.id)
        job = await self._store.get(job.id) or job
        counts = await self._store.counts(job.id)
        await self.show(job, force=True)
        if self._bot is not None:
            data = rows_csv(await self._store.rows(job.id), self._say.job_row_status)
            with contextlib.suppress(TelegramAPIError):
                await self._bot.send_document(job.chat_id, BufferedInputFile(data, self._say.job_file_name(job)),
                                              caption=self._say.job_finished(job, counts))
        if auth is not None:
            await self._numbers.journal.job_finished(auth, job.chat_id, self._say.job_team_line(job, counts))
        self._shown.pop(job.id, None)

    async def show(self, job: Job, *, force: bool = False) -> None:
        """Edit the progress message, at most every `progress_every` seconds (unless `force`)."""
        now = time.monotonic()
        if self._bot is None or (not force and now - self._shown.get(job.id, -math.inf) < self._progress_every):
            return
        self._shown[job.id] = now
        job = await self._store.get(job.id) or job
        counts = await self._store.counts(job.id)
        text, markup = self._say.job_progress(job, counts, self._eta(job, counts))
        try:
            if job.message_id is None:
                sent = await self._bot.send_message(job.chat_id, text, reply_markup=markup)
                await self._store.move(job.id, job.state, was=(job.state,), message_id=sent.message_id)
            else:
                await self._bot.edit_message_text(text=text, chat_id=job.chat_id, message_id=job.message_id,
                                                  reply_markup=markup)
        except TelegramAPIError as error:
            log.debug("bulk job %s: progress not shown: %s", job.id, error)

    def _eta(self, job: Job, counts: Mapping[str, int]) -> float | None:
        """Seconds left at the pacer's rate: a call a row, and for an import a page read per 15 of them."""
        left = counts.get(PENDING, 0) + counts.get(SENT, 0)
        if job.state not in (RUNNING, STOPPING) or not left:
            return None
        pacer = self._numbers.mirror.pacer(job.account_id)
        calls = left * (1 + 1 / PER_PAGE) if job.kind == IMPORT else left
        return calls * pacer.window / pacer.per_window

    def stopping(self, job_id: int) -> bool:
        return job_id in self._stops


@dataclass(frozen=True, slots=True)
class AccountBulk:
    """The bulk actions of one chat's account, for one update."""

    service: Bulk   # the jobs themselves: confirm, run, stop
    numbers: AccountNumbers

    async def check_import(self, chat_id: int, user: User, data: bytes, file_name: str) -> ImportAsked:
        return await self.service.check_import(self.numbers, chat_id, user, data, file_name)

    async def ask_delete(self, chat_id: int, user: User, ids: list[int]) -> DeleteAsked:
        return await self.service.ask_delete(self.numbers, chat_id, user, ids)

    async def ask_delete_search(self, chat_id: int, user: User, key: str) -> DeleteAsked | None:
        return await self.service.ask_delete_search(self.numbers, chat_id, user, key)

    async def ask_delete_expiring(self, chat_id: int, user: User, until: int | None) -> DeleteAsked:
        return await self.service.ask_delete_expiring(self.numbers, chat_id, user, until)


class _GiveUp(Exception):
    """Plusofon refuses the token, or keeps failing: the job ends, its unsent rows failed."""


class _Work:
    """One run of one job: its calls paced by the account's pacer."""

    def __init__(self, bulk: Bulk, job: Job, auth: ChatAuth) -> None:
        self.bulk, self.job, self.auth = bulk, job, auth
        self.store, self.numbers = bulk._store, bulk._numbers
        self.creds: Credentials = auth.credentials
        self.pacer: Pacer = self.numbers.mirror.pacer(job.account_id)

    async def paced(self, call: Callable[[], Awaitable[T]]) -> T:
        """One call in the pacer's turn; a 429 waits (the pacer heard of it) and tries again."""
        for _ in range(MAX_RATE_LIMITED):
            async with self.pacer.call():
                try:
                    return await call()
                except RateLimitError:
                    continue
                except AuthenticationError as error:
                    raise _GiveUp("Plusofon refuses the token") from error
        raise _GiveUp("Plusofon keeps refusing with 429")

    async def read(self, page: int) -> SmartNumberPage:
        """A page, retried with pauses while Plusofon fails."""
        for delay in (*self.bulk._retry_delays, None):
            try:
                found = await self.paced(lambda: self.numbers.plusofon.list_page(self.creds, page, retry=False))
            except PlusofonError as error:
                if delay is None:
                    raise _GiveUp(f"page {page} keeps failing: {type(error).__name__}") from error
                log.info("bulk job %s: page %d failed (%s); again in %.0f s", self.job.id, page,
                         type(error).__name__, delay)
                await asyncio.sleep(delay)
                continue
            return found  # not shown to the copy: its count lags the rows in flight (it would read again)
        raise AssertionError("unreachable")

    async def record(self, row: JobRow, *, added: bool, number_id: int | None, phone_x: str,
                     error: str | None = None) -> None:
        """Each number in /history (no team notification per row: one line at the end)."""
        await self.numbers.journal.job_row(self.job.chat_id, self.job.user_id, self.job.user_name, added=added,
                                           number_id=number_id, phone_x=phone_x, phone_b=row.phone_b,
                                           description=row.description, error=error,
                                           account=self.job.account_id)


class _Importer(_Work):
    async def run(self) -> None:
        job = self.job
        end: SmartNumberPage | None = None
        if job.baseline_id is None:
            end = await self._end()
            baseline = max((number.id for number in end.data), default=0)
            await self.store.set_baseline(job.id, baseline)
            self.job = job = dataclasses.replace(job, baseline_id=baseline)
        if await self.store.rows(job.id, SENT, CREATED, limit=1):
            end = await self._settle(None)  # a restart: what was in flight is settled before anything is sent
        while not self.bulk.stopping(job.id):
            pending = await self.store.rows(job.id, PENDING, limit=PER_PAGE)
            if not pending:
                break
            if end is None or end.total is None:
                end = await self._end()
            total = end.total or 0
            room = PER_PAGE - total % PER_PAGE  # the batch fills the last page: one read identifies it
            sent = 0
            for row in pending[:room]:
                if self.bulk.stopping(job.id):
                    break
                sent += await self._send(row)
                await self.bulk.show(self.job)
            end = await self._settle(total + sent if sent else None)

    async def _send(self, row: JobRow) -> int:
        """POST one row; 1 when it may have been created."""
        await self.store.mark(self.job.id, row.row, SENT, tried=True)
        try:
            await self.paced(lambda: self.numbers.plusofon.create(self.creds, row.phone_b, row.description))
        except AddOutcomeUnknown:
            return 1  # stays sent: the next read settles it
        except _GiveUp:
            await self.store.mark(self.job.id, row.row, PENDING)
            raise
        except (BadRequestError, ValidationError, NotFoundError) as error:
            await self._failed(row, type(error).__name__)
            return 0
        except PlusofonError as error:  # not sent (a refused connection): again, a few times
            if row.attempts + 1 >= MAX_ATTEMPTS:
                await self._failed(row, type(error).__name__)
            else:
                await self.store.mark(self.job.id, row.row, PENDING)
            return 0
        await self.store.mark(self.job.id, row.row, CREATED)
        return 1

    async def _failed(self, row: JobRow, error: str) -> None:
        await self.store.mark(self.job.id, row.row, FAILED, error=error)
        await self.record(row, added=True, number_id=None, phone_x="", error=error)

    async def _end(self) -> SmartNumberPage:
        """The account's last page (page 1 first, which says which that is)."""
        first = await self.read(1)
        last = first.last_page or 1
        return first if last <= 1 else await self.read(last)

    async def _settle(self, expected_total: int | None) -> SmartNumberPage:
        """Identify the rows sent and created: the page where the batch should have ended (`expected_total`
        numbers), then, for any not found there, a few pages back from the end. Rows still unseen: created
        ones are done (unidentified), sent ones go back to pending (they were not created)."""
        waiting = {row.phone_b: row for row in await self.store.rows(self.job.id, SENT, CREATED)}
        if expected_total is None:
            page = await self._end()
        else:
            page = await self.read(max(1, math.ceil(expected_total / PER_PAGE)))
            if not page.data and (page.last_page or 1) < page.current_page:
                page = await self.read(page.last_page or 1)
        latest, seen = page, {page.current_page: _first_id(page)}
        await self._identify(page, waiting)
        budget = 2 + len(waiting) // PER_PAGE
        while waiting and budget > 0:
            last = latest.last_page or 1
            lowest = min(seen)
            if last not in seen:
                number = last
            elif seen[lowest] <= (self.job.baseline_id or 0) or lowest <= 1:
                break  # the pages before hold only numbers older than the job
            else:
                number = lowest - 1
            page = await self.read(number)
            seen[number] = _first_id(page)
            budget -= 1
            if (page.last_page or 1) >= (latest.last_page or 1):
                latest = page
            await self._identify(page, waiting)
        for row in waiting.values():
            if row.status == CREATED:
                log.warning("bulk job %s: row %d was created but is not on the pages read", self.job.id, row.row)
                await self.store.mark(self.job.id, row.row, DONE, error="unidentified")
                await self.record(row, added=True, number_id=None, phone_x="")
            elif row.attempts >= MAX_ATTEMPTS:
                await self._failed(row, "no_answer")
            else:
                await self.store.mark(self.job.id, row.row, PENDING)
        return latest

    async def _identify(self, page: SmartNumberPage, waiting: dict[str, JobRow]) -> None:
        baseline = self.job.baseline_id or 0
        for number in page.data:
            row = waiting.get(number.phone_b)
            if row is None or number.id <= baseline or number.description.strip() != row.description.strip():
                continue
            del waiting[number.phone_b]
            await self.store.mark(self.job.id, row.row, DONE, number_id=number.id, phone_x=number.phone_x)
            await self.numbers.mirror.added(self.job.account_id, number)
            if row.ttl:
                await self.numbers.expirer.schedule(number, timedelta(seconds=row.ttl), account=self.job.account_id,
                                                    chat_id=self.job.chat_id, user_id=self.job.user_id,
                                                    user_name=self.job.user_name)
            await self.record(row, added=True, number_id=number.id, phone_x=number.phone_x)


class _Deleter(_Work):
    async def run(self) -> None:
        job = self.job
        for status in (SENT, CREATED):  # a delete is safe to repeat: Plusofon's 404 says it is gone
            await self.store.mark_all(job.id, PENDING, was=status)
        while not self.bulk.stopping(job.id):
            pending = await self.store.rows(job.id, PENDING, limit=PER_PAGE)
            if not pending:
                break
            for row in pending:
                if self.bulk.stopping(job.id):
                    break
                await self._delete(row)
                await self.bulk.show(job)

    async def _delete(self, row: JobRow) -> None:
        assert row.number_id is not None
        number_id = row.number_id
        await self.store.mark(self.job.id, row.row, SENT, tried=True)
        gone = None
        try:
            await self.paced(lambda: self.numbers.plusofon.delete(self.creds, number_id))
        except NotFoundError:
            gone = "gone"
        except _GiveUp:
            await self.store.mark(self.job.id, row.row, PENDING)
            raise
        except PlusofonError as error:
            if row.attempts + 1 >= MAX_ATTEMPTS:
                await self.store.mark(self.job.id, row.row, FAILED, error=type(error).__name__)
                await self.record(row, added=False, number_id=number_id, phone_x=row.phone_x,
                                  error=type(error).__name__)
            else:
                await self.store.mark(self.job.id, row.row, PENDING)
            return
        await self.store.mark(self.job.id, row.row, DONE, error=gone)
        await self.numbers.mirror.removed(self.job.account_id, number_id)
        await self.numbers.expiries.remove(self.job.account_id, number_id)
        await self.record(row, added=False, number_id=number_id, phone_x=row.phone_x)


def _first_id(page: SmartNumberPage) -> int:
    return page.data[0].id if page.data else 0
