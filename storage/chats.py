"""Chat authorisations: which Plusofon account a Telegram chat acts for."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import aiosqlite

from bot.core.logs import forget_secret, register_secret
from bot.core.models import AccountHooks, Credentials
from storage.cipher import SecretKeyError, TokenCipher

log = logging.getLogger(__name__)


SIGN_IN, TOKEN = "signin", "token"  # how a chat was connected: e-mail and password, or an API token


@dataclass(frozen=True, slots=True)
class ChatAuth:
    chat_id: int
    user_id: int
    token: str = field(repr=False)
    notify_chat_id: int | None = None
    added_by: int | None = None
    added_at: str = ""
    active: bool = True
    admins_only: bool = False
    by_admin: bool = False  # connected by the bot's admins (see Journal.team_chat)
    refresh_token: str | None = field(default=None, repr=False)
    email: str | None = None
    accepted_at: float | None = None
    failure: str | None = None
    hooks: AccountHooks | None = field(default=None, repr=False, compare=False)

    @property
    def credentials(self) -> Credentials:
        return Credentials(self.user_id, self.token, hooks=self.hooks)

    @property
    def connected_by(self) -> str:
        return SIGN_IN if self.refresh_token else TOKEN

    @property
    def masked_token(self) -> str:
        return "…" + self.token[-4:] if len(self.token) > 4 else "…"


class ChatRepository:
    """Typed access to the `chats` table, with the credentials cached in memory.

    Every change made here clears the cache; changes made by another process (the admin CLI) are noticed
    through SQLite's `data_version`, checked at most once per `recheck_seconds`.
    """

    def __init__(self, conn: aiosqlite.Connection, cipher: TokenCipher, *, recheck_seconds: float = 1.0,
                 unknown_cache_size: int = 10_000) -> None:
        self._conn = conn
        self._cipher = cipher
        self._recheck = recheck_seconds
        self._known: dict[int, ChatAuth] = {}
        self._unknown: OrderedDict[int, None] = OrderedDict()
        self._unknown_cache_size = unknown_cache_size
        self._loaded = False
        self._data_version: int | None = None
        self._checked_at = 0.0
        self._generation = 0  # bumped on every invalidation, so a load that raced a change is not cached
        self._hooks: Callable[[ChatAuth], AccountHooks] | None = None

    def use_hooks(self, hooks_for: Callable[[ChatAuth], AccountHooks]) -> None:
        """Every ChatAuth read from now on carries `hooks_for(auth)` in its credentials (see bot.services.accounts)."""
        self._hooks = hooks_for
        self.invalidate()

    async def get(self, chat_id: int) -> ChatAuth | None:
        await self._refresh_if_stale()
        if chat_id in self._known:
            return self._known[chat_id]
        if chat_id in self._unknown:
            self._unknown.move_to_end(chat_id)
            return None
        generation = self._generation
        auth = await self._load(chat_id)
        if generation != self._generation:
            return auth
        if auth is None:
            self._unknown[chat_id] = None
            if len(self._unknown) > self._unknown_cache_size:
                self._unknown.popitem(last=False)
        else:
            self._known[chat_id] = auth
        return auth

    async def put(self, chat_id: int, user_id: int, token: str, *, notify_chat_id: int | None = None,
                  added_by: int | None = None, by_admin: bool = False, refresh_token: str | None = None,
                  email: str | None = None, checked: bool = True) -> ChatAuth:
        """Connect the chat: with an API token, or (`refresh_token` given) with the pair from a sign-in.
        `by_admin`: the bot's admins did (the CLI, an admin's /login, /link by the owner of such a chat).
        `checked`: Plusofon accepted the token just now."""
        added_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
        refresh_blob = self._cipher.encrypt(refresh_token) if refresh_token else None
        connected_by = SIGN_IN if refresh_token else TOKEN
        accepted_at = time.time() if checked else None
        await self._conn.execute(
            """INSERT INTO chats (chat_id, plusofon_user_id, token_encrypted, notify_chat_id, added_by, added_at,
                                  connected_by_admin, refresh_token_encrypted, connected_by, email, accepted_at,
                                  failure)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
               ON CONFLICT (chat_id) DO UPDATE SET plusofon_user_id = excluded.plusofon_user_id,
                   token_encrypted = excluded.token_encrypted, notify_chat_id = excluded.notify_chat_id,
                   added_by = excluded.added_by, added_at = excluded.added_at, active = 1,
                   connected_by_admin = excluded.connected_by_admin,
                   refresh_token_encrypted = excluded.refresh_token_encrypted,
                   connected_by = excluded.connected_by, email = excluded.email,
                   accepted_at = excluded.accepted_at, failure = NULL""",
            (chat_id, user_id, self._cipher.encrypt(token), notify_chat_id, added_by, added_at, int(by_admin),
             refresh_blob, connected_by, email, accepted_at),
        )
        self.invalidate()
        _hold_secrets(chat_id, token, refresh_token)
        return ChatAuth(chat_id, user_id, token, notify_chat_id, added_by, added_at, by_admin=by_admin,
                        refresh_token=refresh_token, email=email, accepted_at=accepted_at)

    async def settle_connected_by(self, admin_ids: frozenset[int], allow_self_login: bool) -> int:
        """Decide who connected the chats connected before that was recorded; return how many. Without
        ALLOW_SELF_LOGIN only admins could connect chats. With it: the CLI (no `added_by`) and ADMIN_IDS did, and
        so did a group's /link by someone whose own private chat they connected; anyone else did not."""
        query = "SELECT chat_id, added_by FROM chats WHERE connected_by_admin IS NULL ORDER BY chat_id DESC"
        async with self._conn.execute(query) as cursor:
            rows = [(row["chat_id"], row["added_by"]) for row in await cursor.fetchall()]
        settled: dict[int, bool] = {}
        for chat_id, added_by in rows:  # private chats (positive ids) first: a group's /link depends on them
            by_admin = not allow_self_login or added_by is None or added_by in admin_ids
            if not by_admin and chat_id < 0 and added_by is not None:
                owner = settled.get(added_by)
                if owner is None:
                    async with self._conn.execute("SELECT connected_by_admin FROM chats WHERE chat_id = ?",
                                                  (added_by,)) as cursor:
                        found = await cursor.fetchone()
                    owner = bool(found and found[0])
                by_admin = owner
            settled[chat_id] = by_admin
        await self._conn.executemany("UPDATE chats SET connected_by_admin = ? WHERE chat_id = ?",
                                     [(int(by_admin), chat_id) for chat_id, by_admin in settled.items()])
        self.invalidate()
        return len(settled)

    async def signed_in_pairs(self, user_id: int) -> list[tuple[str, str, str | None]]:
        """(token, refresh token, failure) of each chat of the account connected by sign-in, read afresh."""
        async with self._conn.execute(
            "SELECT chat_id, token_encrypted, refresh_token_encrypted, failure FROM chats "
            "WHERE plusofon_user_id = ? AND refresh_token_encrypted IS NOT NULL ORDER BY chat_id", (user_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        pairs = []
        for chat_id, token_blob, refresh_blob, failure in rows:
            try:
                pair = self._cipher.decrypt(token_blob), self._cipher.decrypt(refresh_blob)
            except SecretKeyError:
                continue
            _hold_secrets(chat_id, *pair)
            pairs.append((*pair, failure))
        return pairs

    async def renewed(self, user_id: int, token: str, refresh_token: str) -> None:
        """The account's sign-in was renewed: every chat connected by sign-in to it gets the new pair."""
        register_secret(token, ("account", user_id))  # until each chat is read again and holds it itself
        register_secret(refresh_token, ("account refresh", user_id))
        await self._conn.execute(
            "UPDATE chats SET token_encrypted = ?, refresh_token_encrypted = ?, accepted_at = ?, failure = NULL "
            "WHERE plusofon_user_id = ? AND refresh_token_encrypted IS NOT NULL",
            (self._cipher.encrypt(token), self._cipher.encrypt(refresh_token), time.time(), user_id),
        )
        self.invalidate()

    async def sign_in_failed(self, user_id: int, failure: str) -> list[int]:
        """Mark every chat connected by sign-in to the account as failing; return those chats."""
        async with self._conn.execute(
            "UPDATE chats SET failure = ? WHERE plusofon_user_id = ? AND refresh_token_encrypted IS NOT NULL "
            "RETURNING chat_id", (failure, user_id),
        ) as cursor:
            chat_ids = [row[0] for row in await cursor.fetchall()]
        self.invalidate()
        return sorted(chat_ids)

    async def mark(self, chat_id: int, *, accepted_at: float | None = None, failure: str | None = None) -> None:
        """Plusofon accepted the chat's token at `accepted_at` (clears the failure), or refused it (`failure`)."""
        if accepted_at is not None:
            await self._conn.execute("UPDATE chats SET accepted_at = ?, failure = NULL WHERE chat_id = ?",
                                     (accepted_at, chat_id))
        else:
            await self._conn.execute("UPDATE chats SET failure = ? WHERE chat_id = ?", (failure, chat_id))
        self._generation += 1  # only this chat changed: the others stay cached, and it is updated in place
        cached = self._known.get(chat_id)
        if cached is not None:
            updated = replace(cached, accepted_at=accepted_at or cached.accepted_at,
                              failure=None if accepted_at is not None else failure)
            self._known[chat_id] = replace(updated, hooks=self._hooks(updated)) if self._hooks else updated

    async def set_active(self, chat_id: int, active: bool) -> None:
        """The bot was removed from the chat (False) or came back (True)."""
        await self._conn.execute("UPDATE chats SET active = ? WHERE chat_id = ?", (int(active), chat_id))
        self.invalidate()

    async def set_admins_only(self, chat_id: int, admins_only: bool) -> None:
        await self._conn.execute("UPDATE chats SET admins_only = ? WHERE chat_id = ?", (int(admins_only), chat_id))
        self.invalidate()

    async def migrate(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its authorisation and every notify chat pointing at it follow (unless the
        supergroup was connected on its own already: then that connection stays)."""
        await self._conn.execute(
            "DELETE FROM chats WHERE chat_id = ? AND EXISTS (SELECT 1 FROM chats WHERE chat_id = ?)",
            (old_chat_id, new_chat_id),
        )
        await self._conn.execute("UPDATE chats SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))
        await self._conn.execute("UPDATE chats SET notify_chat_id = ? WHERE notify_chat_id = ?",
                                 (new_chat_id, old_chat_id))
        self.invalidate()

    async def remove(self, chat_id: int) -> bool:
        cursor = await self._conn.execute("DELETE FROM chats WHERE chat_id = ?", (chat_id,))
        self.invalidate()
        _hold_secrets(chat_id, None, None)
        return cursor.rowcount > 0

    async def all(self) -> list[ChatAuth]:
        async with self._conn.execute(f"SELECT {_COLUMNS} FROM chats ORDER BY chat_id") as cursor:
            rows = await cursor.fetchall()
        return [auth for auth in map(self._decode, rows) if auth is not None]

    def invalidate(self) -> None:
        self._generation += 1
        self._known.clear()
        self._unknown.clear()

    async def _refresh_if_stale(self) -> None:
        now = asyncio.get_running_loop().time()
        if now - self._checked_at < self._recheck:
            return
        self._checked_at = now
        async with self._conn.execute("PRAGMA data_version") as cursor:
            (version,) = await cursor.fetchone()
        if version != self._data_version:
            self._data_version = version
            self.invalidate()

    async def _load(self, chat_id: int) -> ChatAuth | None:
        async with self._conn.execute(f"SELECT {_COLUMNS} FROM chats WHERE chat_id = ?", (chat_id,)) as cursor:
            row = await cursor.fetchone()
        return self._decode(row) if row is not None else None

    def _decode(self, row: aiosqlite.Row) -> ChatAuth | None:
        try:
            token = self._cipher.decrypt(row["token_encrypted"])
            refresh_blob = row["refresh_token_encrypted"]
            refresh_token = self._cipher.decrypt(refresh_blob) if refresh_blob is not None else None
        except SecretKeyError:
            log.error("chat %s: its token cannot be decrypted with SECRET_KEY; treating it as not connected",
                      row["chat_id"])
            return None
        _hold_secrets(row["chat_id"], token, refresh_token)
        auth = ChatAuth(row["chat_id"], row["plusofon_user_id"], token, row["notify_chat_id"], row["added_by"],
                        row["added_at"], bool(row["active"]), bool(row["admins_only"]),
                        by_admin=bool(row["connected_by_admin"]), refresh_token=refresh_token,
                        email=row["email"], accepted_at=row["accepted_at"], failure=row["failure"])
        return replace(auth, hooks=self._hooks(auth)) if self._hooks is not None else auth


def _hold_secrets(chat_id: int, token: str | None, refresh_token: str | None) -> None:
    """The log masks the chat's tokens as long as the chat holds them: a replaced one is forgotten."""
    for owner, secret in ((("chat", chat_id), token), (("chat refresh", chat_id), refresh_token)):
        if secret:
            register_secret(secret, owner)
        else:
            forget_secret(owner)


_COLUMNS = ("chat_id, plusofon_user_id, token_encrypted, notify_chat_id, added_by, added_at, active, admins_only, "
            "connected_by_admin, refresh_token_encrypted, email, accepted_at, failure")
