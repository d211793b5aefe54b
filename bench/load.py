"""Simulated users: each writes to the bot through a FakeBotApi and waits for the answer in its chat.

Latency is measured from the moment an update is queued for getUpdates to the moment the bot's answer
(sendMessage / editMessageText to that chat) arrives at the fake: both instants are taken in this process.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tests.fake_bot_api import ApiCall, FakeBotApi

REPLY_TIMEOUT = 30.0


class BenchError(RuntimeError):
    """The bot answered something other than what the scenario expects."""


@dataclass(frozen=True)
class Reply:
    """The bot's answer to one user action, and how long it took."""

    call: ApiCall
    latency: float
    """Seconds from queueing the update to the answer's arrival."""

    @property
    def text(self) -> str:
        return str(self.call.params.get("text", ""))

    @property
    def markup(self) -> dict[str, Any] | None:
        markup = self.call.params.get("reply_markup")
        return markup if isinstance(markup, dict) else None

    @property
    def message_id(self) -> int:
        """The message this answer is: a new one (sendMessage) or the edited one (editMessageText)."""
        if self.call.method == "sendMessage":
            return int(self.call.response["result"]["message_id"])  # type: ignore[index]
        return int(self.call.params["message_id"])

    def button(self, label: str) -> str | None:
        """Callback data of the first button whose label starts with `label`, or None."""
        for row in (self.markup or {}).get("inline_keyboard", []):
            for item in row:
                if item["text"].startswith(label):
                    return item["callback_data"]
        return None


class User:
    """One person in a private chat with the bot (the chat's id is the user's id)."""

    def __init__(self, telegram: FakeBotApi, chat_id: int) -> None:
        self.telegram = telegram
        self.chat_id = chat_id
        self.showing: Reply | None = None
        """The list whose pages this user turns, once it has one."""
        self.serial = 0
        """Steps taken: where a multi-step scenario is in its cycle."""
        self.number_id: int | None = None
        """The smart number this user created last."""

    async def send(self, text: str, expect: str = "sendMessage") -> Reply:
        return await self._act(lambda: self.telegram.push_message(text, chat_id=self.chat_id, user_id=self.chat_id),
                               expect)

    async def press(self, message: Reply, label: str, expect: str) -> Reply:
        data = message.button(label)
        if data is None:
            raise BenchError(f"chat {self.chat_id}: no {label!r} button under {message.text[:80]!r}")
        return await self._act(lambda: self.telegram.push_callback(
            data, chat_id=self.chat_id, user_id=self.chat_id, message_id=message.message_id,
            message_text=message.text), expect)

    async def _act(self, push: Callable[[], object], expect: str) -> Reply:
        # Nothing is awaited between push() and wait_for() registering its waiter, so the answer cannot be missed.
        since = self.telegram.cursor()
        queued = time.monotonic()
        push()
        call = await self.telegram.wait_for(expect, self._in_my_chat, REPLY_TIMEOUT, since=since)
        if call.status != 200:
            raise BenchError(f"chat {self.chat_id}: {expect} answered {call.status}: {call.response}")
        return Reply(call, call.at - queued)

    def _in_my_chat(self, params: dict[str, Any]) -> bool:
        return params.get("chat_id") == self.chat_id


def forget_history(telegram: FakeBotApi) -> None:
    """Drop what the fake Bot API remembers: every call (with params and answer), and every message sent but
    the latest of each chat (the one whose buttons its user may press next).

    It keeps them all for the tests' sake: ~15 kB per /list answer, so 20,000 answers would grow this process
    by ~300 MB and make its garbage collector pause for longer and longer, which shows up as latency.
    FakeBotApi has no public way to do this (the report proposes one). Call it only between actions.
    """
    telegram.calls.clear()
    telegram._calls_by_method.clear()  # private, see the docstring
    messages = telegram.telegram.messages
    latest: dict[int, int] = {}
    for chat_id, message_id in messages:
        latest[chat_id] = max(message_id, latest.get(chat_id, message_id))
    kept = {key: messages[key] for key in latest.items()}
    messages.clear()
    messages.update(kept)


class Recorder:
    """Latencies by action of the answers that arrived between `start` and `end`; every action is counted."""

    def __init__(self, start: float, end: float) -> None:
        self.start = start
        self.end = end
        self.latencies: defaultdict[str, list[float]] = defaultdict(list)
        self.actions = 0

    def add(self, action: str, reply: Reply) -> None:
        self.actions += 1
        if self.start <= reply.call.at <= self.end:
            self.latencies[action].append(reply.latency)

    @property
    def in_window(self) -> int:
        return sum(len(values) for values in self.latencies.values())


Step = Callable[[User, Recorder], Awaitable[None]]


async def closed_loop(users: Sequence[User], step: Step, *, seconds: float | None = None,
                      actions: int | None = None, ramp: float = 0.0) -> Recorder:
    """Every user repeats `step` (act, wait for the answer, act again) until `seconds` have passed or `actions`
    were done, then finishes the step it is in.

    The users start one after another over `ramp` seconds, which are not measured: fifty users starting at
    once are a burst that makes the bot's HTTP client open fifty connections, and httpx then pays for every
    idle one on each request until they expire (5 s). A steady closed loop needs about ten.
    """
    start = time.monotonic() + ramp
    recorder = Recorder(start, start + seconds if seconds is not None else float("inf"))

    async def run(index: int, user: User) -> None:
        await asyncio.sleep(ramp * index / len(users))
        while time.monotonic() < recorder.end and (actions is None or recorder.actions < actions):
            await step(user, recorder)

    await _all(run(index, user) for index, user in enumerate(users))
    return recorder


async def round_robin(users: Sequence[User], step: Step, count: int, concurrency: int,
                      start: int = 0) -> Recorder:
    """`count` steps, taking the users in turn from `start` on, at most `concurrency` at a time."""
    recorder = Recorder(0.0, float("inf"))
    turns = (users[(start + i) % len(users)] for i in range(count))

    async def worker() -> None:
        for user in turns:
            await step(user, recorder)

    await _all(worker() for _ in range(min(concurrency, count)))
    return recorder


async def _all(coroutines: Iterable[Awaitable[None]]) -> None:
    async with asyncio.TaskGroup() as group:
        for coroutine in coroutines:
            group.create_task(coroutine)  # type: ignore[arg-type]


@dataclass
class Latencies:
    """Percentiles in milliseconds."""

    count: int
    p50: float
    p95: float
    p99: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latencies:
        ordered = sorted(seconds)
        return cls(len(ordered), *(percentile(ordered, p) * 1000 for p in (50, 95, 99)))


def percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of sorted values (NaN if there are none)."""
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]
