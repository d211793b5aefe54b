"""Small helpers shared by the handlers: typing indicator, safe edits, early callback answers."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.chat_action import ChatActionSender

log = logging.getLogger(__name__)

TYPING_AFTER = 0.3  # seconds: answers faster than this need no "typing…"


def typing(bot: Bot, chat_id: int) -> ChatActionSender:
    """While the API is slow, the chat shows "typing…"."""
    return ChatActionSender.typing(chat_id=chat_id, bot=bot, initial_sleep=TYPING_AFTER)


async def answer_now(callback: CallbackQuery, callback_answer: CallbackAnswer, text: str | None = None,
                     *, alert: bool = False) -> None:
    """Answer the callback before slow work, so that no spinner hangs on the button."""
    callback_answer.disable()
    await callback.answer(text, show_alert=alert)


async def show(callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Edit the button's message into `text`; the same content again is fine; a lost message gets a new one."""
    message = callback.message
    if isinstance(message, Message):
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest as error:
            if "message is not modified" in error.message:
                return
            log.info("cannot edit message %s in chat %s (%s): sending a new one",
                     message.message_id, message.chat.id, error.message)
    if message is not None:
        await callback.bot.send_message(message.chat.id, text, reply_markup=markup)


async def drop_keyboard(callback: CallbackQuery) -> None:
    """Take the buttons off the button's message (they have done their job)."""
    if isinstance(callback.message, Message) and callback.message.reply_markup is not None:
        try:
            await callback.message.edit_reply_markup(reply_markup=None)
        except TelegramBadRequest as error:
            log.info("cannot remove the buttons of message %s: %s", callback.message.message_id, error.message)


def alert(callback_answer: CallbackAnswer, text: str) -> None:
    """The callback's answer: `text` in a box the user must close."""
    callback_answer.text, callback_answer.show_alert = text, True


def chat_id_of(callback: CallbackQuery) -> int:
    """The chat of the button's message; the user's own chat when Telegram no longer says (a message too old)."""
    return callback.message.chat.id if callback.message else callback.from_user.id
