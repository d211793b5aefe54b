"""/history: a chat's latest actions; in a group set to /access admins, for its administrators only."""

from __future__ import annotations

from datetime import datetime
from html import escape

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.core.durations import local_zone, zone_label
from bot.services.container import Services
from handlers.texts import Texts
from handlers.views import TELEGRAM_TEXT_LIMIT
from storage.chats import ChatAuth

HISTORY_SIZE = 20


async def history(message: Message, auth: ChatAuth, services: Services, t: Texts) -> None:
    entries = await services.journal.recent(auth, HISTORY_SIZE)
    if not entries:
        await message.answer(t.history_empty)
        return
    lines = []
    header = t.history_header.format(zone=zone_label(entries[0].at, t.language))
    for entry in entries:  # newest first, so that a cut keeps the latest ones
        when = datetime.fromtimestamp(entry.at, local_zone()).strftime("%d.%m %H:%M")
        action = t.history_actions.get(entry.action, entry.action)
        result = "✅" if entry.result == "ok" else f"⚠️ {escape(entry.result[:80])}"
        line = (f"{when} · {escape(entry.user_name[:60] or '?')} · {action} {escape(entry.details[:120])} · "
                f"{result}")
        if sum(len(kept) + 1 for kept in lines) + len(line) + len(header) > TELEGRAM_TEXT_LIMIT - 96:
            break  # whole lines only: a cut inside an HTML entity would be refused by Telegram
        lines.append(line)
    await message.answer("\n".join([header, *reversed(lines)]))


def create_history_router() -> Router:
    """Under the authorised parent: its lines carry phones and descriptions, like /list."""
    router = Router(name="history")
    router.message.register(history, Command("history"))
    return router
