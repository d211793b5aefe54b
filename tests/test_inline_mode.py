"""Inline mode must be switched on in BotFather: the bot reads getMe's supports_inline_queries at start, and
when it is off the log and `python -m bot health` say so (the bot is still healthy)."""

from __future__ import annotations

import logging

from bot.health import check
from bot.heartbeat import running


async def started(make, *, inline: bool):
    h = await make()
    await h.stop()
    h.tg.set_inline_mode(inline)
    await h.start()
    h.dp["heartbeat"].beat()  # as an answered getUpdates would
    return h


async def test_inline_mode_off_is_logged_and_shown_by_health(make, caplog):
    with caplog.at_level(logging.WARNING, logger="bot.inline_mode"):
        h = await started(make, inline=False)
    assert any("inline mode is off" in record.getMessage() and "/setinline" in record.getMessage()
               for record in caplog.records)
    with running(h.settings.database_path):  # this process plays the bot
        healthy, reason = check(h.settings)
    assert healthy and reason.startswith("ok:") and "inline mode is off" in reason and "/setinline" in reason


async def test_inline_mode_on_is_not_mentioned_and_turning_it_on_clears_the_note(make, caplog):
    h = await started(make, inline=False)
    await h.stop()
    h.tg.set_inline_mode(True)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.inline_mode"):
        await h.start()
    assert not [record for record in caplog.records if "inline mode" in record.getMessage()]
    with running(h.settings.database_path):
        healthy, reason = check(h.settings)
    assert healthy and "inline" not in reason
