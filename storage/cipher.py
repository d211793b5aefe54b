"""Encryption of stored API tokens with Fernet, and the key's home when SECRET_KEY is not set."""

from __future__ import annotations

import logging
import os
from pathlib import Path

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

    def rotate(self, blob: bytes) -> bytes:
        try:
            return self._fernet.rotate(blob)
        except InvalidToken:
            raise SecretKeyError("the token was encrypted with a key that is not in SECRET_KEY") from None


def parse_keys(value: str) -> list[str]:
    return [key.strip() for key in value.split(",") if key.strip()]


def load_cipher(secret_key: str | None, database_path: Path) -> TokenCipher:
    """The cipher from SECRET_KEY, or from the key file beside the database (created on first use)."""
    if secret_key:
        return TokenCipher(parse_keys(secret_key))
    key_file = database_path.parent / KEY_FILE_NAME
    try:
        return TokenCipher(parse_keys(key_file.read_text()))
    except FileNotFoundError:
        pass
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
