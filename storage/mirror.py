"""The account mirror on disk: each connected account's smart numbers, and the state of their background read.

Rows are written a batch at a time, each batch one SQL statement (`INSERT … SELECT FROM json_each`), so a
batch is one transaction on the shared autocommit connection and nothing else's statements join it. Searches
run in SQLite over precomputed columns (digits of the phones, the description casefolded), so the process
holds no more than the page it shows, whatever the size of the account.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime

import aiosqlite
import orjson

from bot.core.models import SmartNumber
from storage import mirror_grams
from storage.mirror_grams import SHORTEST_TRIGRAM

_NUMBER_COLUMNS = "id, phone_a, phone_b, phone_x, description, created_at"
_NON_DIGITS = re.compile(r"\D")
_MATCH = """(
    (:digits != '' AND (instr(digits_x, :digits) > 0 OR instr(digits_b, :digits) > 0
        OR (:prefix != '' AND (substr(digits_x, 1, length(:prefix)) = :prefix
                               OR substr(digits_b, 1, length(:prefix)) = :prefix))))
    OR (:words != '' AND instr(folded, :words) > 0))"""


@dataclass(frozen=True, slots=True)
class AccountState:
    account_id: int
    total: int | None             # the count Plusofon gave last
    ordered: bool                 # ids ascend over the pages (the normal order)
    synced_at: float | None       # end of the last whole read that agreed with Plusofon's count
    used_at: float | None
    generation: int               # of the last whole read begun
    sync_next: int | None         # next page of the read in progress; None: no read in progress
    sync_total: int | None        # the count when that read began
    repair_at: float | None       # drift seen: read again from then on
    count: int = 0                # numbers in the copy
    full_at: float | None = None  # end of the last settled whole read (the safety net's clock)
    page_size: int | None = None  # the page size whole reads of this account use (None: not found out yet)
    sync_last_id: int | None = None  # the id at position `sync_total` when the read in progress began
    complete_to: int | None = None   # the copy has every number Plusofon has with an id up to this

    @property
    def complete(self) -> bool:
        """A whole read has finished at least once."""
        return self.synced_at is not None


@dataclass(frozen=True, slots=True)
class SearchWords:
    """What to look for (see bot/services/search.py: `parse_query` builds it)."""

    words: str
    digits: str
    prefix: str


def fold(text: str) -> str:
    """Descriptions compared case-insensitively, whitespace collapsed, ё = е."""
    return " ".join(text.split()).casefold().replace("ё", "е")


def customer_digits(phone: str) -> str:
    """A phone reduced to what identifies the customer: its digits, a Russian leading 8 read as 7."""
    digits = phone if phone.isdigit() else _NON_DIGITS.sub("", phone)
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    return digits


class MirrorStore:
    def __init__(self, conn: aiosqlite.Connection, *, search_index: bool = True) -> None:
        self._conn = conn
        self._search_index = search_index  # False: every search scans (the reference the index is tested against)

    # -- accounts --------------------------------------------------------------------------------

    async def state(self, account: int, *, counted: bool = True) -> AccountState | None:
        """The account's row; `counted=False` leaves `count` at 0 (counting walks the account's rows)."""
        count = "(SELECT count(*) FROM mirror_numbers n WHERE n.account_id = a.account_id)" if counted else "0"
        async with self._conn.execute(
            f"SELECT a.*, {count} AS count FROM mirror_accounts a WHERE account_id = ?", (account,)) as cursor:
            row = await cursor.fetchone()
        return _state(row) if row is not None else None

    async def states(self) -> list[AccountState]:
        async with self._conn.execute(
            """SELECT a.*, (SELECT count(*) FROM mirror_numbers n WHERE n.account_id = a.account_id) AS count
               FROM mirror_accounts a ORDER BY account_id""") as cursor:
            return [_state(row) for row in await cursor.fetchall()]

    async def ensure(self, account: int) -> None:
        await self._conn.execute("INSERT INTO mirror_accounts (account_id) VALUES (?) ON CONFLICT DO NOTHING",
                                 (account,))

    async def update(self, account: int, **fields: object) -> None:
        """Set columns of the account's row (names are this module's callers', never user input)."""
        await self.ensure(account)
        assignments = ", ".join(f"{name} = ?" for name in fields)
        await self._conn.execute(f"UPDATE mirror_accounts SET {assignments} WHERE account_id = ?",
                                 (*fields.values(), account))

    async def begin_read(self, account: int, total: int | None, at: float, *, last_id: int | None = None) -> int:
        """A new whole read: its generation (rows it sees are stamped with it). `last_id`: the id at position
        `total` as the read began."""
        await self.ensure(account)
        async with self._conn.execute(
            """UPDATE mirror_accounts SET generation = generation + 1, sync_next = 1, sync_total = ?,
                   sync_started = ?, sync_last_id = ? WHERE account_id = ? RETURNING generation""",
                (total, at, last_id, account)) as cursor:
            (generation,) = await cursor.fetchone()
        return generation

    async def end_read(self, account: int, generation: int, *, settled: bool, total: int | None, ordered: bool,
                       at: float) -> int:
        """The read is over. When it `settled` (Plusofon's count held still and matched what was seen), the rows
        it did not see are gone from the account, so they leave the copy: return how many left."""
        removed = 0
        if settled:
            cursor = await self._conn.execute(
                "DELETE FROM mirror_numbers WHERE account_id = ? AND seen < ?", (account, generation))
            removed = cursor.rowcount
        await self._conn.execute(
            """UPDATE mirror_accounts SET sync_next = NULL, sync_total = NULL, sync_started = NULL,
                   sync_last_id = NULL, total = ?, ordered = ?,
                   synced_at = CASE WHEN ? THEN ? ELSE synced_at END,
                   full_at = CASE WHEN ? THEN ? ELSE full_at END,
                   complete_to = CASE WHEN ? THEN (SELECT max(id) FROM mirror_numbers WHERE account_id = ?)
                                 ELSE complete_to END,
                   repair_at = CASE WHEN ? THEN NULL ELSE repair_at END
               WHERE account_id = ?""",
            (total, int(ordered), int(settled), at, int(settled), at, int(settled), account, int(settled), account))
        return removed

    async def whole(self, account: int, total: int, ids: Iterable[int], *, at: float) -> None:
        """The pages just read were the whole account (it has one or two, `ids`): the copy is exactly those and
        complete as of `at`, unless a read is in progress (it will say)."""
        await self.ensure(account)
        await self._conn.execute(
            """DELETE FROM mirror_numbers WHERE account_id = ? AND id NOT IN (SELECT value FROM json_each(?))
                   AND EXISTS (SELECT 1 FROM mirror_accounts WHERE account_id = ? AND sync_next IS NULL)""",
            (account, orjson.dumps(sorted(ids)), account))
        await self._conn.execute(
            """UPDATE mirror_accounts SET total = ?, synced_at = ?, repair_at = NULL,
                   complete_to = (SELECT max(id) FROM mirror_numbers WHERE account_id = ?)
               WHERE account_id = ? AND sync_next IS NULL""", (total, at, account, account))

    async def adjust_total(self, account: int, delta: int) -> None:
        """The bot itself added (+1) or deleted (-1) a number: Plusofon's count moved with it."""
        await self._conn.execute("UPDATE mirror_accounts SET total = max(0, total + ?) WHERE account_id = ?",
                                 (delta, account))

    # -- numbers ---------------------------------------------------------------------------------

    async def put(self, account: int, numbers: Iterable[tuple[SmartNumber, int | None]], *,
                  generation: int | None = None) -> None:
        """Insert or refresh numbers (each with the page it was seen on, if known) in one statement. They count as
        seen by the read of `generation` (by default the latest read: a read in progress must not drop them)."""
        rows = [_row(number, page) for number, page in numbers]
        if not rows:
            return
        await self._conn.execute(
            """INSERT INTO mirror_numbers (account_id, id, phone_a, phone_b, phone_x, description, created_at,
                   digits_x, digits_b, customer, folded, page, seen)
               SELECT ?, value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]', value ->> '$[4]',
                   value ->> '$[5]', value ->> '$[6]', value ->> '$[7]', value ->> '$[8]', value ->> '$[9]',
                   value ->> '$[10]',
                   coalesce(?, (SELECT generation FROM mirror_accounts WHERE account_id = ?), 0)
               FROM json_each(?) WHERE true
               ON CONFLICT (account_id, id) DO UPDATE SET phone_a = excluded.phone_a, phone_b = excluded.phone_b,
                   phone_x = excluded.phone_x, description = excluded.description,
                   created_at = excluded.created_at, digits_x = excluded.digits_x, digits_b = excluded.digits_b,
                   customer = excluded.customer, folded = excluded.folded,
                   page = coalesce(excluded.page, page), seen = max(seen, excluded.seen)""",
            (account, generation, account, orjson.dumps(rows)),
        )

    async def remove(self, account: int, number_ids: Iterable[int]) -> int:
        ids = list(number_ids)
        if not ids:
            return 0
        cursor = await self._conn.execute(
            "DELETE FROM mirror_numbers WHERE account_id = ? AND id IN (SELECT value FROM json_each(?))",
            (account, orjson.dumps(ids)))
        return cursor.rowcount

    async def remove_between(self, account: int, low: int, high: int, keep: Iterable[int]) -> list[int]:
        """Ids strictly between `low` and `high` that are not in `keep` (a page just read that spans them says
        they are gone): removed, and returned."""
        async with self._conn.execute(
            """DELETE FROM mirror_numbers WHERE account_id = ? AND id > ? AND id < ?
                   AND id NOT IN (SELECT value FROM json_each(?)) RETURNING id""",
            (account, low, high, orjson.dumps(list(keep)))) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def below(self, account: int, number_id: int, *, inclusive: bool = False) -> int:
        """How many of the account's numbers have an id below `number_id` (or up to it, `inclusive`)."""
        async with self._conn.execute(
            f"SELECT count(*) FROM mirror_numbers WHERE account_id = ? AND id {'<=' if inclusive else '<'} ?",
            (account, number_id)) as cursor:
            (count,) = await cursor.fetchone()
        return count

    async def ids_between(self, account: int, low: int, high: int) -> list[int]:
        """The account's ids strictly between `low` and `high`."""
        async with self._conn.execute(
            "SELECT id FROM mirror_numbers WHERE account_id = ? AND id > ? AND id < ? ORDER BY id",
            (account, low, high)) as cursor:
            return [row[0] for row in await cursor.fetchall()]
    async def forget(self, account: int, limit: int) -> int:
        """Delete up to `limit` numbers of the account's copy (its row too, once none is left): how many went."""
        cursor = await self._conn.execute(
            "DELETE FROM mirror_numbers WHERE account_id = ? AND id IN "
            "(SELECT id FROM mirror_numbers WHERE account_id = ? LIMIT ?)", (account, account, limit))
        if cursor.rowcount < limit:
            await self._conn.execute("DELETE FROM mirror_accounts WHERE account_id = ?", (account,))
        return cursor.rowcount

    async def get(self, account: int, number_id: int) -> SmartNumber | None:
        async with self._conn.execute(
            f"SELECT {_NUMBER_COLUMNS} FROM mirror_numbers WHERE account_id = ? AND id = ?",
            (account, number_id)) as cursor:
            row = await cursor.fetchone()
        return _number(account, row) if row is not None else None

    async def count(self, account: int, *, generation: int | None = None) -> int:
        """The account's numbers in the copy (only those the read of `generation` saw, if given)."""
        if generation is None:
            query, params = "SELECT count(*) FROM mirror_numbers WHERE account_id = ?", (account,)
        else:
            query, params = "SELECT count(*) FROM mirror_numbers WHERE account_id = ? AND seen >= ?", (account, generation)
        async with self._conn.execute(query, params) as cursor:
            (count,) = await cursor.fetchone()
        return count

    async def max_id(self, account: int) -> int:
        async with self._conn.execute("SELECT max(id) FROM mirror_numbers WHERE account_id = ?",
                                      (account,)) as cursor:
            (value,) = await cursor.fetchone()
        return value or 0

    async def position(self, account: int, number_id: int) -> tuple[int, int | None]:
        """How many of the account's numbers have smaller ids, and the page the number was last seen on."""
        async with self._conn.execute(
            """SELECT (SELECT count(*) FROM mirror_numbers WHERE account_id = ? AND id < ?),
                      (SELECT page FROM mirror_numbers WHERE account_id = ? AND id = ?)""",
            (account, number_id, account, number_id)) as cursor:
            rank, page = await cursor.fetchone()
        return rank, page

    async def search(self, account: int, what: SearchWords, *, offset: int, limit: int,
                     newest_first: bool = False) -> tuple[int, list[SmartNumber]]:
        """How many numbers match, and `limit` of them from `offset`, in id order (`newest_first`: descending).
        Nothing to look for (no words, no digits) matches every number."""
        if (found := await self._indexed_search(account, what, offset=offset, limit=limit,
                                                newest_first=newest_first)) is not None:
            return found
        params = {"account": account, "digits": what.digits, "prefix": what.prefix, "words": what.words,
                  "limit": limit, "offset": offset}
        match = self._scan_match(what) if what.words or what.digits else "1"
        async with self._conn.execute(
            f"SELECT count(*) FROM mirror_numbers WHERE account_id = :account AND {match}", params) as cursor:
            (total,) = await cursor.fetchone()
        if total == 0:
            return 0, []
        async with self._conn.execute(
            f"""SELECT {_NUMBER_COLUMNS} FROM mirror_numbers WHERE account_id = :account AND {match}
                ORDER BY id {"DESC" if newest_first else ""} LIMIT :limit OFFSET :offset""", params) as cursor:
            rows = await cursor.fetchall()
        return total, [_number(account, row) for row in rows]

    async def newest(self, account: int, what: SearchWords | None, *, before: int | None, limit: int,
                     count: bool = True) -> tuple[int | None, list[SmartNumber]]:
        """The Mini App's list: how many numbers match (everything when `what` is None; None when not `count`),
        and `limit` of them with ids below `before`, newest (highest id) first. The primary key walks the
        account's rows backwards from `before`, so a page deep in the list costs what the first one does."""
        if what is not None and (found := await self._indexed_newest(account, what, before=before, limit=limit,
                                                                     count=count)) is not None:
            return found
        params = {"account": account, "before": before if before is not None else 2**63 - 1, "limit": limit}
        match = "1"
        if what is not None:
            params |= {"digits": what.digits, "prefix": what.prefix, "words": what.words}
            match = self._scan_match(what)
        async with self._conn.execute(
            f"""SELECT {_NUMBER_COLUMNS} FROM mirror_numbers WHERE account_id = :account AND id < :before
                AND {match} ORDER BY id DESC LIMIT :limit""", params) as cursor:
            rows = await cursor.fetchall()
        total = None
        if count and before is None and len(rows) < limit:
            total = len(rows)  # every match is here: a rare term costs one scan, not two
        elif count:
            async with self._conn.execute(
                    f"SELECT count(*) FROM mirror_numbers WHERE account_id = :account AND {match}",
                    params) as cursor:
                (total,) = await cursor.fetchone()
        return total, [_number(account, row) for row in rows]

    async def of_customer(self, account: int, phone_b: str) -> list[SmartNumber]:
        """The account's numbers that call this customer, newest first."""
        async with self._conn.execute(
            f"""SELECT {_NUMBER_COLUMNS} FROM mirror_numbers WHERE account_id = ? AND customer = ?
                ORDER BY id DESC""", (account, customer_digits(phone_b))) as cursor:
            return [_number(account, row) for row in await cursor.fetchall()]

    async def all(self, account: int, batch: int = 1000) -> AsyncIterator[list[SmartNumber]]:
        """Every number of the account in id order, `batch` at a time (never all of them in memory)."""
        after = -1
        while True:
            async with self._conn.execute(
                f"""SELECT {_NUMBER_COLUMNS} FROM mirror_numbers WHERE account_id = ? AND id > ?
                    ORDER BY id LIMIT ?""", (account, after, batch)) as cursor:
                rows = await cursor.fetchall()
            if not rows:
                return
            yield [_number(account, row) for row in rows]
            after = rows[-1][0]

    # -- the search index ------------------------------------------------------------------------
    # Two full-text indexes (see their migrations) find and count the matches without reading the rows, where a
    # scan reads every row of the account (~0.5 µs each): mirror_search a term of 3+ characters through its
    # trigrams (a phrase of trigrams in a column is a substring of it, `^` anchors the prefix), mirror_grams a
    # term of 1–2 characters as one word (storage/mirror_grams.py). Their matches are exactly the scan's
    # (`_MATCH`); a query with terms of both lengths takes the union of the two.

    def _scan_match(self, what: SearchWords) -> str:
        """The scan's condition: `_MATCH` with only the parts `what` uses (a third of the time per row fewer)."""
        if not self._search_index:
            return _MATCH
        digits = ["instr(digits_x, :digits) > 0", "instr(digits_b, :digits) > 0"] if what.digits else []
        if what.digits and what.prefix:
            digits += ["substr(digits_x, 1, length(:prefix)) = :prefix", "substr(digits_b, 1, length(:prefix)) = :prefix"]
        words = ["instr(folded, :words) > 0"] if what.words else []
        return "(" + (" OR ".join(digits + words) or "0") + ")"

    async def _matches(self, account: int, what: SearchWords) -> _Matches | None:
        """`what` as queries of the indexes; None when they cannot answer it exactly."""
        if not self._search_index or not 0 <= account < _ACCOUNTS or "\x00" in what.words:
            return None  # a NUL ends an FTS5 query string early: scan
        trigrams, short = [], {}
        if what.digits:
            if len(what.digits) < SHORTEST_TRIGRAM:
                short["digits"] = what.digits
            else:
                trigrams.append(f"{{digits_x digits_b}} : {_phrase(what.digits)}")
            if what.prefix:
                if len(what.prefix) < SHORTEST_TRIGRAM:
                    return None
                trigrams.append(f"{{digits_x digits_b}} : ^ {_phrase(what.prefix)}")
        if what.words:
            if len(what.words) < SHORTEST_TRIGRAM:
                short["words"] = what.words
            else:
                trigrams.append(f"{{folded}} : {_phrase(what.words)}")
        if not trigrams and not short:
            return None
        async with self._conn.execute(  # rows the indexes leave out (never seen in practice): scan. Two seeks
                """SELECT EXISTS (SELECT 1 FROM mirror_numbers WHERE account_id = :account AND id < 0)
                       OR EXISTS (SELECT 1 FROM mirror_numbers WHERE account_id = :account AND id >= :span)""",
                {"account": account, "span": _ROWID_SPAN}) as cursor:
            (outside,) = await cursor.fetchone()
        if outside:
            return None
        return _Matches(account, " OR ".join(trigrams), short)

    async def _indexed_count(self, matches: _Matches) -> int:
        async with self._conn.execute(matches.count_sql(), matches.params()) as cursor:
            (total,) = await cursor.fetchone()
        return total

    async def _indexed_rows(self, matches: _Matches, *, below: int, order: str, limit: int,
                            offset: int = 0) -> list[SmartNumber]:
        """The matches with ids below `below` in `order` (ASC or DESC): the indexes' keys, then those rows."""
        async with self._conn.execute(
                matches.rows_sql(order), matches.params(below) | {"limit": limit, "offset": offset}) as cursor:
            return [_number(matches.account, row) for row in await cursor.fetchall()]

    async def _indexed_search(self, account: int, what: SearchWords, *, offset: int, limit: int,
                              newest_first: bool = False) -> tuple[int, list[SmartNumber]] | None:
        if (matches := await self._matches(account, what)) is None:
            return None
        total = await self._indexed_count(matches)
        if total == 0:
            return 0, []
        return total, await self._indexed_rows(matches, below=_ROWID_SPAN, order="DESC" if newest_first else "ASC",
                                               limit=limit, offset=offset)

    async def _indexed_newest(self, account: int, what: SearchWords, *, before: int | None, limit: int,
                              count: bool) -> tuple[int | None, list[SmartNumber]] | None:
        if (matches := await self._matches(account, what)) is None:
            return None
        below = _ROWID_SPAN if before is None else max(0, min(before, _ROWID_SPAN))
        rows = await self._indexed_rows(matches, below=below, order="DESC", limit=limit)
        total = None
        if count and before is None and len(rows) < limit:
            total = len(rows)
        elif count:
            total = await self._indexed_count(matches)
        return total, rows


