"""The smart numbers of a chat's account: a page, a card, a search, the export, an add behind the duplicate
guard, a delete behind its confirmation, and the temporary numbers' extend.

`Numbers` lives as long as the bot; `Numbers.of(auth)` binds it to one chat's account for one update. Each
method is one user action: it makes the calls, keeps the copy, the expiries and the journal up to date, and
returns what happened; the handlers decide how to show it.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from aiogram.types import Chat, User

from bot.core.models import Credentials, SmartNumber, SmartNumberPage
from bot.core.phones import is_premium_rate
from bot.core.settings import Settings
from bot.plusofon import AddOutcomeUnknown, NotFoundError, PlusofonClient, PlusofonError, RateLimitError
from bot.services.admins import ANONYMOUS_ADMIN_ID
from bot.services.confirmations import Confirmations, Refusal
from bot.services.expirer import Expirer
from bot.services.export import csv_file
from bot.services.journal import Journal, plain_name
from bot.services.mirror import Freshness, Mirror
from bot.services.mirror.reader import PER_PAGE  # the numbers of one /find page, as Plusofon's own pages
from bot.services.pending_adds import PendingAdds
from bot.services.search import Query, SearchCache, parse_query, terms
from storage.chats import ChatAuth
from storage.expiries import Expiry, ExpiryStore

WAIT_FOR_COPY = 120.0         # seconds an answer waits for a first read before it says to come back
QUIET_WAIT = 1.5              # seconds of that before progress is shown (a small account is read by then)
ADD, DELETE = "add", "delete"  # the confirmations' actions
ADD_BACK_OFF = 60.0           # seconds an account's adds wait after Plusofon answered one with 429 (at least)
MAX_DESCRIPTION = 255         # characters of a number's description (/add and /import)


class CopyProgress(Protocol):
    """Where an answer that waits for the account's first read shows how far it is."""

    async def update(self, loaded: int, total: int) -> None: ...


@dataclass(frozen=True, slots=True)
class Listing:
    page: SmartNumberPage
    expiries: Mapping[int, float]  # number id → when it goes, for the temporary ones


@dataclass(frozen=True, slots=True)
class Card:
    number: SmartNumber
    expires_at: float | None


@dataclass(frozen=True, slots=True)
class Loading:
    """The copy is still being read after the wait: `loaded` of `total` numbers so far."""

    loaded: int
    total: int


@dataclass(frozen=True, slots=True)
class Search:
    query: Query
    total: int                     # matches
    page: int                      # the page shown (the last one, if there are fewer pages now)
    numbers: list[SmartNumber]     # its numbers
    key: str                       # the saved query behind the page buttons
    expiries: Mapping[int, float]
    fresh: Freshness | None = None  # the check before a new search (a page turn makes none)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / PER_PAGE))


@dataclass(frozen=True, slots=True)
class Browse:
    """A screen of the Mini App's list: `total` matches (None when not counted), `numbers` newest first, `after`
    the id to continue below (None at the end); `complete` False while the copy's first read goes on
    (`loaded` of `of` numbers so far)."""

    total: int | None
    numbers: list[SmartNumber]
    after: int | None
    expiries: Mapping[int, float]
    complete: bool
    loaded: int
    of: int


@dataclass(frozen=True, slots=True)
class Expiring:
    """A page of /expiring: the account's temporary numbers, the soonest to go first."""

    total: int                 # in the window
    page: int                  # the page shown (the last one, if there are fewer pages now)
    rows: list[Expiry]
    until: int | None          # the window's end (Unix time), kept by the page buttons; None: no window

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / PER_PAGE))

    @property
    def numbers(self) -> list[SmartNumber]:
        return [row.number() for row in self.rows]

    @property
    def expiries(self) -> Mapping[int, float]:
        return {row.number_id: row.expires_at for row in self.rows}


@dataclass(frozen=True, slots=True)
class Export:
    path: Path
    rows: int
    fresh: Freshness


@dataclass(frozen=True, slots=True)
class Draft:
    """A number to add, as the user gave it."""

    phone_b: str
    description: str
    ttl: timedelta | None = None

    def payload(self) -> dict[str, object]:
        return {"phone_b": self.phone_b, "description": self.description,
                "ttl": self.ttl.total_seconds() if self.ttl is not None else None}

    @classmethod
    def from_payload(cls, payload: Mapping[str, object]) -> Draft:
        ttl = payload.get("ttl")
        return cls(str(payload["phone_b"]), str(payload["description"]),
                   timedelta(seconds=float(ttl)) if ttl else None)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Added:
    """The add went through. `number` is None when Plusofon created it but did not say which it is."""

    number: SmartNumber | None
    draft: Draft
    expires_at: float | None = None
    partial: Freshness | None = None  # the guard saw only part of a big account (its first read is going on)


