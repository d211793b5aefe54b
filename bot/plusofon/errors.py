"""Errors of the Plusofon client: one root, status errors and connection errors below it.

No message here ever carries the API token: they are built from the status, the API's `code` and `message`.
"""

from __future__ import annotations


class PlusofonError(Exception):
    """Root of everything the Plusofon client raises."""


class APIStatusError(PlusofonError):
    """The API answered with an error (an error status, or an error body whatever the status)."""

    def __init__(self, message: str, *, status_code: int, code: int | None = None) -> None:
        super().__init__(f"Plusofon answered {status_code}: {message}")
        self.status_code = status_code
        self.code = code
        self.message = message


class BadRequestError(APIStatusError):
    """400: e.g. "The smart number id must be int"."""


class AuthenticationError(APIStatusError):
    """401: the token is invalid or expired."""


class SignInExpired(AuthenticationError):
    """A token from sign-in expired and could not be renewed (the refresh token expired or was revoked)."""


class WrongCredentials(APIStatusError):
    """Sign-in refused the e-mail and password (401 or 422)."""


class UserNotFoundError(APIStatusError):
    """The token is valid but does not own this user_id ("User not found")."""


class NotFoundError(APIStatusError):
    """404: the smart number does not exist (any more)."""


class ValidationError(APIStatusError):
    """422: a Laravel validation error; `errors` maps a field to its messages."""

    def __init__(self, message: str, *, status_code: int, code: int | None = None,
                 errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message, status_code=status_code, code=code)
        self.errors = errors or {}


class RateLimitError(APIStatusError):
    """429: too many requests; `retry_after` in seconds when the API said so."""

    def __init__(self, message: str, *, status_code: int, code: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message, status_code=status_code, code=code)
        self.retry_after = retry_after


class ServerError(APIStatusError):
    """5xx, or an answer that is not the JSON the API documents."""


class MalformedResponseError(ServerError):
    """The answer is not JSON, or not the documented shape (e.g. cut short), whatever its status."""


class APIConnectionError(PlusofonError):
    """The request did not get an answer: connection refused, dropped, or cut short."""

    def __init__(self, message: str = "Plusofon is not reachable", *, request_sent: bool = False) -> None:
        super().__init__(message)
        self.request_sent = request_sent


class APITimeoutError(APIConnectionError):
    """No answer in time."""

    def __init__(self, message: str = "Plusofon did not answer in time", *, request_sent: bool = True) -> None:
        super().__init__(message, request_sent=request_sent)


class AddOutcomeUnknown(PlusofonError):
    """An add failed ambiguously and reading the list back failed too: it may or may not exist."""
