"""/del <id> and 🗑: a server-side, one-shot, owner-only confirmation, then the delete."""

from __future__ import annotations

import re

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Chat, Message, User
from aiogram.utils.callback_answer import CallbackAnswer

from bot.mirror import Mirror
from bot.plusofon import Credentials, NotFoundError, PlusofonClient, PlusofonError, SmartNumber
from handlers.callbacks import ConfirmCallback, DeleteCallback
from handlers.confirming import claim
from handlers.errors import describe
from handlers.filters import AuthorisedChat, GroupPolicy
from handlers.journal import Journal
from handlers.replies import answer_now, show, typing
from handlers.texts import Texts
from handlers.views import confirm_keyboard, number_block
from storage.chats import ChatAuth
from storage.confirmations import Confirmation, ConfirmationStore
from storage.expiries import ExpiryStore

ACTION = "delete"
CONFIRMATION_DESCRIPTION_CUT = 1000  # the whole label as a rule, yet always one Telegram message
_POSITIVE_INT = re.compile(r"^[0-9]{1,18}$")


async def ask_confirmation(bot: Bot, chat: Chat, user: User, number: SmartNumber, auth: ChatAuth,
                           confirmations: ConfirmationStore, t: Texts) -> None:
    key = await confirmations.create(
        chat_id=chat.id, user_id=user.id, action=ACTION,
        payload={"account": auth.user_id, "number": number.model_dump(mode="json", by_alias=True)},
    )
    await bot.send_message(chat.id, t.del_confirm.format(number=number_block(number, t, cut=CONFIRMATION_DESCRIPTION_CUT)),
                           reply_markup=confirm_keyboard(key, t))


async def gone(account: int, number_id: int, mirror: Mirror, expiries: ExpiryStore) -> None:
    """The number no longer exists: the copy drops it, and it has no expiry to keep."""
    await mirror.removed(account, number_id)
    await expiries.remove(account, number_id)


def create_delete_router() -> Router:
    router = Router(name="delete")
    router.message.filter(AuthorisedChat())
    router.callback_query.filter(AuthorisedChat())
    router.message.middleware(GroupPolicy())
    router.callback_query.middleware(GroupPolicy())

    @router.message(Command("del"))
    async def del_command(message: Message, command: CommandObject, bot: Bot, auth: ChatAuth, creds: Credentials,
                          mirror: Mirror, confirmations: ConfirmationStore, t: Texts) -> None:
        if message.sender_chat is not None:  # an anonymous admin or a channel: nobody to confirm it
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
        async with typing(bot, message.chat.id):
            number = await mirror.locate(creds, number_id)  # as Plusofon has it now: the copy knows its page
        if number is None:
            await message.answer(t.del_not_found.format(id=number_id))
            return
        if message.from_user is not None:
            await ask_confirmation(bot, message.chat, message.from_user, number, auth, confirmations, t)

    @router.callback_query(DeleteCallback.filter())
    async def delete_button(callback: CallbackQuery, callback_data: DeleteCallback, callback_answer: CallbackAnswer,
                            bot: Bot, auth: ChatAuth, creds: Credentials, mirror: Mirror,
                            confirmations: ConfirmationStore, t: Texts) -> None:
        if callback.message is None:
            return
        await answer_now(callback, callback_answer)
        async with typing(bot, callback.message.chat.id):
            number = await mirror.number(creds, callback_data.id)  # a page just shown is in the copy
        if number is None:
            await bot.send_message(callback.message.chat.id, t.del_not_found.format(id=callback_data.id))
            return
        await ask_confirmation(bot, callback.message.chat, callback.from_user, number, auth, confirmations, t)

    @router.callback_query(ConfirmCallback.filter())
    async def confirm(callback: CallbackQuery, callback_data: ConfirmCallback, callback_answer: CallbackAnswer,
                      bot: Bot, auth: ChatAuth, creds: Credentials, plusofon: PlusofonClient, mirror: Mirror,
                      confirmations: ConfirmationStore, journal: Journal, expiries: ExpiryStore,
                      t: Texts) -> None:
        async def expired(pending: Confirmation) -> None:
            number_id = pending.payload["number"]["id"]
            callback_answer.text, callback_answer.show_alert = t.confirmation_expired.format(id=number_id), True
            await show(callback, t.confirmation_expired_text.format(id=number_id))

        pending = await claim(callback, callback_answer, callback_data.key, action=ACTION, account=creds.user_id,
                              confirmations=confirmations, t=t, on_expired=expired)
        if pending is None or callback.message is None:
            return
        chat = callback.message.chat
        number = SmartNumber.model_validate(pending.payload["number"])
        if not callback_data.yes:
            await show(callback, t.del_cancelled)
            return
        await answer_now(callback, callback_answer)
        block = number_block(number, t, cut=CONFIRMATION_DESCRIPTION_CUT)
        try:
            async with typing(bot, chat.id):
                await plusofon.delete(creds, number.id)
        except NotFoundError:
            await gone(creds.user_id, number.id, mirror, expiries)
            if not pending.payload.get("tried"):
                await show(callback, t.del_already_gone.format(number=block))
                return
            # an earlier attempt that seemed to fail went through after all: it was this user's delete
        except PlusofonError as error:
            await confirmations.release(pending.key, {**pending.payload, "tried": True})
            await journal.number_changed(auth, chat, callback.from_user, added=False, number=number,
                                         error=type(error).__name__)
            await show(callback, t.del_failed.format(error=describe(error, t), number=block),
                       confirm_keyboard(pending.key, t))
            return
        await gone(creds.user_id, number.id, mirror, expiries)
        await show(callback, t.del_done.format(number=block))
        await journal.number_changed(auth, chat, callback.from_user, added=False, number=number)

    return router
