"""Encryption of stored API tokens with Fernet, and the key's home when SECRET_KEY is not set."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import aiosqlite
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

log = logging.getLogger(__name__)

KEY_FILE_NAME = "secret.key"


class SecretKeyError(ValueError):
    """SECRET_KEY (or the key file) does not hold valid Fernet keys."""


class TokenCipher:
    """Encrypts with the first key; decrypts with any of them (so old keys can be rotated out)."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise SecretKeyError("no key given")
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        except ValueError:
            raise SecretKeyError("each key must be 32 url-safe base64-encoded bytes (Fernet.generate_key())") from None

    def encrypt(self, token: str) -> bytes:
        return self._fernet.encrypt(token.encode())

    def decrypt(self, blob: bytes) -> str:
        try:
            return self._fernet.decrypt(blob).decode()
        except InvalidToken:
            raise SecretKeyError("the token was encrypted with a key that is not in SECRET_KEY") from None

    def can_decrypt(self, blob: bytes) -> bool:
        try:
            self._fernet.decrypt(blob)
        except InvalidToken:
            return False
        return True

    def rotate(self, blob: bytes) -> bytes:
        try:
            return self._fernet.rotate(blob)
        except InvalidToken:
            raise SecretKeyError("the token was encrypted with a key that is not in SECRET_KEY") from None


def parse_keys(value: str) -> list[str]:
    return [key.strip() for key in value.split(",") if key.strip()]


async def sealed_tokens(conn: aiosqlite.Connection) -> list[bytes]:
    """The connected chats' API tokens as stored (encrypted)."""
    async with conn.execute("SELECT token_encrypted FROM chats") as cursor:
        return [blob for (blob,) in await cursor.fetchall()]


def open_cipher(secret_key: str | None, database_path: Path, sealed: Sequence[bytes]) -> TokenCipher:
    """`load_cipher`, refusing keys that cannot read every stored token (`sealed`): with a lost or replaced
    key every chat would read as not connected and its expiries would stop, silently."""
    cipher = load_cipher(secret_key, database_path, tokens_stored=bool(sealed))
    unreadable = sum(not cipher.can_decrypt(blob) for blob in sealed)
    if unreadable:
        where = "SECRET_KEY" if secret_key else f"{database_path.parent / KEY_FILE_NAME} (SECRET_KEY unset)"
        raise SecretKeyError(f"no key in {where} decrypts the stored tokens of {unreadable} of {len(sealed)} "
                             "connected chats: set SECRET_KEY to the key they were stored with (after the "
                             "current one), or restore the key file from its backup")
    return cipher


def load_cipher(secret_key: str | None, database_path: Path, *, tokens_stored: bool = False) -> TokenCipher:
    """The cipher from SECRET_KEY, or from the key file beside the database (created on first use, but never
    while `tokens_stored`: a new key cannot read them)."""
    if secret_key:
        return TokenCipher(parse_keys(secret_key))
    key_file = database_path.parent / KEY_FILE_NAME
    try:
        return TokenCipher(parse_keys(key_file.read_text()))
    except FileNotFoundError:
        pass
    if tokens_stored:
        raise SecretKeyError(f"SECRET_KEY is not set and {key_file} is missing, but the database holds "
                             "encrypted tokens: set SECRET_KEY to the key they were stored with, or restore "
                             "the key file from its backup (a new key would lock every chat out)")
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    try:
        fd = os.open(key_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:  # another process made it first
        return TokenCipher(parse_keys(key_file.read_text()))
    with os.fdopen(fd, "wb") as file:
        file.write(key + b"\n")
    log.warning("SECRET_KEY is not set: generated a new key into %s (mode 0600). Back it up: "
                "without it the stored API tokens cannot be read.", key_file)
    return TokenCipher([key.decode()])
