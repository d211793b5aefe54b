"""Pydantic models at the boundary of the Plusofon API."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator


@dataclass(frozen=True, slots=True)
class Credentials:
    """One Plusofon account as a chat uses it."""

    user_id: int
    token: str = field(repr=False)


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


@dataclass(frozen=True, slots=True)
class AddResult:
    """What an add did: `number` is the new smart number when it could be identified."""

    created: bool
    number: SmartNumber | None = None