@dataclass(frozen=True, slots=True)
class _Matches:
    """A search as queries of the two indexes: `trigrams` of mirror_search (terms of 3+ characters), `short` of
    mirror_grams (`digits` and `words` of 1–2 characters), either of them empty. Their keys are
    `account * 2**32 + id`, so an account is one key range."""

    account: int
    trigrams: str
    short: dict[str, str]

    def params(self, below: int = 2**32) -> dict[str, object]:
        low = self.account * _ROWID_SPAN
        return {"account": self.account, "base": low, "low": low, "high": low + below - 1,
                "trigrams": self.trigrams, "grams": mirror_grams.query(**self.short) if self.short else "",
                **{"short_" + part: term for part, term in self.short.items()}}

    def count_sql(self) -> str:
        if not self.short:
            return f"SELECT count(*) FROM {_TRIGRAM_KEYS}"
        if not self.trigrams:
            return f"SELECT count(*) FROM {_GRAM_KEYS}"
        # both: the short term's matches (usually most of the account: a digit is in most phones), and those of
        # the long term (usually few: it is the whole text typed) that the short one misses, seen in their rows
        misses = " OR ".join(["instr(n.digits_x, :short_digits) > 0 OR instr(n.digits_b, :short_digits) > 0"]
                             * ("digits" in self.short) + ["instr(n.folded, :short_words) > 0"] * ("words" in self.short))
        return f"""SELECT (SELECT count(*) FROM {_GRAM_KEYS})
                        + (SELECT count(*) FROM mirror_search CROSS JOIN mirror_numbers n
                               ON n.account_id = :account AND n.id = mirror_search.rowid - :base
                           WHERE mirror_search MATCH :trigrams AND mirror_search.rowid BETWEEN :low AND :high
                               AND NOT ({misses}))"""

    def rows_sql(self, order: str) -> str:
        if not self.short:
            keys = f"SELECT rowid FROM {_TRIGRAM_KEYS}"
        elif not self.trigrams:
            keys = f"SELECT rowid FROM {_GRAM_KEYS}"
        else:  # the first `offset + limit` of each index, then the first of them all
            keys = f"""SELECT rowid FROM (SELECT rowid FROM {_TRIGRAM_KEYS} ORDER BY rowid {order}
                                              LIMIT :offset + :limit)
                       UNION SELECT rowid FROM (SELECT rowid FROM {_GRAM_KEYS} ORDER BY rowid {order}
                                                    LIMIT :offset + :limit)"""
        return f"""SELECT {", ".join("n." + column for column in _NUMBER_COLUMNS.split(", "))}
                   FROM ({keys}) AS m CROSS JOIN mirror_numbers n ON n.account_id = :account AND n.id = m.rowid - :base
                   ORDER BY m.rowid {order} LIMIT :limit OFFSET :offset"""


