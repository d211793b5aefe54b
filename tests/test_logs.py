"""The redacting log formatter: registered secrets never reach a log line or a traceback."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.logs import MASK, current_update, register_secret, setup_logging
from bot.settings import CoreSettings, SettingsError, load
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
