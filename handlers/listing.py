"""/list and the ◀ ▶ buttons under it."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.services.container import Services
from bot.services.numbers import AccountNumbers
from handlers.callbacks import PageCallback
from handlers.mini_app import with_app_button
from handlers.replies import answer_now, chat_id_of, show, typing
from handlers.texts import Texts
from handlers.views import page_keyboard, page_text


async def list_command(message: Message, numbers: AccountNumbers, services: Services, t: Texts) -> None:
    async with typing(message.bot, message.chat.id):
        listing = await numbers.page(1)
    markup = with_app_button(page_keyboard(listing.page), message.chat.type, services.settings, t)
    await message.answer(page_text(listing.page, t, expiries=listing.expiries), reply_markup=markup)


async def turn_page(callback: CallbackQuery, callback_data: PageCallback, callback_answer: CallbackAnswer,
                    numbers: AccountNumbers, t: Texts) -> None:
    await answer_now(callback, callback_answer)
    async with typing(callback.bot, chat_id_of(callback)):
        listing = await numbers.page(callback_data.page)
    await show(callback, page_text(listing.page, t, expiries=listing.expiries), page_keyboard(listing.page))


def create_list_router() -> Router:
    """Under the authorised parent; after the /find router, which takes `/list <text>`."""
    router = Router(name="list")
    router.message.register(list_command, Command("list"))
    router.callback_query.register(turn_page, PageCallback.filter())
    return router