_TRIGRAM_KEYS = "mirror_search WHERE mirror_search MATCH :trigrams AND rowid BETWEEN :low AND :high"
_GRAM_KEYS = "mirror_grams WHERE mirror_grams MATCH :grams AND rowid BETWEEN :low AND :high"
_ROWID_SPAN = 2**32         # a row's key in mirror_search: account_id * 2**32 + id (0 <= id < 2**32)
_ACCOUNTS = 2**31           # accounts whose keys fit in 63 bits


def _phrase(text: str) -> str:
    """A literal string of an FTS5 query."""
    return '"' + text.replace('"', '""') + '"'


def _row(number: SmartNumber, page: int | None) -> list[object]:
    return [number.id, number.phone_a, number.phone_b, number.phone_x, number.description,
            number.created_at.isoformat(sep=" ") if number.created_at else None,
            _NON_DIGITS.sub("", number.phone_x), _NON_DIGITS.sub("", number.phone_b),
            customer_digits(number.phone_b), fold(number.description), page]


def _number(account: int, row: aiosqlite.Row | tuple) -> SmartNumber:
    number_id, phone_a, phone_b, phone_x, description, created_at = tuple(row)
    return SmartNumber.model_construct(
        id=number_id, user_id=account, phone_a=phone_a, phone_b=phone_b, phone_x=phone_x, description=description,
        created_at=datetime.fromisoformat(created_at) if created_at else None)


def _state(row: aiosqlite.Row) -> AccountState:
    return AccountState(row["account_id"], row["total"], bool(row["ordered"]), row["synced_at"], row["used_at"],
                        row["generation"], row["sync_next"], row["sync_total"], row["repair_at"], row["count"],
                        row["full_at"], row["page_size"], row["sync_last_id"], row["complete_to"])
