"""What a press on a ✅/❌ that may not act hears (bot.services.confirmations says why it may not)."""

from __future__ import annotations

from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer

from bot.services.confirmations import Refusal
from handlers.replies import alert, show
from handlers.texts import Texts


async def refuse(callback: CallbackQuery, callback_answer: CallbackAnswer, refusal: Refusal, t: Texts, *,
                 expired: tuple[str, str] | None = None) -> None:
    """Stale, not yours, done already, or expired: `expired` is the alert and the message's new text then."""
    if refusal is Refusal.USED:
        callback_answer.text = t.confirmation_used
    elif refusal is Refusal.EXPIRED and expired is not None:
        alert(callback_answer, expired[0])
        await show(callback, expired[1])
    else:
        alert(callback_answer, t.not_yours if refusal is Refusal.NOT_YOURS else t.stale_button)
