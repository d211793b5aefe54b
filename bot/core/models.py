"""The domain's values: an account's credentials and its smart numbers (parsed from Plusofon's JSON)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator


class AccountHooks(Protocol):
    """What the client tells the bot about a chat's token, and how it gets a renewed one (bot/services/accounts.py)."""

    def current(self, token: str) -> str:
        """The token that replaced `token` since these credentials were read (or `token` itself)."""

    async def renew(self, failed_token: str) -> str | None:
        """A new token after `failed_token` got a 401; None when the account cannot renew (an API token)."""

    async def accepted(self) -> None:
        """Plusofon accepted the token just now."""

    async def rejected(self) -> None:
        """Plusofon refused the token (401), renewal included."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """One Plusofon account as a chat uses it."""

    user_id: int
    token: str = field(repr=False)
    hooks: AccountHooks | None = field(default=None, repr=False, compare=False)


class SmartNumber(BaseModel):
    model_config = ConfigDict(populate_by_name=True, coerce_numbers_to_str=True, frozen=True)

    id: int
    user_id: int | None = None
    phone_a: str = Field(default="", alias="phoneA")
    phone_b: str = Field(default="", alias="phoneB")
    phone_x: str = Field(default="", alias="phoneX")
    description: str = ""
    created_at: datetime | None = None

    @field_validator("phone_a", "phone_b", "phone_x", "description", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        return "" if value is None else value

    @field_validator("created_at", mode="before")
    @classmethod
    def _lenient_date(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.strip())
            except ValueError:
                return None
        return value


class SmartNumberPage(BaseModel):
    """One page of Laravel's paginator."""

    model_config = ConfigDict(populate_by_name=True)

    current_page: int = 1
    data: list[SmartNumber] = Field(default_factory=list)
    last_page: int | None = None
    per_page: int = 15
    total: int | None = None

    def model_post_init(self, _context: object) -> None:
        if self.total is None:
            self.total = len(self.data)
        if self.last_page is None:
            self.last_page = max(1, math.ceil(self.total / max(self.per_page, 1)))
        self.last_page = max(self.last_page, 1)
