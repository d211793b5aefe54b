"""How smart numbers look in a message: text and inline keyboards. Every user or API string is escaped here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import CopyTextButton, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.core.durations import local_time
from bot.core.phones import display, display_text
from bot.plusofon import SmartNumber, SmartNumberPage
from handlers.callbacks import (
    AddCallback,
    CardCallback,
    ConfirmCallback,
    DeleteCallback,
    DuplicateCallback,
    ExpiryCallback,
    PageCallback,
)
from handlers.texts import Texts

NO_EXPIRIES: Mapping[int, float] = {}
TELEGRAM_TEXT_LIMIT = 4096
DESCRIPTION_CUT = 60
CARD_DESCRIPTION_CUT = 1000  # only when the whole one would not fit in a message


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def number_block(number: SmartNumber, t: Texts, *, cut: int = DESCRIPTION_CUT,
                 expires_at: float | None = None) -> str:
    """phoneX → phoneB, then the description, then id and date (and the expiry of a temporary number)."""
    description = shorten(number.description.strip(), cut)
    described = escape(description) if description else f"<i>{t.no_description}</i>"
    created = f" · {number.created_at:%d.%m.%Y}" if number.created_at else ""
    temporary = "\n" + temporary_until(expires_at, t) if expires_at is not None else ""
    return (f"📞 {display(number.phone_x)} → {display(number.phone_b)}\n"
            f"{described}\n"
            f"<code>id {number.id}</code>{created}{temporary}")


def temporary_until(expires_at: float, t: Texts) -> str:
    return t.temporary_until.format(when=local_time(expires_at, t.language))


def page_text(page: SmartNumberPage, t: Texts, header: str | None = None,
              expiries: Mapping[int, float] = NO_EXPIRIES) -> str:
    """The page's numbers under a header; `expiries` (number id → Unix time) marks the temporary ones."""
    if not page.data:
        return t.list_empty
    if header is None:
        header = t.list_header.format(total=page.total, page=page.current_page, pages=page.last_page)
    cut = DESCRIPTION_CUT
    while True:
        blocks = (number_block(number, t, cut=cut, expires_at=expiries.get(number.id)) for number in page.data)
        text = "\n\n".join([header, *blocks])
        if len(text) < TELEGRAM_TEXT_LIMIT or cut <= 10:
            return text[: TELEGRAM_TEXT_LIMIT - 1]
        cut //= 2


def page_keyboard(page: SmartNumberPage, turn: Callable[[int], CallbackData] | None = None, key: str = ""
                  ) -> InlineKeyboardMarkup | None:
    """◀ n/N ▶ (when there is more than one page), then a row per number: 📇 its card, 🗑 its delete.

    `turn(n)` is the callback data that shows page n (default: a page of /list); `key` is the /find query's key
    ("" for /list), so that a card's ◀ Назад leads back here.

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
    rows += [[_button(f"📇 {display_text(number.phone_x)}", CardCallback(id=number.id, page=current, key=key)),
              _button(f"🗑 {number.id}", DeleteCallback(id=number.id))] for number in page.data]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def _list_page(page: int) -> CallbackData:
    return PageCallback(page=page)


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def card_text(number: SmartNumber, t: Texts, expires_at: float | None = None) -> str:
    """Everything about one number: phoneX, → phoneB, phoneA when set, the whole description, id and date,
    and the expiry of a temporary number."""
    phones = [t.card_phone_x.format(phone=display(number.phone_x)),
              t.card_phone_b.format(phone=display(number.phone_b))]
    if number.phone_a:
        phones.append(t.card_phone_a.format(phone=display(number.phone_a)))
    footer = f"<code>id {number.id}</code>"
    if number.created_at:
        footer += " · " + t.card_created.format(date=f"{number.created_at:%d.%m.%Y %H:%M}")
    if expires_at is not None:
        footer += "\n" + temporary_until(expires_at, t)
    description = number.description.strip()
    while True:
        described = escape(description) if description else f"<i>{t.no_description}</i>"
        text = "\n\n".join([t.card_title, "\n".join(phones), described, footer])
        if len(text) < TELEGRAM_TEXT_LIMIT or len(description) <= 10:
            return text[: TELEGRAM_TEXT_LIMIT - 1]
        description = shorten(description, min(len(description) // 2, CARD_DESCRIPTION_CUT))


def card_keyboard(number: SmartNumber, back: CallbackData, t: Texts,
                  expires_at: float | None = None) -> InlineKeyboardMarkup:
    """📋 copies phoneX (Telegram's copy-text button) and 📤 shares it (inline mode, in a chat the user picks),
    `Продлить на 7 дней` for a temporary number, then 🗑 Удалить and ◀ Назад to the page it came from."""
    rows: list[list[InlineKeyboardButton]] = []
    digits = "".join(ch for ch in number.phone_x if ch.isdigit())
    if digits:
        rows.append([InlineKeyboardButton(text=t.button_copy, copy_text=CopyTextButton(text="+" + digits)),
                     InlineKeyboardButton(text=t.button_share, switch_inline_query="+" + digits)])
    if expires_at is not None:
        rows.append([_button(t.button_extend, ExpiryCallback(action="more", id=number.id, at=int(expires_at)))])
    rows.append([_button(t.button_delete, DeleteCallback(id=number.id)), _button(t.button_back, back)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def back_keyboard(back: CallbackData, t: Texts) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_button(t.button_back, back)]])


def delete_button(number_id: int, t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t.button_delete, callback_data=DeleteCallback(id=number_id))
    return builder.as_markup()


def confirm_keyboard(key: str, t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t.button_confirm_delete, callback_data=ConfirmCallback(key=key, yes=True))
    builder.button(text=t.button_cancel, callback_data=ConfirmCallback(key=key, yes=False))
    return builder.as_markup()


def duplicate_keyboard(key: str, t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t.button_create_another, callback_data=DuplicateCallback(key=key, yes=True))
    builder.button(text=t.button_cancel, callback_data=DuplicateCallback(key=key, yes=False))
    return builder.as_markup()


def add_keyboard(t: Texts, *, skip: bool, user: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if skip:
        builder.button(text=t.button_skip, callback_data=AddCallback(action="skip", user=user))
    builder.button(text=t.button_cancel, callback_data=AddCallback(action="cancel", user=user))
    return builder.as_markup()


def person(first_name: str, last_name: str | None, username: str | None) -> str:
    name = escape(" ".join(part for part in (first_name, last_name) if part))
    return f"{name} (@{escape(username)})" if username else name
