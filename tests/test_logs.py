"""The redacting log formatter: registered secrets never reach a log line or a traceback."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.core.logs import MASK, current_update, register_secret, setup_logging
from bot.core.settings import CoreSettings, SettingsError, load
from tests.fake_telegram import callback_update, message_update


def test_registered_secret_is_redacted_from_messages_arguments_and_tracebacks():
    stream = io.StringIO()
    setup_logging("DEBUG", stream=stream)
    try:
        register_secret("s3cr3t-token-value")
        log = logging.getLogger("any.library")
        log.info("sending Bearer %s", "s3cr3t-token-value")
        try:
            raise RuntimeError("bad header Bearer s3cr3t-token-value")
        except RuntimeError:
            log.exception("request failed")
        log.debug("an unregistered value shows: other-value-123")
    finally:
        logging.getLogger().handlers.clear()
    written = stream.getvalue()
    assert "s3cr3t-token-value" not in written
    assert written.count(MASK) == 3
    assert "Traceback" in written and "other-value-123" in written


def test_httpx_request_lines_are_quiet_unless_debugging():
    setup_logging("INFO", stream=io.StringIO())
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    setup_logging("DEBUG", stream=io.StringIO())
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.DEBUG
    logging.getLogger().handlers.clear()
    logging.getLogger("httpx").setLevel(logging.NOTSET)


def test_json_logs_are_one_redacted_object_a_line():
    stream = io.StringIO()
    setup_logging("DEBUG", stream=stream, log_format="json")
    secret = 'tok"en\\with-quotes'  # JSON escapes these: redaction must still find the secret
    try:
        register_secret(secret)
        log = logging.getLogger("bot.something")
        log.info("sending Bearer %s", secret)
        try:
            raise RuntimeError(f"bad header Bearer {secret}")
        except RuntimeError:
            log.exception("request failed")
    finally:
        logging.getLogger().handlers.clear()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 2
    first, second = lines
    assert first["level"] == "INFO" and first["logger"] == "bot.something"
    assert first["message"] == f"sending Bearer {MASK}"
    assert first["time"].endswith("+00:00")
    assert "Traceback" in second["exception"] and MASK in second["exception"]
    assert secret not in stream.getvalue() and json.dumps(secret)[1:-1] not in stream.getvalue()
    assert "update_id" not in first  # no update being handled


def test_json_lines_name_the_update_being_handled_but_not_its_text():
    update = message_update("/list@smart_bot 999 secret words", chat_id=-100123, user_id=5, update_id=77)
    stream = io.StringIO()
    setup_logging("INFO", stream=stream, log_format="json")
    token = current_update.set(update)
    try:
        logging.getLogger("bot").info("working")
        current_update.set(callback_update("d:15:2", chat_id=42, user_id=5, message_id=9))
        logging.getLogger("bot").info("pressed")
    finally:
        current_update.reset(token)
        logging.getLogger().handlers.clear()
    listing, pressed = (json.loads(line) for line in stream.getvalue().splitlines())
    assert (listing["update_id"], listing["chat_id"], listing["action"]) == (77, -100123, "/list")
    assert pressed["chat_id"] == 42 and pressed["action"] == "button:d"
    assert "secret" not in stream.getvalue()


def test_log_format_text_is_the_default_and_json_is_the_other(monkeypatch):
    assert CoreSettings(_env_file=None).log_format == "text"
    assert CoreSettings(_env_file=None, log_format="JSON").log_format == "json"
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(SettingsError, match="^Setting LOG_FORMAT: must be one of text, json$"):
        load(CoreSettings)


# ---- what /login may and may not do to the logs (issue 11, items 3 and 19) ------------------------------

import contextlib  # noqa: E402
from collections.abc import Iterator  # noqa: E402


from bot.core.logs import RedactingFormatter, registered_secrets  # noqa: E402
from tests.harness import BotHarness, only  # noqa: E402

BOT_ADMIN = 7001
STRANGER = 555


@contextlib.contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    """What the bot's own formatter writes, from every logger, while the block runs."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


@pytest.fixture
async def admin_bot(tmp_path, plusofon):
    h = await BotHarness(tmp_path, plusofon, admin_ids=frozenset({BOT_ADMIN})).start()
    yield h
    await h.stop()


