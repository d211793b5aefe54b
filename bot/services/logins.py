"""Connecting a private chat with /login: by an API token, or by the account's e-mail and password.

Who may connect chats is the settings' (ADMIN_IDS, ALLOW_SELF_LOGIN); a sign-in with a password is held to
the attempt limit. Each method is one user action: it checks, asks Plusofon, connects the chat, writes the
journal, and returns what happened; the handlers decide how to show it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from aiogram.types import Chat, User

from bot.core.logs import secret_while
from bot.core.settings import Settings
from bot.plusofon import (
    AccountOwner,
    AuthenticationError,
    PlusofonClient,
    PlusofonError,
    UserNotFoundError,
    WrongCredentials,
)
from bot.services.forgetting import Forgetting
from bot.services.journal import Journal
from bot.services.login_attempts import LoginAttempts
from bot.services.owner import NoAuthuser, looks_like_user_id, whose
from storage.chats import ChatRepository

MIN_TOKEN_LENGTH = 16  # shorter, a lone argument is a typo (or a user_id without its token), not a token


class LoginRefusal(enum.Enum):
    NOT_PRIVATE = "not private"  # a token sent to a group (it is compromised), or a sign-in begun there
    NOT_ALLOWED = "not allowed"  # not a bot admin, and ALLOW_SELF_LOGIN is off
    MALFORMED = "malformed"      # /login's arguments are not `[user_id] token`
    TOO_MANY = "too many"        # the attempt limit: `minutes` until the next try


@dataclass(frozen=True, slots=True)
class LoginRefused:
    why: LoginRefusal
    minutes: int = 0


@dataclass(frozen=True, slots=True)
class LoginFailed:
    """Plusofon did not take the token or the password, or could not be asked: `error` says which.
    `attempts_left`: after a wrong password, the tries left in the limit's window."""

    error: PlusofonError | NoAuthuser
    attempts_left: int = 0


@dataclass(frozen=True, slots=True)
class Connected:
    """The chat now acts for account `user_id`; `owner` as Plusofon described it (None: it did not say)."""

    user_id: int
    owner: AccountOwner | None


class Logins:
    def __init__(self, chats: ChatRepository, plusofon: PlusofonClient, journal: Journal, attempts: LoginAttempts,
                 settings: Settings, forgetting: Forgetting) -> None:
        self._chats, self._plusofon, self._journal = chats, plusofon, journal
        self._attempts, self._settings, self._forgetting = attempts, settings, forgetting

    def may_connect(self, user: User | None) -> bool:
        return user is not None and (user.id in self._settings.admin_ids or self._settings.allow_self_login)

    def begin(self, chat: Chat, user: User | None) -> LoginRefused | None:
        """`/login` without arguments: None when the sign-in dialogue may start."""
        if chat.type != "private":
            return LoginRefused(LoginRefusal.NOT_PRIVATE)
        if user is None or not self.may_connect(user):
            return LoginRefused(LoginRefusal.NOT_ALLOWED)
        wait = self._attempts.wait_minutes(user.id)
        return LoginRefused(LoginRefusal.TOO_MANY, wait) if wait else None

    async def with_token(self, chat: Chat, user: User | None,
                         words: list[str]) -> Connected | LoginRefused | LoginFailed:
        """`/login [user_id] <token>`: the token's owner by Plusofon (the user_id checked against it, if given)."""
        if chat.type != "private":
            await self._journal.account_event(chat, user, "login", result="refused: sent in a group")
            return LoginRefused(LoginRefusal.NOT_PRIVATE)
        if user is None or not self.may_connect(user):
            await self._journal.account_event(chat, user, "login", result="refused: not allowed")
            return LoginRefused(LoginRefusal.NOT_ALLOWED)
        if len(words) > 2 or (len(words) == 1 and len(words[0]) < MIN_TOKEN_LENGTH) or (
                len(words) == 2 and not looks_like_user_id(words[0])):
            return LoginRefused(LoginRefusal.MALFORMED)
        token = words[-1]
        claimed = int(words[0]) if len(words) == 2 else None
        try:
            owner = await whose(self._plusofon, token, claimed)
        except (AuthenticationError, UserNotFoundError) as error:
            await self._journal.account_event(chat, user, "login", f"user_id {claimed or '?'}",
                                              result=f"rejected: {type(error).__name__}")
            return LoginFailed(error)
        except NoAuthuser as error:
            await self._journal.account_event(chat, user, "login", result="failed: authuser unavailable")
            return LoginFailed(error)
        except PlusofonError as error:
            await self._journal.account_event(chat, user, "login", f"user_id {claimed or '?'}",
                                              result=f"failed: {type(error).__name__}")
            return LoginFailed(error)
        user_id = owner.id if owner is not None else claimed
        assert user_id is not None
        await self._chats.put(chat.id, user_id, token, added_by=user.id,
                              by_admin=user.id in self._settings.admin_ids, email=owner.email if owner else None)
        await self._journal.account_event(chat, user, "login", f"user_id {user_id}", account=user_id)
        await self._forgetting.account_changed()  # the chat may have left another account
        return Connected(user_id, owner)

    async def with_password(self, chat: Chat, user: User | None, email: str,
                            password: str) -> Connected | LoginRefused | LoginFailed:
        """The sign-in dialogue's last step. The password is redacted from the logs during the call and kept
        nowhere; the chat keeps the token pair, which renews itself (see bot.services.accounts)."""
        if user is None or not email or not self.may_connect(user):
            return LoginRefused(LoginRefusal.NOT_ALLOWED)
        wait = max(self._attempts.wait_minutes(user.id), await self._attempts.email_wait_minutes(email))
        if wait:
            return LoginRefused(LoginRefusal.TOO_MANY, wait)
        left = min(self._attempts.record(user.id), await self._attempts.record_email(email))
        try:
            with secret_while(password):
                tokens = await self._plusofon.login(email, password)
                owner = await self._plusofon.authuser(tokens.token)
        except WrongCredentials as error:
            await self._journal.account_event(chat, user, "login", "sign-in", result="rejected: wrong password")
            return LoginFailed(error, attempts_left=left)
        except PlusofonError as error:
            await self._journal.account_event(chat, user, "login", "sign-in",
                                              result=f"failed: {type(error).__name__}")
            return LoginFailed(error)
        await self._chats.put(chat.id, owner.id, tokens.token, added_by=user.id,
                              by_admin=user.id in self._settings.admin_ids,
                              refresh_token=tokens.refresh_token, email=owner.email or email)
        await self._journal.account_event(chat, user, "login", f"user_id {owner.id}, sign-in", account=owner.id)
        await self._forgetting.account_changed()  # the chat may have left another account
        return Connected(owner.id, owner)
