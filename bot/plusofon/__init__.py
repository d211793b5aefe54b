"""Client of the Plusofon smart-numbers REST API (it speaks in the domain's values of bot/core/models.py)."""

from bot.plusofon.client import PlusofonClient
from bot.plusofon.errors import (
    AddOutcomeUnknown,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    MalformedResponseError,
    NotFoundError,
    PlusofonError,
    RateLimitError,
    ServerError,
    SignInExpired,
    UserNotFoundError,
    ValidationError,
    WrongCredentials,
)
from bot.core.models import AccountHooks, Credentials, SmartNumber, SmartNumberPage
from bot.plusofon.models import AccountOwner, AddResult, SignInTokens

__all__ = [
    "AccountHooks",
    "AccountOwner",
    "SignInExpired",
    "SignInTokens",
    "WrongCredentials",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AddOutcomeUnknown",
    "AddResult",
    "AuthenticationError",
    "BadRequestError",
    "Credentials",
    "MalformedResponseError",
    "NotFoundError",
    "PlusofonClient",
    "PlusofonError",
    "RateLimitError",
    "ServerError",
    "SmartNumber",
    "SmartNumberPage",
    "UserNotFoundError",
    "ValidationError",
]
