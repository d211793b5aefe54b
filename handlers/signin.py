"""Signing in with the Plusofon e-mail and password: `/login` without arguments starts a private dialogue.

The dialogue's state (stored in SQLite, see storage.fsm) holds the e-mail only. The password message is
deleted first thing; the password goes to Plusofon's `login` and is dropped when the call returns.
"""

from __future__ import annotations

import logging
import re
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message, User

from bot.services.login_attempts import LoginAttempts
from bot.core.logs import secret_while
from bot.plusofon import AccountOwner, PlusofonClient, PlusofonError, WrongCredentials
from bot.core.settings import Settings
from handlers.errors import describe
from bot.services.journal import Journal
from handlers.replies import typing
from handlers.start import admins_hint
from handlers.texts import Texts
from storage.chats import ChatRepository

log = logging.getLogger(__name__)
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
DELETE_TRIES = 3


class SignIn(StatesGroup):
    email = State()
    password = State()


def may_connect(user: User | None, settings: Settings) -> bool:
    return user is not None and (user.id in settings.admin_ids or settings.allow_self_login)


def connected_text(owner: AccountOwner | None, user_id: int, t: Texts) -> str:
    """"Connected to <name> (<e-mail>), user_id N": whose account it is, as far as Plusofon said."""
    if owner is None:
        return t.login_done.format(user_id=user_id)
    email = f"{escape(owner.email)}, " if owner.email else ""
    name = f"{escape(owner.name)}, " if owner.name else ""
    return t.login_done_owner.format(name=name, email=email, user_id=user_id)


async def start_sign_in(message: Message, state: FSMContext, settings: Settings, attempts: LoginAttempts,
                        t: Texts) -> None:
    """`/login` without arguments."""
    user = message.from_user
    if message.chat.type != "private":
        await message.answer(t.signin_private_only)
        return
    if not may_connect(user, settings):
        await message.answer(t.login_not_allowed.format(admins=admins_hint(settings, t, message.chat)))
        return
    assert user is not None
    wait = attempts.wait_minutes(user.id)
    if wait:
        await message.answer(t.signin_too_many.format(minutes=wait))
        return
    await state.set_state(SignIn.email)
    await state.set_data({})
    await message.answer(t.signin_ask_email)


def create_signin_router() -> Router:
    router = Router(name="signin")
    router.message.filter(F.chat.type == "private")

    @router.message(Command("cancel"), StateFilter(SignIn.email, SignIn.password))
    async def cancel(message: Message, state: FSMContext, t: Texts) -> None:
        await state.clear()
        await message.answer(t.signin_cancelled)

    @router.message(SignIn.email, F.text, ~F.text.startswith("/"))
    async def email(message: Message, state: FSMContext, t: Texts) -> None:
        address = (message.text or "").strip()
        if not EMAIL_RE.fullmatch(address) or len(address) > 254:
            await message.answer(t.signin_bad_email)
            return
        await state.set_state(SignIn.password)
        # never the password: this goes to the database
        await state.set_data({"email": address, "email_message_id": message.message_id})
        await message.answer(t.signin_ask_password.format(email=escape(address)))

    @router.message(SignIn.password)
    async def password(message: Message, state: FSMContext, bot: Bot, chats: ChatRepository,
                       plusofon: PlusofonClient, settings: Settings, login_attempts: LoginAttempts,
                       journal: Journal, t: Texts) -> None:
        deleted = await _delete_at_once(message)  # first, whatever happens next
        data = await state.get_data()
        if not message.text:
            await message.answer(t.signin_password_as_text)
            return
        await state.clear()
        await _delete_quietly(bot, message.chat.id, data.get("email_message_id"))  # the e-mail: personal data
        address, user = data.get("email", ""), message.from_user
        if not deleted:
            await message.answer(t.signin_password_not_deleted)
        if user is None or not address or not may_connect(user, settings):
            await message.answer(t.login_not_allowed.format(admins=admins_hint(settings, t, message.chat)))
            return
        wait = login_attempts.wait_minutes(user.id)
        if wait:
            await message.answer(t.signin_too_many.format(minutes=wait))
            return
        left = login_attempts.record(user.id)
        try:
            with secret_while(message.text):
                async with typing(bot, message.chat.id):
                    tokens = await plusofon.login(address, message.text)
                    owner = await plusofon.authuser(tokens.token)
        except WrongCredentials:
            await message.answer(t.signin_wrong_password.format(left=left))
            await journal.account_event(message.chat, user, "login", "sign-in", result="rejected: wrong password")
            return
        except PlusofonError as error:
            await message.answer(t.login_rejected.format(reason=describe(error, t)))
            await journal.account_event(message.chat, user, "login", "sign-in",
                                        result=f"failed: {type(error).__name__}")
            return
        await chats.put(message.chat.id, owner.id, tokens.token, added_by=user.id,
                        refresh_token=tokens.refresh_token, email=owner.email or address)
        await journal.account_event(message.chat, user, "login", f"user_id {owner.id}, sign-in")
        await message.answer(f"{connected_text(owner, owner.id, t)}\n{t.signin_renews}")

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
