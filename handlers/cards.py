"""📇 under a /list or /find page: the number's card, edited into the page's message, with ◀ Назад back to it."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer

from bot.mirror import Mirror
from bot.plusofon import Credentials
from handlers.callbacks import CardCallback, FindCallback, PageCallback
from handlers.filters import AuthorisedChat, GroupPolicy
from handlers.replies import answer_now, show, typing
from handlers.texts import Texts
from handlers.views import back_keyboard, card_keyboard, card_text
from storage.expiries import ExpiryStore


def back_to(card: CardCallback) -> CallbackData:
    """The page the card was opened from: a /list page, or a /find page (whose handler knows if it expired)."""
    return FindCallback(key=card.key, page=card.page) if card.key else PageCallback(page=card.page)


def create_card_router() -> Router:
    router = Router(name="cards")
    router.callback_query.filter(AuthorisedChat())
    router.callback_query.middleware(GroupPolicy())

    @router.callback_query(CardCallback.filter())
    async def open_card(callback: CallbackQuery, callback_data: CardCallback, callback_answer: CallbackAnswer,
                        bot: Bot, creds: Credentials, mirror: Mirror, expiries: ExpiryStore, t: Texts) -> None:
        back = back_to(callback_data)
        await answer_now(callback, callback_answer)  # no spinner while a token not trusted lately is checked
        chat_id = callback.message.chat.id if callback.message else callback.from_user.id
        async with typing(bot, chat_id):
            number = await mirror.number(creds, callback_data.id)  # the page just shown is in the copy
        if number is None:
            await show(callback, t.card_gone.format(id=callback_data.id), back_keyboard(back, t))
            return
        expires_at = expiries.of(creds.user_id).get(number.id)
        await show(callback, card_text(number, t, expires_at), card_keyboard(number, back, t, expires_at))

    return router
