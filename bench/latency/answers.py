"""The bot's answer to one user action: every message or edit it sends to the chat, up to the final one.

A slow action may first send a progress message ("Загружаю список: 3 400 из 10 000…") and edit it later, so
the wait is measured to the FINAL answer: the first sendMessage, editMessageText or sendDocument in the chat
that the action's `is_final` recognises (the result's header, the document, the confirmation's buttons).
An answer that is one of the bot's error texts ends the wait as a failure; any other answer is interim (a
progress message) and the wait goes on: it fails after `idle` seconds without a first answer, `progress_idle`
seconds without another once there was one (a progress message may stand a while), or `cap` seconds in all.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handlers.texts import Texts
from tests.fake_bot_api import ApiCall, FakeBotApi

ANSWER_METHODS = ("sendMessage", "editMessageText", "sendDocument")
ERROR_TEXTS = (
    "error_auth",
    "error_user",
    "error_unavailable",
    "error_rate_limited",
    "error_validation",
    "error_other",
    "error_internal",
    "add_unknown_outcome",
)
ERROR_PREFIXES = tuple(getattr(Texts, name).split("{")[0][:40] for name in ERROR_TEXTS)


def text_of(call: ApiCall) -> str:
    return str(call.params.get("text") or call.params.get("caption") or "")


def buttons_of(call: ApiCall) -> list[tuple[str, str]]:
    """(label, callback data) of the answer's inline buttons."""
    markup = call.params.get("reply_markup")
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return [(button.get("text", ""), button.get("callback_data") or "") for row in rows for button in row]


def button(call: ApiCall, label: str) -> str | None:
    """Callback data of the first button whose label starts with `label`."""
    return next((data for text, data in buttons_of(call) if text.startswith(label) and data), None)


def message_id_of(call: ApiCall) -> int:
    if call.method == "editMessageText":
        return int(call.params["message_id"])
    return int(call.response["result"]["message_id"])  # type: ignore[index]


def is_error(call: ApiCall) -> bool:
    return text_of(call).startswith(ERROR_PREFIXES)


@dataclass
class Outcome:
    """How one action went, as its user saw it."""

    final: ApiCall | None
    wait: float | None
    """Seconds from queueing the update to the final answer's arrival (None: it failed)."""
    first_wait: float | None
    """To the first answer of any kind (a progress message, if the bot sent one first)."""
    interim: int
    """Answers before the final one."""
    failure: str | None

    @property
    def ok(self) -> bool:
        return self.failure is None

    def as_json(self) -> dict[str, Any]:
        return {
            "wait_s": self.wait,
            "first_answer_s": self.first_wait,
            "interim_answers": self.interim,
            "failure": self.failure,
        }


async def next_answer(telegram: FakeBotApi, chat_id: int, since: int, timeout: float) -> ApiCall:
    """The earliest answer in the chat at index >= `since`, arrived or to come within `timeout`."""

    def in_chat(params: dict[str, Any]) -> bool:
        return params.get("chat_id") == chat_id

    tasks = [
        asyncio.ensure_future(telegram.wait_for(method, in_chat, timeout, since=since))
        for method in ANSWER_METHODS
    ]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    arrived = [task.result() for task in done if not task.cancelled() and task.exception() is None]
    if not arrived:
        raise TimeoutError(f"no answer in chat {chat_id} within {timeout:.0f} s")
    return min(arrived, key=lambda call: call.index)


async def final_answer(
    telegram: FakeBotApi,
    chat_id: int,
    push: Callable[[], object],
    is_final: Callable[[ApiCall], bool],
    *,
    idle: float,
    cap: float,
    progress_idle: float = 120.0,
) -> Outcome:
    """Push the update and follow the chat's answers to the final one (see the module doc)."""
    since = telegram.cursor()
    queued = time.monotonic()
    push()
    first: ApiCall | None = None
    interim = 0
    last: ApiCall | None = None
    while True:
        silence = idle if first is None else progress_idle
        left = min(silence, queued + cap - time.monotonic())
        if left <= 0:
            return _failed(first, queued, interim, f"no final answer within {cap:.0f} s", last)
        try:
            call = await next_answer(telegram, chat_id, since, left)
        except TimeoutError:
            return _failed(
                first, queued, interim, f"no final answer ({silence:.0f} s without an answer)", last
            )
        since = call.index + 1
        if call.status != 200:  # Telegram refused it: the user never saw it
            continue
        first = first or call
        if is_final(call):
            return Outcome(call, call.at - queued, first.at - queued, interim, None)
        if is_error(call):
            return _failed(first, queued, interim, "error", call)
        interim += 1
        last = call


def _failed(first: ApiCall | None, queued: float, interim: int, why: str, last: ApiCall | None) -> Outcome:
    shown = f": {text_of(last)[:160]!r}" if last is not None else ""
    return Outcome(None, None, None if first is None else first.at - queued, interim, why + shown)
