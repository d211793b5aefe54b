"""/find <text> (and /list <text>): the matching numbers, paginated like /list, with their own page buttons."""

from __future__ import annotations

import math
from collections.abc import Mapping
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.plusofon import Credentials, PlusofonClient, SmartNumber, SmartNumberPage
from bot.recent import RecentNumbers
from bot.search import Query, SearchCache, parse_query, search
from handlers.callbacks import FindCallback
from handlers.filters import AuthorisedChat, GroupPolicy
from handlers.replies import answer_now, show, typing
from handlers.texts import Texts
from handlers.views import page_keyboard, page_text, shorten
from storage.expiries import ExpiryStore

PER_PAGE = 15
QUERY_SHOWN = 40  # characters of the query repeated in the header


async def found(query: Query, creds: Credentials, plusofon: PlusofonClient, cache: SearchCache,
                bot: Bot, chat_id: int) -> list[SmartNumber]:
    async with typing(bot, chat_id):
        numbers = await cache.numbers(creds.user_id, lambda: plusofon.list_all(creds))
    return search(numbers, query)


def results(matches: list[SmartNumber], query: Query, key: str, number: int, t: Texts,
            expiries: Mapping[int, float]) -> tuple[str, InlineKeyboardMarkup | None, list[SmartNumber]]:
    """Page `number` of the matches (the last one if there are fewer pages now): text, buttons, its numbers."""
    pages = max(1, math.ceil(len(matches) / PER_PAGE))
    number = min(max(number, 1), pages)
    shown = matches[(number - 1) * PER_PAGE: number * PER_PAGE]
    page = SmartNumberPage(current_page=number, data=shown, last_page=pages, total=len(matches), per_page=PER_PAGE)
    header = t.find_header.format(total=len(matches), query=escape(shorten(query.text, QUERY_SHOWN)),
                                  page=number, pages=pages)
    return page_text(page, t, header, expiries), page_keyboard(page, lambda n: FindCallback(key=key, page=n), key), shown


def nothing(query: Query, t: Texts) -> str:
    return t.find_nothing.format(query=escape(shorten(query.text, QUERY_SHOWN)))


def create_find_router() -> Router:
    """Must come before the /list router: it takes `/list <text>`."""
    router = Router(name="find")
    router.message.filter(AuthorisedChat())
    router.callback_query.filter(AuthorisedChat())
    router.message.middleware(GroupPolicy())
    router.callback_query.middleware(GroupPolicy())

    @router.message(Command("find"))
    @router.message(Command("list", magic=F.args))
    async def find_command(message: Message, command: CommandObject, bot: Bot, creds: Credentials,
                           plusofon: PlusofonClient, recent: RecentNumbers, search_cache: SearchCache,
                           expiries: ExpiryStore, t: Texts) -> None:
        query = parse_query(command.args)
        if query.empty:
            await message.answer(t.find_usage)
            return
        matches = await found(query, creds, plusofon, search_cache, bot, message.chat.id)
        if not matches:
            await message.answer(nothing(query, t))
            return
        key = search_cache.save_query(message.chat.id, creds.user_id, query.text)
        text, markup, shown = results(matches, query, key, 1, t, expiries.of(creds.user_id))
        recent.remember(creds.user_id, shown)
        await message.answer(text, reply_markup=markup)

    @router.callback_query(FindCallback.filter())
    async def turn_page(callback: CallbackQuery, callback_data: FindCallback, callback_answer: CallbackAnswer,
                        bot: Bot, creds: Credentials, plusofon: PlusofonClient, recent: RecentNumbers,
                        search_cache: SearchCache, expiries: ExpiryStore, t: Texts) -> None:
        chat_id = callback.message.chat.id if callback.message else callback.from_user.id
        typed = search_cache.query(callback_data.key, chat_id, creds.user_id)
        if typed is None:
            callback_answer.text, callback_answer.show_alert = t.find_expired, True
            return
        await answer_now(callback, callback_answer)
        query = parse_query(typed)
        matches = await found(query, creds, plusofon, search_cache, bot, chat_id)
        if not matches:
            await show(callback, nothing(query, t))
            return
        text, markup, shown = results(matches, query, callback_data.key, callback_data.page, t,
                                      expiries.of(creds.user_id))
        recent.remember(creds.user_id, shown)
        await show(callback, text, markup)

    return router
