"""Inline mode (`@bot <query>` in any chat) works only once it is switched on in @BotFather (/setinline). The
bot reads getMe's `supports_inline_queries` at start; when it is off, it says so in the log and leaves a mark
beside the database, which `python -m bot health` reads (standard library only: health loads no aiogram)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)
HOW_TO_TURN_ON = "turn it on in @BotFather: /setinline, pick the bot, send a placeholder such as «номер или имя»"


def inline_off_path(database_path: Path) -> Path:
    return database_path.with_name(database_path.name + ".inline-off")


async def check_inline_mode(bot: Bot, database_path: Path) -> bool | None:
    """Whether inline mode is on (None: Telegram did not say); the mark follows the answer."""
    from aiogram.exceptions import TelegramAPIError

    try:
        me = await bot.get_me()  # asked afresh: the answer cached by bot.me() may predate a change in BotFather
    except TelegramAPIError as error:
        log.warning("could not ask Telegram whether inline mode is on: %s", error)
        return None
    mark = inline_off_path(database_path)
    if me.supports_inline_queries:
        mark.unlink(missing_ok=True)
        return True
    log.warning("inline mode is off: @%s cannot share numbers in other chats; %s", me.username, HOW_TO_TURN_ON)
    mark.touch(mode=0o600)
    return False


def health_note(database_path: Path) -> str:
    """What `python -m bot health` adds to its line: "" while inline mode is on (or not known to be off)."""
    return f"; inline mode is off ({HOW_TO_TURN_ON})" if inline_off_path(database_path).exists() else ""
