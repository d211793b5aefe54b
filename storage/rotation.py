"""Key rotation: every stored API token and refresh token re-encrypted with the first key of SECRET_KEY,
all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

import aiosqlite

from storage.cipher import SecretKeyError, TokenCipher
from storage.database import checkpoint


@dataclass(frozen=True, slots=True)
class Rotation:
    rotated: int
    undecryptable: list[int] = field(default_factory=list)
    """Chats whose token no key can decrypt; when there are any, nothing was changed."""


async def rotate_tokens(conn: aiosqlite.Connection, cipher: TokenCipher) -> Rotation:
    """Re-encrypt the `chats` tokens in one transaction; the old ciphertexts are overwritten on disk too (the
    connection is `storage.database.connect`'s: secure_delete is on)."""
    await conn.execute("BEGIN IMMEDIATE")  # the bot may write meanwhile: it waits, it does not interleave
    try:
        async with conn.execute(
            "SELECT chat_id, token_encrypted, refresh_token_encrypted FROM chats ORDER BY chat_id"
        ) as cursor:
            rows = await cursor.fetchall()
        updates, undecryptable = [], []
        for chat_id, blob, refresh_blob in rows:
            try:
                refresh = cipher.rotate(refresh_blob) if refresh_blob is not None else None
                updates.append((cipher.rotate(blob), refresh, chat_id))
            except SecretKeyError:
                undecryptable.append(chat_id)
        if undecryptable:
            await conn.execute("ROLLBACK")
            return Rotation(0, undecryptable)
        await conn.executemany(
            "UPDATE chats SET token_encrypted = ?, refresh_token_encrypted = ? WHERE chat_id = ?", updates)
        await conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            await conn.execute("ROLLBACK")
        raise
    # the write-ahead log still holds the old pages: fold it into the database and empty it
    await checkpoint(conn)
    return Rotation(len(updates))
