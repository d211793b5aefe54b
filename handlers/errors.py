"""What the user hears when something fails: short, in their language, without internals."""

from __future__ import annotations

import logging
from html import escape

from aiogram import Bot, Router
from aiogram.types import ErrorEvent, Update

from bot.services.mirror import NotReady
from bot.plusofon import (
    AddOutcomeUnknown,
    APIConnectionError,
    AuthenticationError,
    PlusofonError,
    RateLimitError,
    SignInExpired,
    UserNotFoundError,
    ValidationError,
)
from handlers.texts import Texts, texts_for

log = logging.getLogger(__name__)


def describe(error: PlusofonError, t: Texts) -> str:
    if isinstance(error, SignInExpired):
        return t.error_signin_expired
    if isinstance(error, AuthenticationError):
        return t.error_auth
    if isinstance(error, UserNotFoundError):
        return t.error_user
    if isinstance(error, AddOutcomeUnknown):
        return t.add_unknown_outcome
    if isinstance(error, APIConnectionError):
        return t.error_unavailable
    if isinstance(error, RateLimitError):
        return t.error_rate_limited
    if isinstance(error, ValidationError):
        messages = [message for messages in error.errors.values() for message in messages] or [error.message]
        return t.error_validation.format(message=escape(" ".join(messages)))
    return t.error_other


async def on_error(event: ErrorEvent, bot: Bot) -> None:
    update, error = event.update, event.exception
    chat_id, language = _origin(update)
    t = texts_for(language)
    if isinstance(error, PlusofonError):
        log.warning("update %s: Plusofon call failed: %s", update.update_id, error)
        text = describe(error, t)
    elif isinstance(error, NotReady):
        text = t.mirror_still_loading.format(loaded=error.loaded, total=error.total)
    else:
        log.error("update %s failed", update.update_id, exc_info=error)
        text = t.error_internal
    if chat_id is not None:
        try:
            await bot.send_message(chat_id, text)
        except Exception:  # the error report must not raise in its turn
            log.exception("could not tell chat %s about the failure", chat_id)


def create_errors_router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_error)
    return router


def _origin(update: Update) -> tuple[int | None, str | None]:
    """Chat and user's language of the update that failed."""
    message = update.message or update.edited_message
    if message is not None:
        user = message.from_user
        return message.chat.id, user.language_code if user else None
    if update.callback_query is not None:
        query = update.callback_query
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        return chat_id, query.from_user.language_code
    return None, None
