"""Client of the Plusofon smart-numbers REST API."""

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
    UserNotFoundError,
    ValidationError,
)
from bot.plusofon.models import AddResult, Credentials, SmartNumber, SmartNumberPage

__all__ = [
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
