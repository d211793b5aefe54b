"""The rules every ✅/❌ confirmation keeps: only in its own chat and account, only its owner may press it,
once, and not after it expired."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer

from handlers.texts import Texts
from storage.confirmations import Confirmation, ConfirmationStore, Status


async def claim(callback: CallbackQuery, callback_answer: CallbackAnswer, key: str, *, action: str, account: int,
                confirmations: ConfirmationStore, t: Texts,
                on_expired: Callable[[Confirmation], Awaitable[None]]) -> Confirmation | None:
    """The confirmation behind `key`, now used up, if this press may act on it; otherwise the press is
    answered (stale, not yours, done already, expired: `on_expired` tells the chat) and None returned."""
    chat = callback.message.chat if callback.message is not None else None
    pending = await confirmations.get(key)
    if (pending is None or chat is None or pending.chat_id != chat.id or pending.action != action
            or pending.payload.get("account") != account):
        callback_answer.text, callback_answer.show_alert = t.stale_button, True
        return None
    if pending.user_id != callback.from_user.id:
        callback_answer.text, callback_answer.show_alert = t.not_yours, True
        return None
    status = pending.status()
    if status is Status.USED:
        callback_answer.text = t.confirmation_used
        return None
    if status is Status.EXPIRED:
        await on_expired(pending)
        return None
    if not await confirmations.consume(pending.key):
        callback_answer.text = t.confirmation_used
        return None
    return pending
