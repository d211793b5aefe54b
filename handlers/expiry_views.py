"""How temporary numbers look: the reminder before the expiry, the `Срок` choices of /add, the mark in lists."""

from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.core.durations import local_time, parse_ttl, ttl_label
from handlers.callbacks import AddCallback, ExpiryCallback
from handlers.texts import Texts
from handlers.views import number_block
from storage.expiries import Expiry

TTL_CHOICES = ("12h", "7d", "30d")


def expiry_reminder(row: Expiry, t: Texts, now: float) -> tuple[str, InlineKeyboardMarkup]:
    """To the chat the number was added in, mentioning who added it: extend it, or delete it now."""
    hours = max(1, round((row.expires_at - now) / 3600))
    left = t.in_days.format(days=round(hours / 24)) if hours >= 36 else t.in_hours.format(hours=hours)
    fields = {"when": local_time(row.expires_at, t.language), "left": left, "number": number_block(row.number(), t)}
    if row.user_id is None:
        text = t.reminder_nobody.format(**fields)
    else:
        name = escape(row.user_name) or str(row.user_id)
        text = t.reminder.format(who=f'<a href="tg://user?id={row.user_id}">{name}</a>', **fields)
    builder = InlineKeyboardBuilder()
    at = int(row.expires_at)
    builder.button(text=t.button_extend, callback_data=ExpiryCallback(action="more", id=row.number_id, at=at))
    builder.button(text=t.button_delete_now, callback_data=ExpiryCallback(action="now", id=row.number_id, at=at))
    return text, builder.as_markup()


def ttl_keyboard(t: Texts, *, user: int) -> InlineKeyboardMarkup:
    """The /add dialogue's terms, for the dialogue of `user`."""
    builder = InlineKeyboardBuilder()
    for choice in TTL_CHOICES:
        builder.button(text=ttl_label(parse_ttl(choice), t.language),
                       callback_data=AddCallback(action="ttl", value=choice, user=user))
    builder.button(text=t.button_no_ttl, callback_data=AddCallback(action="ttl", value="", user=user))
    builder.button(text=t.button_cancel, callback_data=AddCallback(action="cancel", user=user))
    builder.adjust(3, 1, 1)
    return builder.as_markup()
