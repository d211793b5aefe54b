"""📇 under a /list or /find page: the number's card, edited into the page's message, with ◀ Назад back to it."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer

from bot.services.numbers import AccountNumbers
from handlers.callbacks import CardCallback, FindCallback, PageCallback
from handlers.replies import answer_now, chat_id_of, show, typing
from handlers.texts import Texts
from handlers.views import back_keyboard, card_keyboard, card_text


def back_to(card: CardCallback) -> CallbackData:
    """The page the card was opened from: a /list page, or a /find page (whose handler knows if it expired)."""
    return FindCallback(key=card.key, page=card.page) if card.key else PageCallback(page=card.page)


async def open_card(callback: CallbackQuery, callback_data: CardCallback, callback_answer: CallbackAnswer,
                    numbers: AccountNumbers, t: Texts) -> None:
    back = back_to(callback_data)
    await answer_now(callback, callback_answer)  # no spinner while a token not trusted lately is checked
    async with typing(callback.bot, chat_id_of(callback)):
        card = await numbers.card(callback_data.id)
    if card is None:
        await show(callback, t.card_gone.format(id=callback_data.id), back_keyboard(back, t))
        return
    await show(callback, card_text(card.number, t, card.expires_at),
               card_keyboard(card.number, back, t, card.expires_at))


def create_card_router() -> Router:
    router = Router(name="cards")
    router.callback_query.register(open_card, CardCallback.filter())
    return router
