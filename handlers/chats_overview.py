"""/chats: a bot admin sees, in a private chat, every connected chat and the health of its Plusofon access."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.core.durations import local_time
from bot.services.chat_access import Refused, Sender
from bot.services.container import Services
from handlers.texts import Texts
from handlers.views import TELEGRAM_TEXT_LIMIT
from storage.chats import SIGN_IN, ChatAuth


def chat_line(auth: ChatAuth, t: Texts) -> str:
    email = f" ({escape(auth.email)})" if auth.email else ""
    how = t.chats_by_signin if auth.connected_by == SIGN_IN else t.chats_by_token
    accepted = local_time(auth.accepted_at) if auth.accepted_at else "—"
    state = (t.chats_failing.format(failure=escape(auth.failure)) if auth.failure
             else t.chats_ok if auth.accepted_at else t.chats_never)
    return t.chats_line.format(chat_id=auth.chat_id, user_id=auth.user_id, email=email, how=how,
                               accepted=accepted, state=state)


async def chats_(message: Message, services: Services, t: Texts) -> None:
    rows = await services.chat_access.overview(Sender.of(message))
    if isinstance(rows, Refused):
        await message.answer(t.chats_admins_only)
        return
    if not rows:
        await message.answer(t.chats_empty)
        return
    text, lines = t.chats_header, [chat_line(auth, t) for auth in rows]
    for line in lines:  # whole lines per message: a cut inside a tag would be refused
        if len(text) + len(line) + 1 > TELEGRAM_TEXT_LIMIT - 96:
            await message.answer(text)
            text = ""
        text = f"{text}\n{line}" if text else line
    await message.answer(text)


def create_chats_router() -> Router:
    router = Router(name="chats")
    router.message.register(chats_, Command("chats"))
    return router
