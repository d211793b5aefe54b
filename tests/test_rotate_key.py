"""`python -m bot rotate-key` as a real subprocess: tokens move to SECRET_KEY's first key, all or nothing."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from storage.chats import ChatRepository
from storage.cipher import TokenCipher
from storage.database import connect
from tests.bot_command import Result, base_env, run_bot

KEY_A, KEY_B, KEY_C = (Fernet.generate_key().decode() for _ in range(3))
TOKENS = {-1001: "tok-one-secret-value", -1002: "tok-two-secret-value", 55: "tok-three-secret-value"}


async def rotate_key(db_path: Path, secret_key: str) -> Result:
    env = base_env(DATABASE_PATH=str(db_path), SECRET_KEY=secret_key, LOG_LEVEL="DEBUG")
    result = await run_bot("rotate-key", cwd=db_path.parent, env=env)
    for token in TOKENS.values():
        assert token not in result.output
    return result


async def store(db_path: Path, key: str, tokens: dict[int, str]) -> None:
    conn = await connect(db_path)
    try:
        chats = ChatRepository(conn, TokenCipher([key]))
        for chat_id, token in tokens.items():
            await chats.put(chat_id, 40, token)
    finally:
        await conn.close()


async def read_tokens(db_path: Path, key: str) -> dict[int, str]:
    conn = await connect(db_path)
    try:
        return {auth.chat_id: auth.token for auth in await ChatRepository(conn, TokenCipher([key])).all()}
    finally:
        await conn.close()


def stored_blobs(db_path: Path) -> dict[int, bytes]:
    with closing(sqlite3.connect(db_path)) as conn:
        return dict(conn.execute("SELECT chat_id, token_encrypted FROM chats"))


def raw_bytes(db_path: Path) -> bytes:
    files = [db_path.with_name(db_path.name + suffix) for suffix in ("", "-wal")]
    return b"".join(file.read_bytes() for file in files if file.exists())


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bot.sqlite3"


async def test_tokens_move_to_the_new_key_while_the_bot_runs(db_path: Path):
    await store(db_path, KEY_A, TOKENS)
    old = stored_blobs(db_path)
    bot_db = await connect(db_path)  # the running bot's connection, with SECRET_KEY=B,A
    try:
        bot_chats = ChatRepository(bot_db, TokenCipher([KEY_B, KEY_A]), recheck_seconds=0)
        assert (await bot_chats.get(-1001)).token == TOKENS[-1001]

        result = await rotate_key(db_path, f"{KEY_B},{KEY_A}")
        assert result.code == 0, result
        assert str(len(TOKENS)) in result.stdout
        assert {chat_id: (await bot_chats.get(chat_id)).token for chat_id in TOKENS} == TOKENS
        raw_while_open = raw_bytes(db_path)
    finally:
        await bot_db.close()
    for blob in old.values():
        assert blob not in raw_while_open  # overwritten in the database file, not only in the log

    assert await read_tokens(db_path, KEY_B) == TOKENS  # the old key is no longer needed
    assert await read_tokens(db_path, KEY_A) == {}
    raw = raw_bytes(db_path)
    assert b"plusofon_user_id" in raw  # the scan does see the schema's plain text
    for token in TOKENS.values():
        assert token.encode() not in raw


async def test_a_token_no_key_decrypts_stops_the_rotation_and_changes_nothing(db_path: Path):
    await store(db_path, KEY_A, {-1001: TOKENS[-1001], 55: TOKENS[55]})
    await store(db_path, KEY_C, {-1002: TOKENS[-1002]})
    before = stored_blobs(db_path)

    result = await rotate_key(db_path, f"{KEY_B},{KEY_A}")
    assert result.code == 1, result
    message = [line for line in result.stderr.splitlines() if line.startswith("Ошибка")]
    assert len(message) == 1, result
    assert "-1002" in message[0] and "-1001" not in message[0] and "55" not in message[0]

    assert stored_blobs(db_path) == before
    assert await read_tokens(db_path, KEY_A) == {-1001: TOKENS[-1001], 55: TOKENS[55]}


async def test_rotating_twice_and_with_no_tokens_is_harmless(db_path: Path):
    await store(db_path, KEY_A, {})
    assert (await rotate_key(db_path, KEY_A)).code == 0

    await store(db_path, KEY_A, TOKENS)
    assert (await rotate_key(db_path, f"{KEY_B},{KEY_A}")).code == 0
    assert (await rotate_key(db_path, f"{KEY_B},{KEY_A}")).code == 0
    assert await read_tokens(db_path, KEY_B) == TOKENS


async def test_refresh_tokens_from_sign_in_move_to_the_new_key_too(db_path: Path):
    conn = await connect(db_path)
    try:
        await ChatRepository(conn, TokenCipher([KEY_A])).put(77, 40, "sess-token-secret-value",
                                                            refresh_token="refr-token-secret-value")
    finally:
        await conn.close()
    result = await rotate_key(db_path, f"{KEY_B},{KEY_A}")
    assert result.code == 0, result
    assert "refr-token-secret-value" not in result.output
    conn = await connect(db_path)
    try:
        [auth] = await ChatRepository(conn, TokenCipher([KEY_B])).all()  # the old key is gone
    finally:
        await conn.close()
    assert (auth.token, auth.refresh_token) == ("sess-token-secret-value", "refr-token-secret-value")
    assert b"refr-token-secret-value" not in raw_bytes(db_path)
