"""Adds that a stop interrupted: the POST may have created a number the bot never heard of. Each add writes a
row first (storage/pending_adds.py); a row still there after a stop is settled by finding the new number in the
account's copy right after a freshness check (which reads the end of the list, where new numbers are): the
number then gets its expiry and its journal entry and team line, as if the add had finished. A row whose number
does not turn up within GIVE_UP is journalled as an add that made nothing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta

from aiogram.types import Chat, User

from bot.core.models import Credentials, SmartNumber
from bot.plusofon import PlusofonError
from bot.services.expirer import Expirer
from bot.services.journal import Journal, plain_name
from bot.services.mirror import Mirror
from storage.chats import ChatRepository
from storage.pending_adds import PendingAdd, PendingAddStore

log = logging.getLogger(__name__)
GIVE_UP = 600.0  # seconds after which an add whose number never appeared is taken as not made


class PendingAdds:
    def __init__(self, store: PendingAddStore, chats: ChatRepository, mirror: Mirror, expirer: Expirer,
                 journal: Journal) -> None:
        self._store, self._chats, self._mirror = store, chats, mirror
        self._expirer, self._journal = expirer, journal
        self._accounts: set[int] = set()  # accounts with rows a stop left: a check of any other costs nothing
        self._task: asyncio.Task[None] | None = None
        self.clock = time.time
        self._started_at = self.clock()  # rows from before this are left by a stop; later ones are in flight

    async def begin(self, chat: Chat, person: User | None, account: int, phone_b: str, description: str,
                    ttl: timedelta | None, above_id: int) -> int:
        """`person`: who adds (None for an anonymous admin, as the expiry keeps it)."""
        return await self._store.begin(account=account, chat_id=chat.id, chat_type=chat.type,
                                       user_id=person.id if person else None, user_name=plain_name(person),
                                       phone_b=phone_b, description=description,
                                       ttl=ttl.total_seconds() if ttl is not None else None, above_id=above_id)

    async def done(self, row_id: int) -> None:
        await self._store.done(row_id)

    async def start(self) -> None:
        """Settle what the last stop left, in the background: one freshness check per account concerned."""
        accounts = await self._store.accounts()
        self._accounts.update(accounts)
        if accounts:
            self._task = asyncio.create_task(self._check_all(accounts), name="pending adds")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def settle(self, creds: Credentials) -> None:
        """After a freshness check of the account: the rows left by a stop whose number the copy now has."""
        account = creds.user_id
        if account not in self._accounts:
            return
        rows = [row for row in await self._store.of_account(account) if row.started_at <= self._started_at]
        taken: set[int] = set()
        left = len(rows)
        for row in rows:
            number = await self._find(row, taken)
            if number is not None:
                taken.add(number.id)
                await self._finish(row, number)
                left -= 1
            elif self.clock() - row.started_at > GIVE_UP:
                await self._gave_up(row)
                left -= 1
        if not left:  # the rows of adds in flight now are this process's own: never settled here
            self._accounts.discard(account)

    async def _check_all(self, accounts: dict[int, int]) -> None:
        for account, chat_id in accounts.items():
            auth = await self._chats.get(chat_id)
            if auth is None or auth.user_id != account:
                continue
            try:
                await self._mirror.check(auth.credentials)  # its hook calls settle()
            except PlusofonError as error:
                log.warning("could not settle the interrupted adds of account %s yet: %s", account, error)

    async def _find(self, row: PendingAdd, taken: set[int]) -> SmartNumber | None:
        found = [number for number in await self._mirror.of_customer(row.account, row.phone_b)
                 if number.id > row.above_id and number.id not in taken
                 and (number.description or "") == row.description]
        return min(found, key=lambda number: number.id) if found else None

    async def _finish(self, row: PendingAdd, number: SmartNumber) -> None:
        expires_at = None
        if row.ttl:
            expiry = await self._expirer.schedule(number, timedelta(seconds=row.ttl), account=row.account,
                                                  chat_id=row.chat_id, user_id=row.user_id,
                                                  user_name=row.user_name)
            expires_at = expiry.expires_at
        auth = await self._chats.get(row.chat_id)
        if auth is not None:
            chat, user = _chat(row), _user(row)
            await self._journal.number_changed(auth, chat, user, added=True, number=number, phone_b=row.phone_b,
                                               description=row.description, expires_at=expires_at)
        await self._store.done(row.id)
        log.info("settled an interrupted add in chat %s: id %s", row.chat_id, number.id)

    async def _gave_up(self, row: PendingAdd) -> None:
        auth = await self._chats.get(row.chat_id)
        if auth is not None:
            await self._journal.number_changed(auth, _chat(row), _user(row), added=True, number=None,
                                               phone_b=row.phone_b, description=row.description,
                                               error="interrupted, not created")
        await self._store.done(row.id)



def _chat(row: PendingAdd) -> Chat:
    return Chat(id=row.chat_id, type=row.chat_type)


def _user(row: PendingAdd) -> User | None:
    if row.user_id is None:
        return None
    return User(id=row.user_id, is_bot=False, first_name=row.user_name or str(row.user_id))
