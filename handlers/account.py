"""Connecting chats from Telegram: /login, /logout, /link, /unlink; the group policy /access."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.services.admins import GroupAdmins
from bot.services.login_attempts import LoginAttempts
from bot.services.owner import NoAuthuser, looks_like_user_id, whose
from bot.plusofon import AuthenticationError, PlusofonClient, PlusofonError, UserNotFoundError
from bot.core.settings import Settings
from handlers.errors import describe
from bot.services.journal import Journal
from handlers.replies import typing
from handlers.signin import connected_text, may_connect, start_sign_in
from handlers.start import admins_hint
from handlers.texts import Texts
from storage.chats import ChatAuth, ChatRepository

log = logging.getLogger(__name__)
MIN_TOKEN_LENGTH = 16  # shorter, a lone argument is a typo (or a user_id without its token), not a token


async def may_administer(message: Message, bot: Bot, settings: Settings, group_admins: GroupAdmins) -> bool:
    """A bot admin, or (by their own name) an administrator of this group."""
    user = message.from_user
    if user is None or message.sender_chat is not None:
        return False
    return user.id in settings.admin_ids or await group_admins.is_admin(bot, message.chat.id, user.id)


def create_account_router() -> Router:
    router = Router(name="account")

    @router.message(Command("login"))
    @router.edited_message(Command("login"))  # a token edited into a message must go as fast as a new one
    async def login(message: Message, command: CommandObject, state: FSMContext, bot: Bot, chats: ChatRepository,
                    plusofon: PlusofonClient, settings: Settings, login_attempts: LoginAttempts,
                    journal: Journal, t: Texts) -> None:
        parts = (command.args or "").split()  # the token is registered for redaction once it is connected
        if not parts:
            await start_sign_in(message, state, settings, login_attempts, t)
            return
        deleted = await _delete(message)  # the token must not stay in the chat a moment longer
        user = message.from_user
        if message.chat.type != "private":
            await message.answer(t.login_in_group if deleted else t.login_in_group_not_deleted)
            await journal.account_event(message.chat, user, "login", result="refused: sent in a group")
            return
        if user is None or not may_connect(user, settings):
            await message.answer(t.login_not_allowed.format(admins=admins_hint(settings, t, message.chat)))
            await journal.account_event(message.chat, user, "login", result="refused: not allowed")
            return
        if len(parts) > 2 or (len(parts) == 1 and len(parts[0]) < MIN_TOKEN_LENGTH) or (
                len(parts) == 2 and not looks_like_user_id(parts[0])):
            await message.answer(t.login_usage)
            return
        token = parts[-1]
        claimed = int(parts[0]) if len(parts) == 2 else None
        try:
            async with typing(bot, message.chat.id):
                owner = await whose(plusofon, token, claimed)
        except (AuthenticationError, UserNotFoundError) as error:
            reason = t.login_bad_token if isinstance(error, AuthenticationError) else t.login_bad_user
            await message.answer(t.login_rejected.format(reason=reason))
            await journal.account_event(message.chat, user, "login", f"user_id {claimed or '?'}",
                                        result=f"rejected: {type(error).__name__}")
            return
        except NoAuthuser:
            await message.answer(t.login_rejected.format(reason=t.login_no_authuser))
            await journal.account_event(message.chat, user, "login", result="failed: authuser unavailable")
            return
        except PlusofonError as error:
            await message.answer(t.login_rejected.format(reason=describe(error, t)))
            await journal.account_event(message.chat, user, "login", f"user_id {claimed or '?'}",
                                        result=f"failed: {type(error).__name__}")
            return
        user_id = owner.id if owner is not None else claimed
        assert user_id is not None
        await chats.put(message.chat.id, user_id, token, added_by=user.id, by_admin=user.id in settings.admin_ids,
                        email=owner.email if owner else None)
        await journal.account_event(message.chat, user, "login", f"user_id {user_id}")
        done = connected_text(owner, user_id, t)
        await message.answer(done if deleted else f"{done}\n\n{t.delete_token_yourself}")

    @router.message(Command("logout"))
    async def logout(message: Message, auth: ChatAuth | None, chats: ChatRepository, journal: Journal,
                     t: Texts) -> None:
        if message.chat.type != "private":
            await message.answer(t.private_only)
            return
        if auth is None:
            await message.answer(t.not_connected_short)
            return
        await chats.remove(message.chat.id)
        await journal.account_event(message.chat, message.from_user, "logout", f"user_id {auth.user_id}")
        await message.answer(t.logout_done)

    @router.message(Command("link"))
    async def link(message: Message, bot: Bot, auth: ChatAuth | None, chats: ChatRepository, settings: Settings,
                   group_admins: GroupAdmins, journal: Journal, t: Texts) -> None:
        user = message.from_user
        if message.chat.type == "private":
            await message.answer(t.link_usage)
            return
        if message.sender_chat is not None or user is None:
            await message.answer(t.anonymous_cannot_link)
            return
        personal = await chats.get(user.id)
        if personal is None:
            await message.answer(t.link_not_connected)
            return
        if not await group_admins.is_admin(bot, message.chat.id, user.id):
            await message.answer(t.group_admins_only_command)
            await journal.account_event(message.chat, user, "link", result="refused: not a group admin")
            return
        by_admin = personal.by_admin or user.id in settings.admin_ids  # else a stranger's group: no team chat
        await chats.put(message.chat.id, personal.user_id, personal.token, added_by=user.id, by_admin=by_admin,
                        notify_chat_id=auth.notify_chat_id if auth is not None and by_admin else None,
                        refresh_token=personal.refresh_token, email=personal.email)
        await journal.account_event(message.chat, user, "link", f"user_id {personal.user_id}")
        await message.answer(t.link_done.format(user_id=personal.user_id))

    @router.message(Command("unlink"))
    async def unlink(message: Message, bot: Bot, auth: ChatAuth | None, chats: ChatRepository, settings: Settings,
                     group_admins: GroupAdmins, journal: Journal, t: Texts) -> None:
        if message.chat.type == "private":
            await message.answer(t.group_only)
            return
        if auth is None:
            await message.answer(t.not_connected_short)
            return
        if not await may_administer(message, bot, settings, group_admins):
            await message.answer(t.group_admins_only_command)
            await journal.account_event(message.chat, message.from_user, "unlink", result="refused: not an admin")
            return
        await chats.remove(message.chat.id)
        await journal.account_event(message.chat, message.from_user, "unlink", f"user_id {auth.user_id}")
        await message.answer(t.unlink_done)

    @router.message(Command("access"))
    async def access(message: Message, command: CommandObject, bot: Bot, auth: ChatAuth | None,
                     chats: ChatRepository, settings: Settings, group_admins: GroupAdmins, journal: Journal,
                     t: Texts) -> None:
        if message.chat.type == "private":
            await message.answer(t.group_only)
            return
        if auth is None:
            await message.answer(t.not_connected.format(admins=admins_hint(settings, t, message.chat),
                                                        chat_id=message.chat.id))
            return
        wanted = (command.args or "").strip().lower()
        if wanted not in ("admins", "all"):
            await message.answer(t.access_state.format(who=t.access_admins if auth.admins_only else t.access_all))
            return
        if not await may_administer(message, bot, settings, group_admins):
            await message.answer(t.group_admins_only_command)
            return
        await chats.set_admins_only(message.chat.id, wanted == "admins")
        await journal.account_event(message.chat, message.from_user, "access", wanted)
        await message.answer(t.access_changed.format(who=t.access_admins if wanted == "admins" else t.access_all))

    return router


async def _delete(message: Message) -> bool:
    try:
        await message.delete()
    except TelegramAPIError as error:
        log.warning("could not delete a login message in chat %s: %s", message.chat.id, error)
        return False
    return True
