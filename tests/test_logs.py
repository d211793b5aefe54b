"""The redacting log formatter: registered secrets never reach a log line or a traceback."""

from __future__ import annotations

import io
import logging

from bot.logs import MASK, register_secret, setup_logging


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
