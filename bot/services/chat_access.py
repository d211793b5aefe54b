"""Which chat acts for which account, and who may change that: /logout, a group's /link and /unlink, its
policy (/access), and the bot admins' overview of every connected chat (/chats).

Each method is one user action: it checks who asks and where, changes the chat, writes the journal, and
returns what happened; the handlers decide how to show it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from aiogram import Bot
from aiogram.types import Chat, Message, User

from bot.core.settings import Settings
from bot.services.admins import GroupAdmins
from bot.services.forgetting import Forgetting
from bot.services.journal import Journal
from storage.chats import ChatAuth, ChatRepository


@dataclass(frozen=True, slots=True)
class Sender:
    """Who sent a command, and where. `anonymous`: on behalf of a chat (an anonymous group admin, a channel),
    so `user` is not a person."""

    bot: Bot
    chat: Chat
    user: User | None
    anonymous: bool

    @classmethod
    def of(cls, message: Message) -> Sender:
        assert message.bot is not None
        return cls(message.bot, message.chat, message.from_user, message.sender_chat is not None)

    @property
    def private(self) -> bool:
        return self.chat.type == "private"


class Refusal(enum.Enum):
    PRIVATE_ONLY = "private only"      # a private chat's command sent in a group
    GROUP_ONLY = "group only"          # a group's command sent in a private chat
    NOT_CONNECTED = "not connected"    # the chat is not connected
    ANONYMOUS = "anonymous"            # /link on behalf of the group: whose account would it be?
    SENDER_NOT_CONNECTED = "sender not connected"  # /link by someone whose own private chat is not connected
    NOT_ADMIN = "not admin"            # not allowed to administer the chat (or, for /chats, the bot)
    LINK_NOT_ALLOWED = "not allowed"   # /link by someone LINK_ALLOWED leaves out
    TAKEN = "connected by another"     # /link over a connection someone else made (only bot admins may)


@dataclass(frozen=True, slots=True)
class Refused:
    refusal: Refusal


@dataclass(frozen=True, slots=True)
class Linked:
    """The group acts for account `user_id`, the one of its sender's private chat."""

    user_id: int


@dataclass(frozen=True, slots=True)
class Disconnected:
    """The chat no longer acts for account `user_id`."""

    user_id: int


@dataclass(frozen=True, slots=True)
class Policy:
    """Who may act on the group's numbers: its administrators only, or everyone; `changed` by this command."""

    admins_only: bool
    changed: bool = False


class ChatAccess:
    def __init__(self, chats: ChatRepository, group_admins: GroupAdmins, journal: Journal,
                 settings: Settings, forgetting: Forgetting) -> None:
        self._chats, self._group_admins, self._journal, self._settings = chats, group_admins, journal, settings
        self._forgetting = forgetting

    async def logout(self, sender: Sender, auth: ChatAuth | None) -> Disconnected | Refused:
        """/logout: a private chat disconnects itself (the groups it linked stay connected)."""
        if not sender.private:
            return Refused(Refusal.PRIVATE_ONLY)
        if auth is None:
            return Refused(Refusal.NOT_CONNECTED)
        await self._chats.remove(sender.chat.id)
        await self._forgetting.chat_left(sender.bot.id, sender.chat.id)
        await self._journal.account_event(sender.chat, sender.user, "logout", f"user_id {auth.user_id}",
                                          account=auth.user_id)
        return Disconnected(auth.user_id)

    async def link(self, sender: Sender, auth: ChatAuth | None) -> Linked | Refused:
        """/link: a group administrator connects the group to the account of their own private chat, if
        LINK_ALLOWED lets them, and unless someone else connected the group (only a bot admin may replace that).
        The group is as trusted as that private chat (`by_admin`), never more."""
        user = sender.user
        if sender.private:
            return Refused(Refusal.GROUP_ONLY)
        if sender.anonymous or user is None:
            return Refused(Refusal.ANONYMOUS)
        personal = await self._chats.get(user.id)
        if personal is None:
            return Refused(Refusal.SENDER_NOT_CONNECTED)
        bot_admin = user.id in self._settings.admin_ids
        refusal = None
        if not self._may_link(personal, bot_admin):
            refusal = Refusal.LINK_NOT_ALLOWED
        elif not await self._group_admins.is_admin(sender.bot, sender.chat.id, user.id):
            refusal = Refusal.NOT_ADMIN
        elif auth is not None and auth.added_by != user.id and not bot_admin:
            refusal = Refusal.TAKEN
        if refusal is not None:
            await self._journal.account_event(sender.chat, user, "link", result=f"refused: {refusal.value}",
                                              account=auth.user_id if auth is not None else None)
            return Refused(refusal)
        by_admin = personal.by_admin  # a stranger's private chat makes a stranger's group: no team chat
        await self._chats.put(sender.chat.id, personal.user_id, personal.token, added_by=user.id,
                              by_admin=by_admin, refresh_token=personal.refresh_token, email=personal.email,
                              notify_chat_id=auth.notify_chat_id if auth is not None and by_admin else None)
        await self._journal.account_event(sender.chat, user, "link", f"user_id {personal.user_id}",
                                          account=personal.user_id)
        await self._forgetting.account_changed()
        return Linked(personal.user_id)

    async def unlink(self, sender: Sender, auth: ChatAuth | None) -> Disconnected | Refused:
        """/unlink: a group's administrator, or a bot admin, disconnects the group."""
        if sender.private:
            return Refused(Refusal.GROUP_ONLY)
        if auth is None:
            return Refused(Refusal.NOT_CONNECTED)
        if not await self._may_administer(sender):
            await self._journal.account_event(sender.chat, sender.user, "unlink", result="refused: not an admin",
                                              account=auth.user_id)
            return Refused(Refusal.NOT_ADMIN)
        await self._chats.remove(sender.chat.id)
        await self._forgetting.chat_left(sender.bot.id, sender.chat.id)
        await self._journal.account_event(sender.chat, sender.user, "unlink", f"user_id {auth.user_id}",
                                          account=auth.user_id)
        return Disconnected(auth.user_id)

    async def policy(self, sender: Sender, auth: ChatAuth | None, admins_only: bool | None) -> Policy | Refused:
        """/access: the group's policy as it is (`admins_only` None), or set by its administrator."""
        if sender.private:
            return Refused(Refusal.GROUP_ONLY)
        if auth is None:
            return Refused(Refusal.NOT_CONNECTED)
        if admins_only is None:
            return Policy(auth.admins_only)
        if not await self._may_administer(sender):
            return Refused(Refusal.NOT_ADMIN)
        await self._chats.set_admins_only(sender.chat.id, admins_only)
        await self._journal.account_event(sender.chat, sender.user, "access", "admins" if admins_only else "all",
                                          account=auth.user_id)
        return Policy(admins_only, changed=True)

    async def overview(self, sender: Sender) -> list[ChatAuth] | Refused:
        """/chats: every connected chat, for a bot admin in a private chat."""
        user = sender.user
        if not sender.private or user is None or user.id not in self._settings.admin_ids:
            return Refused(Refusal.NOT_ADMIN)
        return await self._chats.all()

    def _may_link(self, personal: ChatAuth, bot_admin: bool) -> bool:
        allowed = self._settings.link_allowed
        return bot_admin or allowed == "connected" or (allowed == "admin_connected" and personal.by_admin)

    async def _may_administer(self, sender: Sender) -> bool:
        """A bot admin, or (by their own name) an administrator of this group."""
        user = sender.user
        if user is None or sender.anonymous:
            return False
        return (user.id in self._settings.admin_ids
                or await self._group_admins.is_admin(sender.bot, sender.chat.id, user.id))
