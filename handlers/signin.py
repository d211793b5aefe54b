"""Signing in with the Plusofon e-mail and password: `/login` without arguments starts a private dialogue.

The dialogue's state (stored in SQLite, see storage.fsm) holds the e-mail only. The password message is
deleted first thing; the password goes to the sign-in (bot.services.logins) and is dropped when it returns.
"""

from __future__ import annotations

import logging
import re
import time
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from bot.plusofon import AccountOwner, WrongCredentials
from bot.services.container import Services
from bot.services.logins import LoginFailed, LoginRefusal, LoginRefused
from handlers.commands import command_words
from handlers.errors import describe
from handlers.replies import typing
from handlers.texts import Texts

log = logging.getLogger(__name__)
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
DELETE_TRIES = 3
PASSWORD_WITHIN = 600.0  # seconds from the e-mail to the password; later, the message is deleted and refused
PASSWORD_STEP_KEPT = 86400.0  # seconds the password step is remembered, so that a late password is still deleted


class SignIn(StatesGroup):
    email = State()
    password = State()


def connected_text(owner: AccountOwner | None, user_id: int, t: Texts) -> str:
    """"Connected to <name> (<e-mail>), user_id N": whose account it is, as far as Plusofon said."""
    if owner is None:
        return t.login_done.format(user_id=user_id)
    email = f"{escape(owner.email)}, " if owner.email else ""
    name = f"{escape(owner.name)}, " if owner.name else ""
    return t.login_done_owner.format(name=name, email=email, user_id=user_id)


def refused_text(refused: LoginRefused, t: Texts) -> str:
    """Why the sign-in may not start or go on (a /login with a token says NOT_PRIVATE its own way)."""
    if refused.why is LoginRefusal.NOT_PRIVATE:
        return t.signin_private_only
    if refused.why is LoginRefusal.TOO_MANY:
        return t.signin_too_many.format(minutes=refused.minutes)
    return t.login_not_allowed


async def start_sign_in(message: Message, state: FSMContext, services: Services, t: Texts) -> None:
    """`/login` without arguments."""
    refused = services.logins.begin(message.chat, message.from_user)
    if refused is not None:
        await message.answer(refused_text(refused, t))
        return
    await state.set_state(SignIn.email)
    await state.set_data({})
    await message.answer(t.signin_ask_email)


async def cancel(message: Message, state: FSMContext, t: Texts) -> None:
    await state.clear()
    await message.answer(t.signin_cancelled)


async def email(message: Message, state: FSMContext, t: Texts) -> None:
    address = (message.text or "").strip()
    if not EMAIL_RE.fullmatch(address) or len(address) > 254:
        await message.answer(t.signin_bad_email)
        return
    await state.set_state(SignIn.password)
    # never the password: this goes to the database
    await state.set_data({"email": address, "email_message_id": message.message_id, "asked_at": time.time()})
    await message.answer(t.signin_ask_password.format(email=escape(address)))


async def password(message: Message, state: FSMContext, services: Services, t: Texts) -> None:
    """Any message in the password step: deleted first; a command (/cancel too) leaves the dialogue, and a
    password later than PASSWORD_WITHIN after the e-mail is refused (whoever sends it may not be the one who
    started)."""
    deleted = await _delete_at_once(message)  # first, whatever happens next
    data = await state.get_data()
    command = command_words(message.text or message.caption or "")
    left = command is not None
    late = time.time() - float(data.get("asked_at") or 0) > PASSWORD_WITHIN
    if not message.text and not left and not late:
        await message.answer(t.signin_password_as_text)
        return
    await state.clear()
    await _delete_quietly(message.bot, message.chat.id, data.get("email_message_id"))  # the e-mail: personal data
    if left or late:
        warning = "" if deleted else f"\n\n{t.signin_password_not_deleted}"
        done = (t.signin_too_late.format(minutes=int(PASSWORD_WITHIN // 60)) if command is None
                else t.signin_cancelled if command[0] == "cancel" else t.signin_left)
        await message.answer(done + warning)
        return
    if not deleted:
        await message.answer(t.signin_password_not_deleted)
    async with typing(message.bot, message.chat.id):
        outcome = await services.logins.with_password(message.chat, message.from_user, data.get("email", ""),
                                                      message.text)
    if isinstance(outcome, LoginRefused):
        await message.answer(refused_text(outcome, t))
    elif isinstance(outcome, LoginFailed):
        await message.answer(t.signin_wrong_password.format(left=outcome.attempts_left)
                             if isinstance(outcome.error, WrongCredentials)
                             else t.login_rejected.format(reason=describe(outcome.error, t)))
    else:
        await message.answer(f"{connected_text(outcome.owner, outcome.user_id, t)}\n{t.signin_renews}")


def create_signin_router() -> Router:
    router = Router(name="signin")
    router.message.filter(F.chat.type == "private")
    router.message.register(password, SignIn.password)  # first: whatever comes in that step may be the password
    router.message.register(cancel, Command("cancel"), StateFilter(SignIn.email))
    router.message.register(email, SignIn.email, F.text, ~F.text.startswith("/"))
    return router


async def _delete_at_once(message: Message) -> bool:
    """Delete the message, trying again a couple of times: it may hold a password."""
    for attempt in range(DELETE_TRIES):
        try:
            await message.delete()
            return True
        except TelegramAPIError as error:
            if "not found" in str(error).lower():
                return True
            log.warning("could not delete a password message in chat %s (try %d): %s",
                        message.chat.id, attempt + 1, type(error).__name__)
    return False


async def _delete_quietly(bot: Bot, chat_id: int, message_id: object) -> None:
    if not isinstance(message_id, int):
        return
    try:
        await bot.delete_message(chat_id, message_id)
    except TelegramAPIError as error:
        log.info("could not delete the e-mail message in chat %s: %s", chat_id, type(error).__name__)