@dataclass(frozen=True, slots=True)
class Duplicates:
    """The customer has numbers already: the add waits for a ✅ (`key`; None when nobody can press it)."""

    existing: list[SmartNumber]
    draft: Draft
    key: str | None
    partial: Freshness | None = None


@dataclass(frozen=True, slots=True)
class DeleteAsked:
    number: SmartNumber
    key: str


@dataclass(frozen=True, slots=True)
class Refused:
    """A press on a ✅/❌ that may not act (see `Refusal`); `number` is the one a delete was about."""

    refusal: Refusal
    number: SmartNumber | None = None


@dataclass(frozen=True, slots=True)
class Deleted:
    """What a press on a delete's ✅/❌ did. `outcome`: "done", "gone" (before this press), "cancelled", or
    "failed" (`error`; the ✅ works again)."""

    outcome: str
    number: SmartNumber
    key: str
    error: PlusofonError | None = None


@dataclass(frozen=True, slots=True)
class Extended:
    """What ⏳ +7 дней did: `expires_at` when it moved; else `row` None (no such expiry), `deleting` (too late),
    or neither (another tap moved it first)."""

    row: Expiry | None
    expires_at: float | None = None
    deleting: bool = False


async def _nothing() -> None:
    pass


class Numbers:
    """The long-lived half: everything an action on numbers needs."""

    def __init__(self, plusofon: PlusofonClient, mirror: Mirror, expiries: ExpiryStore, expirer: Expirer,
                 journal: Journal, confirmations: Confirmations, searches: SearchCache, settings: Settings,
                 pending: PendingAdds) -> None:
        self.plusofon, self.mirror, self.expiries, self.expirer = plusofon, mirror, expiries, expirer
        self.pending = pending
        self.journal, self.confirmations, self.searches, self.settings = journal, confirmations, searches, settings
        self.clock: Callable[[], float] = time.monotonic
        self._adds_held: dict[int, float] = {}  # account → when its adds may call Plusofon again

    def hold_adds(self, account: int, retry_after: float | None) -> None:
        """Plusofon answered an add with 429: the account's adds wait (a retry at once would only add load)."""
        now = self.clock()
        self._adds_held = {key: until for key, until in self._adds_held.items() if until > now}
        self._adds_held[account] = now + max(ADD_BACK_OFF, retry_after or 0.0)

    def check_adds(self, account: int) -> None:
        """Raise RateLimitError, with no call, while the account's adds are held back."""
        left = self._adds_held.get(account, 0.0) - self.clock()
        if left > 0:
            raise RateLimitError("adds held back after a 429", status_code=429, retry_after=left)

    def of(self, auth: ChatAuth) -> AccountNumbers:
        """The chat's account, which is in use from now: the mirror keeps its copy (a first use starts it)."""
        self.mirror.touch(auth.credentials)
        return AccountNumbers(self, auth)

    def refuses(self, phone_b: str) -> bool:
        """A premium-rate customer phone, unless the settings allow those."""
        return not self.settings.allow_premium_numbers and is_premium_rate(phone_b)


