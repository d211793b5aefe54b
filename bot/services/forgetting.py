"""Customer data is not kept for accounts the bot no longer serves: when no chat refers to an account any more,
its copy (customers' phones and descriptions), its expiries, the Mini App's kept answers and the dialogues of
the chats that left are
deleted, after MIRROR_KEEP_DAYS (a reconnect within them finds everything still there) or, with 0, at once.
The database overwrites what it deletes (`secure_delete`, see storage/database.py), and the WAL is emptied
after, so neither the file nor a backup taken later holds them."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bot.services.mirror import Mirror
from storage.answers import KeptAnswers
from storage.expiries import ExpiryStore
from storage.fsm import SQLiteStorage
from storage.released import ReleasedAccounts

log = logging.getLogger(__name__)
DAY = 86_400.0


class Forgetting:
    def __init__(self, released: ReleasedAccounts, mirror: Mirror, expiries: ExpiryStore,
                 dialogues: SQLiteStorage, *, keep_days: float, clock: Callable[[], float] = time.time,
                 answers: KeptAnswers | None = None) -> None:
        self._released, self._mirror, self._expiries, self._dialogues = released, mirror, expiries, dialogues
        self._answers = answers
        self._keep = keep_days * DAY
        self._clock = clock
        self._checkpoint_owed = False  # deleted rows may still be in the WAL: empty it on the next pass

    async def chat_left(self, bot_id: int, chat_id: int) -> None:
        """The chat was disconnected: its dialogues go now; its account too, if no other chat refers to it and
        nothing is to be kept."""
        await self._dialogues.forget_chat(bot_id, chat_id)
        if not await self.account_changed():
            await self._checkpoint()

    async def account_changed(self) -> int:
        """A chat left its account (or moved to another): with MIRROR_KEEP_DAYS=0, forget it now. How many
        accounts were forgotten."""
        return await self.forget_due() if self._keep == 0 else 0

    async def forget_due(self) -> int:
        """Forget every account released longer ago than MIRROR_KEEP_DAYS; return how many."""
        now = self._clock()
        await self._released.notice_strays(now)
        forgotten = 0
        for account in await self._released.due(now - self._keep):
            if not await self._released.still(account):
                continue  # a chat connected to it meanwhile
            numbers = await self._mirror.forget(account)
            expiries = await self._expiries.forget_account(account)
            if self._answers is not None:
                await self._answers.forget_account(account)
            await self._released.forgotten(account)
            forgotten += 1
            log.info("account %s: no chat refers to it any more; deleted its copy (%d numbers) and %d expiries",
                     account, numbers, expiries)
        if forgotten or self._checkpoint_owed:
            await self._checkpoint()
        return forgotten

    async def _checkpoint(self) -> None:
        self._checkpoint_owed = not await self._released.checkpoint()
