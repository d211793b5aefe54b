"""Turning an HTTP answer of the Plusofon API into data or into the right error."""

from __future__ import annotations

import email.utils
import time
from typing import Any

import httpx
import orjson

from bot.plusofon import errors


def parse(response: httpx.Response) -> Any:
    """The JSON body of a successful answer; raise the matching error for anything else."""
    status = response.status_code
    try:
        body = orjson.loads(response.content)
    except ValueError:
        if status < 400 or status >= 500:
            raise errors.MalformedResponseError("the answer is not JSON", status_code=status) from None
        raise _error(status, {}, response.headers, fallback="the answer is not JSON") from None
    if status >= 400 or _is_error_body(body):
        raise _error(status, body if isinstance(body, dict) else {}, response.headers)
    return body


def budget(headers: httpx.Headers) -> tuple[int, int] | None:
    """Laravel's throttle headers: (X-RateLimit-Limit, X-RateLimit-Remaining), when both are there and sane."""
    limit, remaining = headers.get("X-RateLimit-Limit"), headers.get("X-RateLimit-Remaining")
    if limit is None or remaining is None or not limit.strip().isdigit() or not remaining.strip().isdigit():
        return None
    return int(limit), int(remaining)


def _is_error_body(body: Any) -> bool:
    return isinstance(body, dict) and "message" in body and "success" not in body and "data" not in body


def _error(status: int, body: dict[str, Any], headers: httpx.Headers,
           fallback: str = "") -> errors.APIStatusError:
    message = str(body.get("message") or fallback or httpx.codes.get_reason_phrase(status) or "error")
    code = body.get("code") if isinstance(body.get("code"), int) else None
    effective = status if status >= 400 else (code if code and 400 <= code < 600 else 500)
    if "user not found" in message.lower():
        return errors.UserNotFoundError(message, status_code=status, code=code)
    if effective == 401:
        return errors.AuthenticationError(message, status_code=status, code=code)
    if effective == 404 and body:
        return errors.NotFoundError(message, status_code=status, code=code)
    if effective == 422:
        return errors.ValidationError(message, status_code=status, code=code, errors=_field_errors(body))
    if effective == 429:
        return errors.RateLimitError(message, status_code=status, code=code,
                                     retry_after=retry_after_seconds(headers.get("Retry-After")))
    if effective == 400:
        return errors.BadRequestError(message, status_code=status, code=code)
    if effective >= 500 or not body:
        return errors.ServerError(message, status_code=status, code=code)
    return errors.APIStatusError(message, status_code=status, code=code)


def _field_errors(body: dict[str, Any]) -> dict[str, list[str]]:
    raw = body.get("errors")
    if not isinstance(raw, dict):
        return {}
    return {str(key): [str(m) for m in (value if isinstance(value, list) else [value])] for key, value in raw.items()}


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds: either a number or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
