"""Connecting chats from Telegram: /login, /logout, /link, /unlink; the group policy /access."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.plusofon import AuthenticationError, PlusofonError, UserNotFoundError
from bot.services.chat_access import Disconnected, Refusal, Refused, Sender
from bot.services.container import Services
from bot.services.logins import Connected, LoginFailed, LoginRefusal, LoginRefused
from bot.services.owner import NoAuthuser
from handlers.errors import describe
from handlers.replies import typing
from handlers.signin import connected_text, refused_text, start_sign_in
from handlers.texts import Texts
from storage.chats import ChatAuth

log = logging.getLogger(__name__)


async def login(message: Message, command: CommandObject, state: FSMContext, services: Services,
                t: Texts) -> None:
    words = (command.args or "").split()  # the token is registered for redaction once it is connected
    if not words:
        await start_sign_in(message, state, services, t)
        return
    deleted = await _delete(message)  # the token must not stay in the chat a moment longer
    async with typing(message.bot, message.chat.id):
        outcome = await services.logins.with_token(message.chat, message.from_user, words)
    await message.answer(_login_answer(outcome, deleted, t))


async def logout(message: Message, auth: ChatAuth | None, services: Services, t: Texts) -> None:
    outcome = await services.chat_access.logout(Sender.of(message), auth)
    await message.answer(t.logout_done if isinstance(outcome, Disconnected) else _refused(outcome, t))


async def link(message: Message, auth: ChatAuth | None, services: Services, t: Texts) -> None:
    outcome = await services.chat_access.link(Sender.of(message), auth)
    if isinstance(outcome, Refused):
        await message.answer(t.link_usage if outcome.refusal is Refusal.GROUP_ONLY else _refused(outcome, t))
        return
    await message.answer(t.link_done.format(user_id=outcome.user_id))


async def unlink(message: Message, auth: ChatAuth | None, services: Services, t: Texts) -> None:
    outcome = await services.chat_access.unlink(Sender.of(message), auth)
    await message.answer(t.unlink_done if isinstance(outcome, Disconnected) else _refused(outcome, t))


async def access(message: Message, command: CommandObject, auth: ChatAuth | None, services: Services,
                 t: Texts) -> None:
    wanted = (command.args or "").strip().lower()
    admins_only = {"admins": True, "all": False}.get(wanted)
    outcome = await services.chat_access.policy(Sender.of(message), auth, admins_only)
    if isinstance(outcome, Refused):
        if outcome.refusal is Refusal.NOT_CONNECTED:
            await message.answer(t.not_connected.format(chat_id=message.chat.id))
        else:
            await message.answer(_refused(outcome, t))
        return
    who = t.access_admins if outcome.admins_only else t.access_all
    await message.answer((t.access_changed if outcome.changed else t.access_state).format(who=who))


def create_account_router() -> Router:
    router = Router(name="account")
    router.message.register(login, Command("login"))
    router.edited_message.register(login, Command("login"))  # a token edited in must go as fast as a new one
    router.message.register(logout, Command("logout"))
    router.message.register(link, Command("link"))
    router.message.register(unlink, Command("unlink"))
    router.message.register(access, Command("access"))
    return router


def _login_answer(outcome: Connected | LoginRefused | LoginFailed, deleted: bool, t: Texts) -> str:
    """The answer to `/login [user_id] <token>`, whose message was `deleted` or not."""
    if isinstance(outcome, Connected):
        done = connected_text(outcome.owner, outcome.user_id, t)
        return done if deleted else f"{done}\n\n{t.delete_token_yourself}"
    if isinstance(outcome, LoginFailed):
        return t.login_rejected.format(reason=_rejected(outcome.error, t))
    if outcome.why is LoginRefusal.NOT_PRIVATE:
        return t.login_in_group if deleted else t.login_in_group_not_deleted
    if outcome.why is LoginRefusal.MALFORMED:
        return t.login_usage
    return refused_text(outcome, t)


def _rejected(error: PlusofonError | NoAuthuser, t: Texts) -> str:
    """Why Plusofon did not take a /login token."""
    if isinstance(error, AuthenticationError):
        return t.login_bad_token
    if isinstance(error, UserNotFoundError):
        return t.login_bad_user
    if isinstance(error, NoAuthuser):
        return t.login_no_authuser
    return describe(error, t)


def _refused(refused: Refused, t: Texts) -> str:
    return {
        Refusal.PRIVATE_ONLY: t.private_only,
        Refusal.GROUP_ONLY: t.group_only,
        Refusal.NOT_CONNECTED: t.not_connected_short,
        Refusal.ANONYMOUS: t.anonymous_cannot_link,
        Refusal.SENDER_NOT_CONNECTED: t.link_not_connected,
        Refusal.NOT_ADMIN: t.group_admins_only_command,
        Refusal.LINK_NOT_ALLOWED: t.link_not_allowed,
        Refusal.TAKEN: t.link_taken,
    }[refused.refusal]


async def _delete(message: Message) -> bool:
    try:
        await message.delete()
    except TelegramAPIError as error:
        log.warning("could not delete a login message in chat %s: %s", message.chat.id, error)
        return False
    return True
