"""Bulk jobs on disk: an /import or a bulk delete, and its rows, each with how far it got.

A job is `asked` (the check was shown, nothing done), then `running`, `stopping` (the stop button), and
`finished` or `cancelled`. A row is `pending`, `sent` (its call may have reached Plusofon: settled before it is
ever sent again), `created` (Plusofon said yes, the number is not identified yet), `done`, `failed`, `skipped`
(an existing customer the user chose not to add again), `invalid` (the check refused it) or `stopped`.
Rows are written in one statement (`INSERT … SELECT FROM json_each`), so a job's rows are one transaction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import aiosqlite
import orjson

ASKED, RUNNING, STOPPING, FINISHED, CANCELLED = "asked", "running", "stopping", "finished", "cancelled"
PENDING, SENT, CREATED, DONE, FAILED = "pending", "sent", "created", "done", "failed"
SKIPPED, INVALID, STOPPED = "skipped", "invalid", "stopped"
_JOB = "id, kind, account_id, chat_id, user_id, user_name, state, message_id, baseline_id, created_at, finished_at"
_ROW = "row, phone_b, description, ttl, existing, number_id, phone_x, status, attempts, error"


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str                 # "import" or "delete"
    account_id: int
    chat_id: int
    user_id: int              # who asked: who may confirm
    user_name: str
    state: str
    message_id: int | None    # the progress message
    baseline_id: int | None   # import: the account's greatest id before it; newer ids are the job's
    created_at: float
    finished_at: float | None


@dataclass(frozen=True, slots=True)
class JobRow:
    row: int                  # the file's row number (1 = the first line); for a delete, its order
    phone_b: str
    description: str
    ttl: float | None = None  # seconds, for a temporary number
    existing: bool = False    # the customer had a number in the account already
    number_id: int | None = None
    phone_x: str = ""
    status: str = PENDING
    attempts: int = 0
    error: str | None = None


class JobStore:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def create(self, *, kind: str, account_id: int, chat_id: int, user_id: int, user_name: str,
                     rows: list[JobRow], now: float) -> int:
        cursor = await self._conn.execute(
            "INSERT INTO jobs (kind, account_id, chat_id, user_id, user_name, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (kind, account_id, chat_id, user_id, user_name, now))
        job_id = int(cursor.lastrowid or 0)
        payload = orjson.dumps([[r.row, r.phone_b, r.description, r.ttl, int(r.existing), r.number_id, r.phone_x,
                                 r.status, r.error] for r in rows])
        await self._conn.execute(
            "INSERT INTO job_rows (job_id, row, phone_b, description, ttl, existing, number_id, phone_x, status, "
            "error) SELECT ?, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, "
            "value ->> 6, value ->> 7, value ->> 8 FROM json_each(?)", (job_id, payload))
        return job_id

    async def get(self, job_id: int) -> Job | None:
        async with self._conn.execute(f"SELECT {_JOB} FROM jobs WHERE id = ?", (job_id,)) as cursor:
            row = await cursor.fetchone()
        return Job(*row) if row is not None else None

    async def live(self) -> list[Job]:
        """The jobs a restart must carry on with."""
        async with self._conn.execute(f"SELECT {_JOB} FROM jobs WHERE state IN (?, ?) ORDER BY id",
                                      (RUNNING, STOPPING)) as cursor:
            return [Job(*row) for row in await cursor.fetchall()]

    async def move(self, job_id: int, state: str, *, was: tuple[str, ...], message_id: int | None = None,
                   finished_at: float | None = None) -> bool:
        """The job goes to `state` if it is in one of `was` (so of two presses only one acts)."""
        marks = ", ".join("?" * len(was))
        cursor = await self._conn.execute(
            f"UPDATE jobs SET state = ?, message_id = coalesce(?, message_id), finished_at = coalesce(?, "
            f"finished_at) WHERE id = ? AND state IN ({marks})", (state, message_id, finished_at, job_id, *was))
        return cursor.rowcount == 1

    async def set_baseline(self, job_id: int, baseline_id: int) -> None:
        await self._conn.execute("UPDATE jobs SET baseline_id = ? WHERE id = ?", (baseline_id, job_id))

    async def rows(self, job_id: int, *statuses: str, limit: int = -1) -> list[JobRow]:
        where = f" AND status IN ({', '.join('?' * len(statuses))})" if statuses else ""
        async with self._conn.execute(f"SELECT {_ROW} FROM job_rows WHERE job_id = ?{where} ORDER BY row LIMIT ?",
                                      (job_id, *statuses, limit)) as cursor:
            return [JobRow(r[0], r[1], r[2], r[3], bool(r[4]), *r[5:]) for r in await cursor.fetchall()]

    async def counts(self, job_id: int) -> Counter[str]:
        async with self._conn.execute("SELECT status, count(*) FROM job_rows WHERE job_id = ? GROUP BY status",
                                      (job_id,)) as cursor:
            return Counter({status: count for status, count in await cursor.fetchall()})

    async def mark(self, job_id: int, row: int, status: str, *, error: str | None = None,
                   number_id: int | None = None, phone_x: str | None = None, tried: bool = False) -> None:
        await self._conn.execute(
            "UPDATE job_rows SET status = ?, error = ?, number_id = coalesce(?, number_id), "
            "phone_x = coalesce(?, phone_x), attempts = attempts + ? WHERE job_id = ? AND row = ?",
            (status, error, number_id, phone_x, int(tried), job_id, row))

    async def mark_all(self, job_id: int, status: str, *, was: str, existing: bool | None = None) -> int:
        """Every row in `was` (only the existing customers' ones, or only the others, when `existing` says)."""
        which = "" if existing is None else " AND existing = ?"
        cursor = await self._conn.execute(
            f"UPDATE job_rows SET status = ? WHERE job_id = ? AND status = ?{which}",
            (status, job_id, was, *(() if existing is None else (int(existing),))))
        return cursor.rowcount
