"""/find <text> (and /list <text>): the matching numbers, paginated like /list, with their own page buttons."""

from __future__ import annotations

import math
from collections.abc import Mapping
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.mirror import Mirror
from bot.plusofon import Credentials, SmartNumber, SmartNumberPage
from bot.search import Query, SearchCache, parse_query, terms
from handlers.callbacks import FindCallback
from handlers.filters import AuthorisedChat, GroupPolicy
from handlers.loading import Progress, as_of, complete_copy
from handlers.replies import answer_now, show, typing
from handlers.texts import Texts
from handlers.views import page_keyboard, page_text, shorten
from storage.expiries import ExpiryStore

PER_PAGE = 15
QUERY_SHOWN = 40  # characters of the query repeated in the header


def results(total: int, shown: list[SmartNumber], query: Query, key: str, number: int, t: Texts,
            expiries: Mapping[int, float], note: str = "") -> tuple[str, InlineKeyboardMarkup | None]:
    """Page `number` of `total` matches (`shown` holds its numbers), `note` under the header: text and buttons."""
    pages = max(1, math.ceil(total / PER_PAGE))
    page = SmartNumberPage(current_page=number, data=shown, last_page=pages, total=total, per_page=PER_PAGE)
    header = t.find_header.format(total=total, query=escape(shorten(query.text, QUERY_SHOWN)),
                                  page=number, pages=pages) + note
    return page_text(page, t, header, expiries), page_keyboard(page, lambda n: FindCallback(key=key, page=n), key)


async def matching(mirror: Mirror, account: int, query: Query, number: int) -> tuple[int, int, list[SmartNumber]]:
    """How many match, the page shown (the last one if there are fewer pages now), and its numbers."""
    total, shown = await mirror.search(account, terms(query), max(number, 1))
    pages = max(1, math.ceil(total / PER_PAGE))
    if total and number > pages:
        number = pages
        total, shown = await mirror.search(account, terms(query), number)
    return total, max(1, min(number, pages)), shown


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
                           mirror: Mirror, search_cache: SearchCache, expiries: ExpiryStore, t: Texts) -> None:
        query = parse_query(command.args)
        if query.empty:
            await message.answer(t.find_usage)
            return
        progress = Progress(bot, message.chat.id, t)
        async with typing(bot, message.chat.id):
            fresh = await mirror.check(creds)
        if not await complete_copy(mirror, fresh, creds.user_id, progress):
            return
        total, number, shown = await matching(mirror, creds.user_id, query, 1)
        if not total:
            await progress.finish(nothing(query, t) + as_of(fresh, t))
            return
        key = search_cache.save_query(message.chat.id, creds.user_id, query.text)
        text, markup = results(total, shown, query, key, number, t, expiries.of(creds.user_id), as_of(fresh, t))
        await progress.finish(text, markup)

    @router.callback_query(FindCallback.filter())
    async def turn_page(callback: CallbackQuery, callback_data: FindCallback, callback_answer: CallbackAnswer,
                        creds: Credentials, mirror: Mirror, search_cache: SearchCache, expiries: ExpiryStore,
                        t: Texts) -> None:
        chat_id = callback.message.chat.id if callback.message else callback.from_user.id
        typed = search_cache.query(callback_data.key, chat_id, creds.user_id)
        if typed is None:
            callback_answer.text, callback_answer.show_alert = t.find_expired, True
            return
        await answer_now(callback, callback_answer)
        if not mirror.trusted(creds):  # the copy answers only a token Plusofon accepts
            await mirror.check(creds)
        query = parse_query(typed)
        total, number, shown = await matching(mirror, creds.user_id, query, callback_data.page)
        if not total:
            await show(callback, nothing(query, t))
            return
        text, markup = results(total, shown, query, callback_data.key, number, t, expiries.of(creds.user_id))
        await show(callback, text, markup)

    return router
