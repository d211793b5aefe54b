"""/find <text> (and /list <text>): the matching numbers, paginated like /list, with their own page buttons."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.models import SmartNumberPage
from bot.services.numbers import PER_PAGE, AccountNumbers, Loading, Search
from bot.services.search import parse_query
from handlers.callbacks import DeleteAllCallback, FindCallback
from handlers.job_views import with_delete_all
from handlers.loading import Progress, as_of, still_loading
from handlers.replies import alert, answer_now, show, typing
from handlers.texts import Texts
from handlers.views import page_keyboard, page_text, shorten

QUERY_SHOWN = 40  # characters of the query repeated in the header


async def find_command(message: Message, command: CommandObject, numbers: AccountNumbers, t: Texts) -> None:
    query = parse_query(command.args)
    if query.empty:
        await message.answer(t.find_usage)
        return
    progress = Progress(message.bot, message.chat.id, t)
    async with typing(message.bot, message.chat.id):
        found = await numbers.find(query, progress)
    if isinstance(found, Loading):
        await progress.finish(still_loading(found, t))
        return
    note = as_of(found.fresh, t) if found.fresh is not None else ""
    await progress.finish(*results(found, t, note))


async def turn_page(callback: CallbackQuery, callback_data: FindCallback, callback_answer: CallbackAnswer,
                    numbers: AccountNumbers, t: Texts) -> None:
    found = await numbers.find_page(callback_data.key, callback_data.page)
    if found is None:
        alert(callback_answer, t.find_expired)
        return
    await answer_now(callback, callback_answer)
    await show(callback, *results(found, t))


def results(found: Search, t: Texts, note: str = "") -> tuple[str, InlineKeyboardMarkup | None]:
    """The page of matches found (`note` under the header), or that nothing matches: text and buttons."""
    query = escape(shorten(found.query.text, QUERY_SHOWN))
    if not found.total:
        return t.find_nothing.format(query=query) + note, None
    page = SmartNumberPage(current_page=found.page, data=found.numbers, last_page=found.pages, total=found.total,
                           per_page=PER_PAGE)
    header = t.find_header.format(total=found.total, query=query, page=found.page, pages=found.pages) + note
    keyboard = page_keyboard(page, lambda n: FindCallback(key=found.key, page=n), found.key)
    if found.total > 1:
        keyboard = with_delete_all(keyboard, DeleteAllCallback(key=found.key), found.total, t)
    return page_text(page, t, header, found.expiries), keyboard


def create_find_router() -> Router:
    """Must come before the /list router: it takes `/list <text>`."""
    router = Router(name="find")
    router.message.register(find_command, Command("find"))
    router.message.register(find_command, Command("list", magic=F.args))
    router.callback_query.register(turn_page, FindCallback.filter())
    return router
