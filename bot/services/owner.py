"""Whose account a token opens: Plusofon's `authuser`, with a list call as the fallback check."""

from __future__ import annotations

import logging

from bot.plusofon import (
    AccountOwner,
    Credentials,
    MalformedResponseError,
    NotFoundError,
    PlusofonClient,
    UserNotFoundError,
)

log = logging.getLogger(__name__)


class NoAuthuser(Exception):
    """`authuser` is not there (or answers something else), and no user_id was given to check instead."""


def looks_like_user_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 12


async def whose(plusofon: PlusofonClient, token: str, claimed: int | None) -> AccountOwner | None:
    """The token's owner by `authuser`; when authuser does not answer as documented, the claimed user_id is
    checked with a list call instead (None: accepted, owner unknown)."""
    try:
        owner = await plusofon.authuser(token)
    except (NotFoundError, MalformedResponseError) as error:
        if isinstance(error, MalformedResponseError) and error.status_code >= 500:
            raise
        log.info("authuser did not answer as documented (%s); checking with a list call", type(error).__name__)
        if claimed is None:
            raise NoAuthuser from None
        await plusofon.list_page(Credentials(claimed, token), 1)
        return None
    if claimed is not None and owner.id != claimed:
        raise UserNotFoundError("the token belongs to another user_id", status_code=200)
    return owner
