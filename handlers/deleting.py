"""/del <id> and 🗑: a server-side, one-shot, owner-only confirmation, then the delete."""

from __future__ import annotations

import re

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.services.confirmations import Refusal
from bot.services.numbers import AccountNumbers, DeleteAsked, Refused
from handlers.callbacks import ConfirmCallback, DeleteCallback
from handlers.confirming import refuse
from handlers.errors import describe
from handlers.replies import answer_now, show, typing
from handlers.texts import Texts
from handlers.views import confirm_keyboard, number_block

CONFIRMATION_DESCRIPTION_CUT = 1000  # the whole label as a rule, yet always one Telegram message
_POSITIVE_INT = re.compile(r"^[0-9]{1,18}$")


async def del_command(message: Message, command: CommandObject, numbers: AccountNumbers, t: Texts) -> None:
    if message.sender_chat is not None or message.from_user is None:  # an anonymous admin or a channel
        await message.answer(t.anonymous_cannot_delete)
        return
    argument = (command.args or "").strip()
    if not argument:
        await message.answer(t.del_usage)
        return
    if not _POSITIVE_INT.match(argument) or int(argument) == 0:
        await message.answer(t.del_bad_id)
        return
    number_id = int(argument)
    async with typing(message.bot, message.chat.id):  # as Plusofon has it now: the copy knows its page
        asked = await numbers.ask_delete(message.chat.id, message.from_user.id, number_id, locate=True)
    if asked is None:
        await message.answer(t.del_not_found.format(id=number_id))
        return
    await ask(message.bot, message.chat.id, asked, t)


async def delete_button(callback: CallbackQuery, callback_data: DeleteCallback, callback_answer: CallbackAnswer,
                        numbers: AccountNumbers, t: Texts) -> None:
    if callback.message is None:
        return
    await answer_now(callback, callback_answer)
    chat_id = callback.message.chat.id
    async with typing(callback.bot, chat_id):
        asked = await numbers.ask_delete(chat_id, callback.from_user.id, callback_data.id)
    if asked is None:
        await callback.bot.send_message(chat_id, t.del_not_found.format(id=callback_data.id))
        return
    await ask(callback.bot, chat_id, asked, t)


async def confirm(callback: CallbackQuery, callback_data: ConfirmCallback, callback_answer: CallbackAnswer,
                  numbers: AccountNumbers, t: Texts) -> None:
    if callback.message is None:
        await refuse(callback, callback_answer, Refusal.STALE, t)
        return
    async def claimed() -> None:  # the delete may take a while: no spinner meanwhile
        await answer_now(callback, callback_answer)

    async with typing(callback.bot, callback.message.chat.id):
        done = await numbers.delete(callback.message.chat, callback.from_user, callback_data.key,
                                    yes=callback_data.yes, claimed=claimed)
    if isinstance(done, Refused):
        number_id = done.number.id if done.number is not None else 0
        await refuse(callback, callback_answer, done.refusal, t,
                     expired=(t.confirmation_expired.format(id=number_id),
                              t.confirmation_expired_text.format(id=number_id)))
        return
    block = number_block(done.number, t, cut=CONFIRMATION_DESCRIPTION_CUT)
    if done.outcome == "cancelled":
        await show(callback, t.del_cancelled)
    elif done.outcome == "gone":
        await show(callback, t.del_already_gone.format(number=block))
    elif done.error is not None:
        await show(callback, t.del_failed.format(error=describe(done.error, t), number=block),
                   confirm_keyboard(done.key, t))
    else:
        await show(callback, t.del_done.format(number=block))


async def ask(bot: Bot, chat_id: int, asked: DeleteAsked, t: Texts) -> None:
    """The question before a delete, with its ✅/❌."""
    await bot.send_message(chat_id, t.del_confirm.format(number=number_block(asked.number, t,
                                                                           cut=CONFIRMATION_DESCRIPTION_CUT)),
                           reply_markup=confirm_keyboard(asked.key, t))


def create_delete_router() -> Router:
    router = Router(name="delete")
    router.message.register(del_command, Command("del"))
    router.callback_query.register(delete_button, DeleteCallback.filter())
    router.callback_query.register(confirm, ConfirmCallback.filter())
    return router
