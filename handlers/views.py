"""How smart numbers look in a message: text and inline keyboards. Every user or API string is escaped here."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.phones import display
from bot.plusofon import SmartNumber, SmartNumberPage
from handlers.callbacks import AddCallback, ConfirmCallback, DeleteCallback, PageCallback
from handlers.texts import Texts

TELEGRAM_TEXT_LIMIT = 4096
DESCRIPTION_CUT = 60
DELETE_BUTTONS_PER_ROW = 3


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def number_block(number: SmartNumber, t: Texts, *, cut: int = DESCRIPTION_CUT) -> str:
    """phoneX → phoneB, then the description, then id and date: one number in a few lines."""
    description = shorten(number.description.strip(), cut)
    described = escape(description) if description else f"<i>{t.no_description}</i>"
    created = f" · {number.created_at:%d.%m.%Y}" if number.created_at else ""
    return (f"📞 {display(number.phone_x)} → {display(number.phone_b)}\n"
            f"{described}\n"
            f"<code>id {number.id}</code>{created}")


def page_text(page: SmartNumberPage, t: Texts, header: str | None = None) -> str:
    if not page.data:
        return t.list_empty
    if header is None:
        header = t.list_header.format(total=page.total, page=page.current_page, pages=page.last_page)
    cut = DESCRIPTION_CUT
    while True:
        text = "\n\n".join([header, *(number_block(number, t, cut=cut) for number in page.data)])
        if len(text) < TELEGRAM_TEXT_LIMIT or cut <= 10:
            return text[: TELEGRAM_TEXT_LIMIT - 1]
        cut //= 2


def page_keyboard(page: SmartNumberPage, turn: Callable[[int], CallbackData] | None = None
                  ) -> InlineKeyboardMarkup | None:
    """◀ n/N ▶ (when there is more than one page), then a 🗑 per number, three a row.

    `turn(n)` is the callback data that shows page n (default: a page of /list).

    Built directly, not with InlineKeyboardBuilder, which copies every button: this is on the hot path."""
    current, last = page.current_page, page.last_page or 1
    rows: list[list[InlineKeyboardButton]] = []
    if last > 1:
        if turn is None:
            turn = _list_page
        navigation = [_button(f"{current}/{last}", turn(current))]
        if current > 1:
            navigation.insert(0, _button("◀", turn(current - 1)))
        if current < last:
            navigation.append(_button("▶", turn(current + 1)))
        rows.append(navigation)
    trash = [_button(f"🗑 {number.id}", DeleteCallback(id=number.id)) for number in page.data]
    rows += [trash[i:i + DELETE_BUTTONS_PER_ROW] for i in range(0, len(trash), DELETE_BUTTONS_PER_ROW)]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def _list_page(page: int) -> CallbackData:
    return PageCallback(page=page)


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def delete_button(number_id: int, t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t.button_delete, callback_data=DeleteCallback(id=number_id))
    return builder.as_markup()


def confirm_keyboard(key: str, t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t.button_confirm_delete, callback_data=ConfirmCallback(key=key, yes=True))
    builder.button(text=t.button_cancel, callback_data=ConfirmCallback(key=key, yes=False))
    return builder.as_markup()


def add_keyboard(t: Texts, *, skip: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if skip:
        builder.button(text=t.button_skip, callback_data=AddCallback(action="skip"))
    builder.button(text=t.button_cancel, callback_data=AddCallback(action="cancel"))
    return builder.as_markup()


def person(first_name: str, last_name: str | None, username: str | None) -> str:
    name = escape(" ".join(part for part in (first_name, last_name) if part))
    return f"{name} (@{escape(username)})" if username else name
