"""Pydantic models at the boundary of the Plusofon API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.core.models import SmartNumber


@dataclass(frozen=True, slots=True)
class AddResult:
    """What an add did: `number` is the new smart number when it could be identified."""

    created: bool
    number: SmartNumber | None = None


class AccountOwner(BaseModel):
    """`authuser`'s `user`: whose account a token opens."""

    model_config = ConfigDict(coerce_numbers_to_str=True, frozen=True)

    id: int
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    middle_name: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, value: Any) -> Any:
        """The documented `{"user": {...}}`, or the object itself, either of them under `data`."""
        for key in ("data", "user"):
            if isinstance(value, dict) and isinstance(value.get(key), dict):
                value = value[key]
        return value

    @property
    def name(self) -> str:
        return " ".join(part.strip() for part in (self.first_name, self.middle_name, self.last_name)
                        if part and part.strip())


class SignInTokens(BaseModel):
    """What `login` and `refresh` answer: the Bearer token and the token that renews it."""

    model_config = ConfigDict(frozen=True)

    token: str = Field(validation_alias=AliasChoices("token", "access_token"), repr=False)
    refresh_token: str = Field(repr=False)

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, value: Any) -> Any:
        if isinstance(value, dict) and isinstance(value.get("data"), dict) and "token" not in value:
            return value["data"]
        return value

    @field_validator("token", "refresh_token")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("empty")
        return value.strip()
