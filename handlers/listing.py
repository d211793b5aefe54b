"""/list and the ◀ ▶ buttons under it."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.mirror import Mirror
from bot.plusofon import Credentials, PlusofonClient, SmartNumberPage
from handlers.callbacks import PageCallback
from handlers.filters import AuthorisedChat, GroupPolicy
from handlers.replies import answer_now, show, typing
from handlers.texts import Texts
from handlers.views import page_keyboard, page_text
from storage.expiries import ExpiryStore


async def load_page(plusofon: PlusofonClient, creds: Credentials, number: int) -> SmartNumberPage:
    """Page `number`, or the last one when the list has shrunk below it meanwhile."""
    page = await plusofon.list_page(creds, max(number, 1))
    if not page.data and (page.last_page or 1) < number:
        page = await plusofon.list_page(creds, page.last_page or 1)
    return page


def create_list_router() -> Router:
    router = Router(name="list")
    router.message.filter(AuthorisedChat())
    router.callback_query.filter(AuthorisedChat())
    router.message.middleware(GroupPolicy())
    router.callback_query.middleware(GroupPolicy())

    @router.message(Command("list"))
    async def list_command(message: Message, bot: Bot, creds: Credentials, plusofon: PlusofonClient,
                           mirror: Mirror, expiries: ExpiryStore, t: Texts) -> None:
        async with typing(bot, message.chat.id):
            page = await plusofon.list_page(creds, 1)
        mirror.saw_page(creds.user_id, page)
        await message.answer(page_text(page, t, expiries=expiries.of(creds.user_id)), reply_markup=page_keyboard(page))

    @router.callback_query(PageCallback.filter())
    async def turn_page(callback: CallbackQuery, callback_data: PageCallback, callback_answer: CallbackAnswer,
                        bot: Bot, creds: Credentials, plusofon: PlusofonClient, mirror: Mirror,
                        expiries: ExpiryStore, t: Texts) -> None:
        await answer_now(callback, callback_answer)
        chat_id = callback.message.chat.id if callback.message else callback.from_user.id
        async with typing(bot, chat_id):
            page = await load_page(plusofon, creds, callback_data.page)
        mirror.saw_page(creds.user_id, page)
        await show(callback, page_text(page, t, expiries=expiries.of(creds.user_id)), page_keyboard(page))

    return router
