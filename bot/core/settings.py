"""Settings from the environment and `.env`; the names are the environment variables' names."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.logs import LOG_FORMATS

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"
_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class CoreSettings(BaseSettings):
    """What the admin CLI needs: everything but the Telegram side."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    plusofon_api_url: str = "https://restapi.plusofon.ru"
    plusofon_client_id: str = Field(default="10553", min_length=1)
    database_path: Path = Path("data/bot.sqlite3")
    secret_key: SecretStr | None = None
    log_level: str = "INFO"
    log_format: str = "text"

    @field_validator("plusofon_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in _LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(_LOG_LEVELS)}")
        return value

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        value = value.strip().lower() or "text"
        if value not in LOG_FORMATS:
            raise ValueError(f"must be one of {', '.join(LOG_FORMATS)}")
        return value

    # one rule for every optional setting; all but secret_key are Settings' own fields
    @field_validator("secret_key", "notify_chat_id", "webhook_url", "webhook_secret", "metrics_port", "digest_time",
                     "webapp_url", mode="before", check_fields=False)
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


class Settings(CoreSettings):
    """Everything the running bot needs."""

    bot_token: SecretStr
    telegram_api_url: str = DEFAULT_TELEGRAM_API_URL
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    notify_chat_id: int | None = None
    allow_self_login: bool = False
    link_allowed: Literal["admins", "admin_connected", "connected"] = "admin_connected"
    allow_premium_numbers: bool = False
    throttle_user_per_minute: int = Field(default=30, ge=1)
    throttle_user_burst: int = Field(default=10, ge=1)
    throttle_chat_per_minute: int = Field(default=90, ge=1)
    throttle_chat_burst: int = Field(default=30, ge=1)
    webhook_url: str | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    webhook_path: str = "/telegram/webhook"
    webhook_secret: SecretStr | None = None
    mirror_calls_per_minute: float = Field(default=1800.0, gt=0)
    mirror_sync_minutes: float = Field(default=15.0, gt=0)
    mirror_full_read_hours: float = Field(default=24.0, gt=0)
    timezone: str = "Europe/Moscow"
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    outbox_retention_days: int = Field(default=7, ge=1, le=3650)
    audit_retention_days: int = Field(default=365, ge=1, le=36500)
    # how long start-up keeps trying while Telegram cannot be reached or answers 5xx/429, then exits
    startup_timeout_s: float = Field(default=60.0, gt=0, le=3600)
    mirror_keep_days: int = Field(default=7, ge=0, le=3650)
    # bulk jobs: /import's file limits, and how often a job's progress message is edited
    import_max_bytes: int = Field(default=2_000_000, ge=1_000, le=20_000_000)
    import_max_rows: int = Field(default=5_000, ge=1, le=100_000)
    job_progress_seconds: float = Field(default=5.0, ge=0)
    digest_time: time | None = None  # the daily digest to the team chat, at this time of TIMEZONE; None: none

    @field_validator("digest_time", mode="before")
    @classmethod
    def _digest_time(cls, value: object) -> object:
        if not isinstance(value, str) or not value.strip():
            return value or None
        if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", value.strip()):
            raise ValueError("must be a time of day as HH:MM, e.g. 09:00 (or empty: no digest)")
        return value.strip().zfill(5)
    # the Mini App (webapp/): on when WEBAPP_URL is set
    webapp_url: str | None = None
    webapp_host: str = "127.0.0.1"
    webapp_port: int = Field(default=8081, ge=1, le=65535)
    webapp_max_age_hours: float = Field(default=24.0, gt=0)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        if not value.strip():
            return "Europe/Moscow"
        try:
            ZoneInfo(value.strip())
        except (ValueError, ZoneInfoNotFoundError):
            raise ValueError("must be an IANA time zone name, e.g. Europe/Moscow or Asia/Yekaterinburg") from None
        return value.strip()

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("must start with https:// (Telegram sends webhooks only over HTTPS)")
        return value

    @field_validator("webapp_url")
    @classmethod
    def _webapp_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("must start with https:// (Telegram opens Mini Apps only over HTTPS)")
        return value

    @field_validator("webhook_path")
    @classmethod
    def _webhook_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with /")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise PydanticCustomError("webhook_secret", "is required when WEBHOOK_URL is set")
        return self

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("is required (the token @BotFather gave)")
        bot_id, sep, secret = value.get_secret_value().partition(":")
        if not (sep and bot_id.isdigit() and secret):
            raise ValueError("must look like 123456:ABC-DEF (the token @BotFather gave)")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        return CoreSettings._http_url(value)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(part.lstrip("-").isdigit() for part in parts):
                raise ValueError("must be comma-separated Telegram user ids, e.g. 12345,67890")
            return frozenset(int(part) for part in parts)
        return value


SettingsT = TypeVar("SettingsT", bound=CoreSettings)


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line naming it."""


def describe(error: ValidationError) -> str:
    first = error.errors()[0]
    # a cross-field check names its setting in the error type (see _webhook_needs_secret)
    name = str(first["loc"][0] if first["loc"] else first["type"]).upper()
    reason = "is required" if first["type"] == "missing" else first["msg"]
    return f"Setting {name}: {reason.removeprefix('Value error, ')}"


def load(cls: type[SettingsT]) -> SettingsT:
    try:
        return cls()
    except ValidationError as error:
        raise SettingsError(describe(error)) from None
