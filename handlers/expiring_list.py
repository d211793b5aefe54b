"""/expiring [term]: the account's temporary numbers, the soonest to go first, with ◀ ▶ and 🗑 Удалить все N."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.durations import TTLError, local_time, parse_ttl
from bot.core.models import SmartNumberPage
from bot.services.numbers import PER_PAGE, AccountNumbers, Expiring
from handlers.callbacks import DeleteExpiringCallback, ExpiringCallback
from handlers.job_views import with_delete_all
from handlers.replies import answer_now, show
from handlers.texts import Texts
from handlers.views import page_keyboard, page_text, shorten

VALUE_SHOWN = 20  # characters of a bad term repeated in the answer


async def expiring_command(message: Message, command: CommandObject, numbers: AccountNumbers, t: Texts) -> None:
    within = None
    if command.args:
        try:
            within = parse_ttl(command.args)
        except TTLError:
            await message.answer(t.expiring_usage.format(value=escape(shorten(command.args, VALUE_SHOWN))))
            return
    text, markup = results(await numbers.expiring(within), t)
    await message.answer(text, reply_markup=markup)


async def turn_page(callback: CallbackQuery, callback_data: ExpiringCallback, callback_answer: CallbackAnswer,
                    numbers: AccountNumbers, t: Texts) -> None:
    await answer_now(callback, callback_answer)
    found = await numbers.expiring(until=callback_data.until or None, page=callback_data.page)
    await show(callback, *results(found, t))


def results(found: Expiring, t: Texts) -> tuple[str, InlineKeyboardMarkup | None]:
    """A page of temporary numbers (each with its expiry), or that there are none: text and buttons."""
    if not found.total:
        if found.until is None:
            return t.expiring_empty, None
        return t.expiring_empty_window.format(when=local_time(found.until, t.language)), None
    until = found.until or 0
    window = t.expiring_window.format(when=local_time(until, t.language)) if until else ""
    page = SmartNumberPage(current_page=found.page, data=found.numbers, last_page=found.pages, total=found.total,
                           per_page=PER_PAGE)
    header = t.expiring_header.format(total=found.total, window=window, page=found.page, pages=found.pages)
    keyboard = page_keyboard(page, lambda n: ExpiringCallback(page=n, until=until))
    if found.total > 1:
        keyboard = with_delete_all(keyboard, DeleteExpiringCallback(until=until), found.total, t)
    return page_text(page, t, header, found.expiries), keyboard


def create_expiring_router() -> Router:
    router = Router(name="expiring")
    router.message.register(expiring_command, Command("expiring"))
    router.callback_query.register(turn_page, ExpiringCallback.filter())
    return router
