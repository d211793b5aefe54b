"""The health of each chat's token, and the renewal of tokens from sign-in.

Every ChatAuth the repository reads carries `ChatHooks` in its credentials (see ChatRepository.use_hooks), so
every Plusofon call of every chat (handlers and background workers alike) reaches this one service:

- a 401 on an account connected by sign-in renews its pair once, single-flight per account: the calls that
  hit the 401 together wait for the one `/refresh` and then use its token;
- the new pair is stored encrypted for every chat connected by sign-in to that account;
- when the renewal is refused (refresh token expired or revoked), the account's chats are marked as failing
  (each of them hears "sign in again" on its next action) and the bot's admins are told once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.services.notifier import Notifier
from bot.plusofon import PlusofonClient, SignInExpired
from bot.services.announcements import Announcements
from storage.chats import SIGN_IN, ChatAuth, ChatRepository
from storage.outbox import Outbox

log = logging.getLogger(__name__)
EXPIRED = "sign-in expired"       # the `failure` of chats whose renewal was refused
REFUSED = "token refused"         # the `failure` of chats whose token got a 401 (and could not renew)
ACCEPTED_EVERY = 60.0             # seconds between two writes of a chat's "last accepted" time
REPLACED_KEEP = 1000              # renewed tokens remembered, so a call with a stale one skips its 401


class AccountTokens:
    def __init__(self, chats: ChatRepository, plusofon: PlusofonClient, outbox: Outbox, notifier: Notifier,
                 say: Announcements, *, admin_ids: frozenset[int] = frozenset(), clock: Callable[[], float] = time.time,
                 on_renewal: Callable[[bool], None] = lambda ok: None) -> None:
        """`on_renewal(ok)` hears of each /refresh and whether Plusofon renewed the pair (the metrics)."""
        self._chats, self._plusofon, self._outbox, self._notifier = chats, plusofon, outbox, notifier
        self._on_renewal, self._say = on_renewal, say
        self._admin_ids = admin_ids
        self.clock = clock
        self.renewals = 0          # pairs renewed (one /refresh each): public, for metrics
        self.renewal_failures = 0  # renewals Plusofon refused
        self._locks: dict[int, asyncio.Lock] = {}
        self._replaced: dict[str, str] = {}
        self._accepted_written: dict[int, float] = {}
        chats.use_hooks(self.hooks_for)

    def hooks_for(self, auth: ChatAuth) -> ChatHooks:
        return ChatHooks(self, auth.chat_id, auth.user_id, auth.connected_by == SIGN_IN, auth.failure)

    def current(self, token: str) -> str:
        for _ in range(10):  # a chain: renewed, then renewed again
            newer = self._replaced.get(token)
            if newer is None:
                break
            token = newer
        return token

    async def renew(self, user_id: int, failed_token: str) -> str:
        """A token that works for the account, after `failed_token` got a 401; SignInExpired when there is none."""
        lock = self._locks.setdefault(user_id, asyncio.Lock())
        async with lock:
            pairs = await self._chats.signed_in_pairs(user_id)
            mine = next((pair for pair in pairs if pair[0] == failed_token), None)
            if mine is None or mine[2] == EXPIRED:
                # renewed meanwhile (by the call we waited for, before a restart, by the CLI), or signed in
                # again in one chat after the renewal was refused: every chat of the account takes that pair
                usable = [pair for pair in pairs if pair[2] != EXPIRED and pair[0] != failed_token]
                if not usable:
                    raise SignInExpired("the sign-in expired", status_code=401)
                if mine is not None:
                    await self._chats.renewed(user_id, usable[0][0], usable[0][1])
                return usable[0][0]
            token, refresh_token, _ = mine
            try:
                fresh = await self._plusofon.refresh(refresh_token)
            except SignInExpired:
                self.renewal_failures += 1
                self._on_renewal(False)
                chat_ids = await self._chats.sign_in_failed(user_id, EXPIRED)
                log.warning("Plusofon refused to renew the sign-in of account %s (chats %s)", user_id, chat_ids)
                await self._tell_admins(user_id, chat_ids)
                raise
            await self._chats.renewed(user_id, fresh.token, fresh.refresh_token)
            self.renewals += 1
            self._on_renewal(True)
            if len(self._replaced) >= REPLACED_KEEP:
                self._replaced.clear()
            self._replaced[token] = fresh.token
            log.info("renewed the sign-in of account %s", user_id)
            return fresh.token

    async def accepted(self, chat_id: int, failure: str | None) -> None:
        now = self.clock()
        if failure is None and now - self._accepted_written.get(chat_id, 0.0) < ACCEPTED_EVERY:
            return
        self._accepted_written[chat_id] = now
        await self._chats.mark(chat_id, accepted_at=now)

    async def rejected(self, chat_id: int, failure: str | None) -> None:
        if failure is None:
            await self._chats.mark(chat_id, failure=REFUSED)

    async def _tell_admins(self, user_id: int, chat_ids: list[int]) -> None:
        if not self._admin_ids:
            return
        text = self._say.sign_in_expired(user_id, chat_ids)
        for admin_id in sorted(self._admin_ids):
            await self._outbox.add(admin_id, text)
        self._notifier.wake()


@dataclass(frozen=True, slots=True)
class ChatHooks:
    """bot.plusofon.AccountHooks for one chat, as it was read from the database."""

    accounts: AccountTokens
    chat_id: int
    user_id: int
    signed_in: bool
    failure: str | None

    def current(self, token: str) -> str:
        return self.accounts.current(token)

    async def renew(self, failed_token: str) -> str | None:
        if not self.signed_in:
            return None
        return await self.accounts.renew(self.user_id, failed_token)

    async def accepted(self) -> None:
        await self.accounts.accepted(self.chat_id, self.failure)

    async def rejected(self) -> None:
        await self.accounts.rejected(self.chat_id, self.failure)