@pytest.mark.parametrize("chat_id", [STRANGER, -100777])
async def test_a_strangers_login_words_censor_nothing_and_are_not_kept(admin_bot, chat_id):
    before = registered_secrets()
    await admin_bot.send("/login 1 refused", chat_id=chat_id, user_id=STRANGER)
    await admin_bot.send("/login 40 tok-guessed-by-a-stranger", chat_id=chat_id, user_id=STRANGER)
    assert registered_secrets() == before
    with captured_logs() as written:
        logging.getLogger("bot.anything").warning("the request was refused: tok-guessed-by-a-stranger is no token")
    assert "the request was refused: tok-guessed-by-a-stranger is no token" in written.getvalue()


def test_the_arguments_of_login_are_masked_wherever_its_text_is_logged():
    update = message_update("/login 40 tok-never-registered-1\nsecond line", chat_id=1, user_id=1)
    with captured_logs() as written:
        log = logging.getLogger("aiogram.event")
        log.info("update: %r", update)
        log.info("as JSON: %s", update.model_dump_json())
        try:
            raise ValueError("bad input: '/login@plusofon_test_bot 40\ttok-never-registered-2'")
        except ValueError:
            log.exception("failed")
        log.info("/logout 40 is fine")
    text = written.getvalue()
    assert "tok-never-registered" not in text and " 40 " not in text.replace("/logout 40", "")
    assert text.count(MASK) >= 3 and "/logout 40 is fine" in text


async def test_a_token_connected_by_login_never_reaches_a_log_line(admin_bot, plusofon):
    token = "tok-41-from-login-only"
    plusofon.add_account(41, token)
    calls = await admin_bot.send(f"/login 41 {token}", chat_id=BOT_ADMIN, user_id=BOT_ADMIN)
    assert "подключён" in only(calls, "sendMessage").params["text"]
    with captured_logs() as written:
        logging.getLogger("httpx").warning("GET /numbers Authorization: Bearer %s", token)
    assert token not in written.getvalue() and MASK in written.getvalue()


# ---- a bounded set of secrets, short ones as whole words (issue 22, item 12) ------------------------------


async def test_replaced_and_disconnected_tokens_are_forgotten(admin_bot):
    chats = admin_bot.chats
    await chats.put(9100, 40, "tok-first-of-many-0")
    before = registered_secrets()
    for n in range(1, 200):
        await chats.put(9100, 40, f"tok-first-of-many-{n}")  # a /login again, a renewal: the old one goes
        await chats.get(9100)
    assert registered_secrets() == before
    with captured_logs() as written:
        logging.getLogger("bot.anything").warning("old tok-first-of-many-5, current tok-first-of-many-199")
    assert "old tok-first-of-many-5, current [redacted]" in written.getvalue()
    await chats.remove(9100)
    assert registered_secrets() == before - 1


def test_a_short_secret_is_masked_as_a_word_and_nowhere_inside_one():
    from bot.core.logs import secret_while

    with secret_while("q7Z"), captured_logs() as written:
        logging.getLogger("bot.anything").warning('password q7Z rejected; {"password": "q7Z"}; q7Zq7Z xq7Z')
    assert 'password [redacted] rejected; {"password": "[redacted]"}; q7Zq7Z xq7Z' in written.getvalue()
    with captured_logs() as written:
        logging.getLogger("bot.anything").warning("password q7Z")
    assert "password q7Z" in written.getvalue()  # kept only while the sign-in needs it


# ---- a token read back in a fresh process (issue 25) ----------------------------------------------------

PROBE = """
import asyncio, logging, sys
from bot.core.logs import setup_logging
from storage.chats import ChatRepository
from storage.cipher import TokenCipher
from storage.database import connect

async def main(path, key):
    setup_logging("INFO")
    db = await connect(path)
    auth = await ChatRepository(db, TokenCipher([key])).get(9200)
    logging.getLogger("probe").warning("the token is %s", auth.token)
    await db.close()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


async def test_a_token_read_back_from_the_database_in_a_fresh_process_is_masked(admin_bot, tmp_path):
    import asyncio
    import secrets
    import sys

    from tests.conftest import ROOT
    from tests.harness import SECRET_KEY

    token = f"tok-fresh-{secrets.token_hex(12)}"  # this process's set of secrets does not matter: a new one reads
    await admin_bot.chats.put(9200, 40, token)
    probe = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PROBE, str(admin_bot.settings.database_path), SECRET_KEY,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT)
    _, err = await asyncio.wait_for(probe.communicate(), 60)
    assert probe.returncode == 0, err.decode()
    assert "the token is [redacted]" in err.decode() and token not in err.decode()