@dataclass(slots=True)
class AccountNumbers:
    """One chat's account, for one update."""

    numbers: Numbers
    auth: ChatAuth
    creds: Credentials = field(init=False)

    def __post_init__(self) -> None:
        self.creds = self.auth.credentials

    @property
    def account(self) -> int:
        return self.auth.user_id

    def refuses(self, phone_b: str) -> bool:
        """A premium-rate customer phone, unless the settings allow those."""
        return self.numbers.refuses(phone_b)

    # -- reading ------------------------------------------------------------------------------------------

    async def page(self, number: int = 1) -> Listing:
        """Page `number` as Plusofon has it now, or the last one when the list has shrunk below it meanwhile."""
        plusofon = self.numbers.plusofon
        page = await plusofon.list_page(self.creds, max(number, 1))
        if not page.data and (page.last_page or 1) < number:
            page = await plusofon.list_page(self.creds, page.last_page or 1)
        self.numbers.mirror.saw_page(self.account, page)
        return Listing(page, self.numbers.expiries.of(self.account))

    async def card(self, number_id: int) -> Card | None:
        number = await self.numbers.mirror.number(self.creds, number_id)  # a page just shown is in the copy
        if number is None:
            return None
        return Card(number, self.numbers.expiries.of(self.account).get(number.id))

    async def find(self, query: Query, progress: CopyProgress) -> Search | Loading:
        """Page 1 of what matches `query`, from the copy after a freshness check (and, for a big account not
        read yet, a wait for its first read, shown in `progress`)."""
        fresh = await self._complete(progress)
        if isinstance(fresh, Loading):
            return fresh
        total, page, shown = await self._matching(query, 1)
        key = self.numbers.searches.save_query(self.auth.chat_id, self.account, query.text) if total else ""
        return Search(query, total, page, shown, key, self.numbers.expiries.of(self.account), fresh)

    async def find_page(self, key: str, number: int) -> Search | None:
        """Page `number` of the search saved under `key`; None when it has expired."""
        typed = self.numbers.searches.query(key, self.auth.chat_id, self.account)
        if typed is None:
            return None
        mirror = self.numbers.mirror
        if not mirror.trusted(self.creds):  # the copy answers only a token Plusofon accepts
            await mirror.check(self.creds)
        query = parse_query(typed)
        total, page, shown = await self._matching(query, number)
        return Search(query, total, page, shown, key, self.numbers.expiries.of(self.account))

    async def expiring(self, within: timedelta | None = None, *, until: int | None = None,
                       page: int = 1) -> Expiring:
        """Page `page` of the temporary numbers not deleted yet, the soonest first: those going `within` from now,
        or before `until` (a page button's window), or all. From SQLite: no Plusofon call."""
        if within is not None:
            until = math.ceil(self.numbers.expirer.clock() + within.total_seconds())
        store = self.numbers.expiries
        page = max(page, 1)
        total, rows = await store.upcoming(self.account, until, (page - 1) * PER_PAGE, PER_PAGE)
        if not rows and total:  # fewer now than when the page button was made
            page = math.ceil(total / PER_PAGE)
            total, rows = await store.upcoming(self.account, until, (page - 1) * PER_PAGE, PER_PAGE)
        return Expiring(total, page, rows, until)

    @contextlib.asynccontextmanager
    async def export(self, progress: CopyProgress) -> AsyncIterator[Export | Loading]:
        """The account's numbers as a CSV file, written from the copy after a freshness check (the file is a
        record); the file is deleted when the block ends."""
        fresh = await self._complete(progress)
        if isinstance(fresh, Loading):
            yield fresh
            return
        path, rows = await csv_file(self.numbers.mirror.everything(self.account))
        try:
            yield Export(path, rows, fresh)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)

    async def _complete(self, progress: CopyProgress) -> Freshness | Loading:
        """The freshness check, then, if the first read of a big account is going on, a wait for it: quiet at
        first, then with progress shown."""
        mirror = self.numbers.mirror
        fresh = await mirror.check(self.creds)
        if fresh.complete:
            return fresh

        async def quietly(loaded: int, total: int) -> None:
            pass

        if await mirror.wait_complete(self.account, QUIET_WAIT, quietly):
            return fresh
        await progress.update(*(mirror.progress(self.account) or (fresh.loaded, fresh.total)))
        if await mirror.wait_complete(self.account, WAIT_FOR_COPY, progress.update):
            return fresh
        return Loading(*(mirror.progress(self.account) or (fresh.loaded, fresh.total)))

    async def _matching(self, query: Query, number: int) -> tuple[int, int, list[SmartNumber]]:
        mirror = self.numbers.mirror
        total, shown = await mirror.search(self.account, terms(query), max(number, 1))
        pages = max(1, math.ceil(total / PER_PAGE))
        if total and number > pages:
            number = pages
            total, shown = await mirror.search(self.account, terms(query), number)
        return total, max(1, min(number, pages)), shown

    # -- adding -------------------------------------------------------------------------------------------

    async def add(self, chat: Chat, user: User | None, draft: Draft) -> Added | Duplicates:
        """The duplicate guard, then the add: a customer who has numbers already gets a ✅ to press first.
        The guard reads the copy after a freshness check, whose pages let the add skip a read of its own."""
        self.numbers.check_adds(self.account)
        mirror = self.numbers.mirror
        fresh = await mirror.check(self.creds)
        existing = await mirror.of_customer(self.account, draft.phone_b)
        partial = None if fresh.complete else fresh
        if not existing:
            return await self._create(chat, user, draft, before=fresh.last or fresh.first, partial=partial,
                                      customers=existing)
        key = None
        if user is not None and user.id != ANONYMOUS_ADMIN_ID:
            key = await self.numbers.confirmations.ask(chat_id=chat.id, user_id=user.id, action=ADD,
                                                       account=self.account, payload=draft.payload())
        return Duplicates(existing, draft, key, partial)

    async def confirm_add(self, chat: Chat, user: User, key: str, *, yes: bool,
                          claimed: Callable[[], Awaitable[None]] = _nothing) -> Added | Refused | None:
        """A press on ✅ or ❌ under the duplicate guard's question: the add, or None for ❌; `claimed` runs once
        the ✅ may act, before the call."""
        claim = await self.numbers.confirmations.claim(key, chat_id=chat.id, user_id=user.id, action=ADD,
                                                       account=self.account)
        if claim.refusal is not None or claim.pending is None:
            return Refused(claim.refusal or Refusal.STALE)
        confirmations = self.numbers.confirmations
        if not yes:
            await confirmations.settle(key)
            return None
        await claimed()
        try:
            added = await self._create(chat, user, Draft.from_payload(claim.pending.payload))
        except PlusofonError as error:
            if not isinstance(error, AddOutcomeUnknown):  # nothing was created: the ✅ may be pressed again
                await confirmations.release(key)
            else:
                await confirmations.settle(key)
            raise
        await confirmations.settle(key)
        return added

    async def _create(self, chat: Chat, user: User | None, draft: Draft, *, before: SmartNumberPage | None = None,
                     partial: Freshness | None = None, customers: list[SmartNumber] | None = None) -> Added:
        """The add itself. A number created but not identified reaches the copy with the next freshness check
        (new numbers come at the end of the list)."""
        journal, pending = self.numbers.journal, self.numbers.pending
        self.numbers.check_adds(self.account)
        person = user if user is not None and user.id != ANONYMOUS_ADMIN_ID else None
        # a stop from here until done() leaves the row: the number is found and settled later (PendingAdds)
        known = [item.id for item in before.data] if before else []
        if customers is None:  # the customer's numbers in the copy, unless the caller has just read them
            customers = await self.numbers.mirror.of_customer(self.account, draft.phone_b)
        known += [item.id for item in customers]
        row_id = await pending.begin(chat, person, self.account, draft.phone_b, draft.description, draft.ttl,
                                     max(known, default=0))
        try:
            result = await self.numbers.plusofon.add(self.creds, draft.phone_b, draft.description, before=before)
        except PlusofonError as error:
            if isinstance(error, RateLimitError):
                self.numbers.hold_adds(self.account, error.retry_after)
            await journal.number_changed(self.auth, chat, user, added=True, number=None, phone_b=draft.phone_b,
                                         description=draft.description, error=type(error).__name__)
            await pending.done(row_id)
            raise
        number, expires_at = result.number, None
        if number is not None:
            await self.numbers.mirror.added(self.account, number)
            if draft.ttl is not None:
                row = await self.numbers.expirer.schedule(number, draft.ttl, account=self.account, chat_id=chat.id,
                                                          user_id=person.id if person else None,
                                                          user_name=plain_name(person))
                expires_at = row.expires_at
        await journal.number_changed(self.auth, chat, user, added=True, number=number, phone_b=draft.phone_b,
                                     description=draft.description, expires_at=expires_at)
        await pending.done(row_id)
        return Added(number, draft, expires_at, partial)

    # -- deleting -----------------------------------------------------------------------------------------

    async def ask_delete(self, chat_id: int, user_id: int, number_id: int, *,
                         locate: bool = False) -> DeleteAsked | None:
        """A ✅ for deleting `number_id`, or None if the account has no such number. `locate`: look it up
        as Plusofon has it now (a typed id); otherwise the copy, which has every page just shown, answers."""
        mirror = self.numbers.mirror
        find = mirror.locate if locate else mirror.number
        number = await find(self.creds, number_id)
        if number is None:
            return None
        return await self._ask_delete(chat_id, user_id, number)

    async def ask_delete_expiring(self, chat_id: int, user_id: int, number_id: int) -> DeleteAsked | None:
        """🗑 under a reminder: a ✅ for deleting the temporary number, or None when it has no expiry any more."""
        row = await self.numbers.expiries.get(self.account, number_id)
        return None if row is None else await self._ask_delete(chat_id, user_id, row.number())

    async def _ask_delete(self, chat_id: int, user_id: int, number: SmartNumber) -> DeleteAsked:
        key = await self.numbers.confirmations.ask(
            chat_id=chat_id, user_id=user_id, action=DELETE, account=self.account,
            payload={"number": number.model_dump(mode="json", by_alias=True)})
        return DeleteAsked(number, key)

    async def delete(self, chat: Chat, user: User, key: str, *, yes: bool,
                     claimed: Callable[[], Awaitable[None]] = _nothing) -> Deleted | Refused:
        """A press on ✅ or ❌ under a delete's question; `claimed` runs once the ✅ may act, before the call."""
        confirmations = self.numbers.confirmations
        claim = await confirmations.claim(key, chat_id=chat.id, user_id=user.id, action=DELETE,
                                          account=self.account)
        pending = claim.pending
        if claim.refusal is not None or pending is None:
            number = SmartNumber.model_validate(pending.payload["number"]) if pending is not None else None
            return Refused(claim.refusal or Refusal.STALE, number)
        number = SmartNumber.model_validate(pending.payload["number"])
        if not yes:
            await confirmations.settle(key)
            return Deleted("cancelled", number, key)
        await claimed()  # a stop from here until settle() reopens the ✅ at start-up (Confirmations.recover)
        try:
            await self.numbers.plusofon.delete(self.creds, number.id)
        except NotFoundError:
            await self._gone(number.id)
            if not pending.payload.get("tried"):
                await confirmations.settle(key)
                return Deleted("gone", number, key)
            # an earlier attempt that seemed to fail went through after all: it was this user's delete
        except PlusofonError as error:
            await confirmations.release(key, {**pending.payload, "tried": True})
            await self.numbers.journal.number_changed(self.auth, chat, user, added=False, number=number,
                                                      error=type(error).__name__)
            return Deleted("failed", number, key, error=error)
        else:
            await self._gone(number.id)
        await confirmations.settle(key)
        await self.numbers.journal.number_changed(self.auth, chat, user, added=False, number=number)
        return Deleted("done", number, key)

    async def _gone(self, number_id: int) -> None:
        """The number no longer exists: the copy drops it, and it has no expiry to keep."""
        await self.numbers.mirror.removed(self.account, number_id)
        await self.numbers.expiries.remove(self.account, number_id)

    # -- temporary numbers --------------------------------------------------------------------------------

    async def extend(self, chat: Chat, user: User | None, number_id: int, *, seen_at: int) -> Extended:
        """⏳ +7 дней under a reminder that showed the expiry `seen_at`: the number goes a week later."""
        expiries = self.numbers.expiries
        row = await expiries.get(self.account, number_id)
        if row is None or row.deleting_at is not None:
            return Extended(row, deleting=row is not None)
        expires_at = await self.numbers.expirer.extend(row) if int(row.expires_at) == seen_at else None
        if expires_at is None:
            latest = await expiries.get(self.account, number_id)
            return Extended(row, deleting=latest is not None and latest.deleting_at is not None)
        await self.numbers.journal.expiry_extended(row, self.auth, chat, user, expires_at)
        return Extended(row, expires_at)

    # -- the Mini App (webapp/) ---------------------------------------------------------------------------

    async def browse(self, typed: str, *, before: int | None, limit: int, count: bool = True) -> Browse:
        """A screen of the whole account, newest first, what `typed` matches as /find reads it, from the copy with
        no call to Plusofon while the chat's token is trusted; else (a first screen only) one freshness check."""
        mirror = self.numbers.mirror
        if before is None and not mirror.trusted(self.creds):
            await mirror.check(self.creds)  # the copy answers only a token Plusofon accepts
        query = parse_query(typed)
        total, shown = await mirror.newest(self.account, None if query.empty else terms(query), before=before,
                                           limit=limit + 1, count=count)
        more = len(shown) > limit
        shown = shown[:limit]
        complete, loaded, of = True, 0, 0
        if before is None:  # how far the copy is read, with the first screen: counted only while it is read
            state = await mirror.state(self.account, counted=False)
            complete = state is not None and state.complete
            if not complete:
                progress = mirror.progress(self.account)
                state = await mirror.state(self.account) if progress is None else state
                loaded, of = progress or ((state.count, state.total or state.count) if state is not None else (0, 0))
        return Browse(total, shown, shown[-1].id if more else None, self.numbers.expiries.of(self.account),
                      complete, loaded, of)

    async def delete_now(self, chat: Chat, user: User, number_id: int) -> Deleted | None:
        """A delete the user has confirmed already (the Mini App's own confirmation), as ✅ does it: None when the
        account has no such number (any more)."""
        asked = await self.ask_delete(chat.id, user.id, number_id)
        if asked is None:
            return None
        done = await self.delete(chat, user, asked.key, yes=True)
        assert isinstance(done, Deleted)  # a key just made, by this user, for this account
        return done
