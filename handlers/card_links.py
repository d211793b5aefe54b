"""`/start card_<id>`: a deep link (t.me/<bot>?start=card_<id>) that opens a number's card in a connected chat.
It sits under the authorised router (the chat's account, its group policy); in a chat that is not connected,
/start answers as usual (handlers/start.py lets the link pass only when the chat is connected)."""

from __future__ import annotations

import re
from typing import Any

from aiogram import Router
from aiogram.filters import CommandObject, CommandStart, Filter
from aiogram.types import Message

from bot.services.numbers import AccountNumbers
from handlers.callbacks import PageCallback
from handlers.replies import typing
from handlers.texts import Texts
from handlers.views import card_keyboard, card_text
from storage.chats import ChatAuth

CARD_LINK = re.compile(r"card_(\d{1,18})")  # 18 digits: always below SQLite's largest integer


class CardLink(Filter):
    """`/start card_<id>` in a connected chat; gives the handler `card_id`."""

    async def __call__(self, message: Message, command: CommandObject | None = None,
                       auth: ChatAuth | None = None) -> bool | dict[str, Any]:
        match = CARD_LINK.fullmatch(command.args or "") if command is not None else None
        return {"card_id": int(match.group(1))} if match is not None and auth is not None else False


async def open_card_link(message: Message, card_id: int, numbers: AccountNumbers, t: Texts) -> None:
    async with typing(message.bot, message.chat.id):
        card = await numbers.card(card_id)
    if card is None:
        await message.answer(t.card_gone.format(id=card_id))
        return
    await message.answer(card_text(card.number, t, card.expires_at),
                         reply_markup=card_keyboard(card.number, PageCallback(page=1), t, card.expires_at))


def create_card_link_router() -> Router:
    router = Router(name="card_links")
    router.message.register(open_card_link, CommandStart(deep_link=True), CardLink())
    return router
