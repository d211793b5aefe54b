"""What the simulated users do: one step of each closed loop, and the one-at-a-time actions whose Plusofon
calls are counted."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bench.load import BenchError, Recorder, Reply, User
from bench.processes import PlusofonProcess

LIST_HEADER = "Умные номера:"
_new_phones = itertools.count(1)


def new_phone() -> str:
    """A customer no account has yet (the seeded ones are +7 999 …), so that the duplicate guard stays quiet."""
    return f"+7 916 {next(_new_phones) % 10_000_000:07d}"


def expect(reply: Reply, marker: str) -> Reply:
    """The answer must contain `marker`: a bot that answers with an error must not look fast."""
    if marker not in reply.text:
        raise BenchError(f"expected {marker!r} in the answer, got {reply.text[:200]!r}")
    return reply


def number_id_of(reply: Reply) -> int:
    """The id of the number an /add created, from its 🗑 button (callback data `d:<id>`)."""
    data = reply.button("🗑")
    if data is None:
        raise BenchError(f"no 🗑 button under the /add answer {reply.text[:200]!r}")
    return int(data.rpartition(":")[2])


# ---- closed-loop steps: one user's action(s), recorded by name ----


async def list_step(user: User, recorder: Recorder) -> None:
    recorder.add("/list", expect(await user.send("/list"), LIST_HEADER))


async def echo_step(user: User, recorder: Recorder) -> None:
    """The same /list message, to a bot that repeats it."""
    recorder.add("/list", expect(await user.send("/list"), "/list"))


async def page_step(user: User, recorder: Recorder) -> None:
    """Turn the page of the list this user looks at: ▶ while there is one (◀ at the last page)."""
    if user.showing is None:  # first time: a list to turn the pages of (not measured)
        user.showing = expect(await user.send("/list"), LIST_HEADER)
    label = "▶" if user.showing.button("▶") is not None else "◀"
    user.showing = await user.press(user.showing, label, "editMessageText")
    recorder.add("▶", expect(user.showing, LIST_HEADER))


async def _mix_list(user: User) -> Reply:
    user.showing = expect(await user.send("/list"), LIST_HEADER)
    return user.showing


async def _mix_page(user: User) -> Reply:
    assert user.showing is not None
    return expect(await user.press(user.showing, "▶", "editMessageText"), LIST_HEADER)


async def _mix_add(user: User) -> Reply:
    reply = expect(await user.send(f"/add {new_phone()} bench {user.chat_id} #{user.serial}"), "Создан")
    user.number_id = number_id_of(reply)
    return reply


async def _mix_delete(user: User) -> Reply:
    user.showing = expect(await user.send(f"/del {user.number_id}"), "Удалить умный номер?")
    return user.showing


async def _mix_confirm(user: User) -> Reply:
    assert user.showing is not None
    return expect(await user.press(user.showing, "✅", "editMessageText"), "удалён")


MIX: list[tuple[str, Callable[[User], Awaitable[Reply]]]] = [
    ("/list", _mix_list), ("▶", _mix_page), ("/add", _mix_add), ("/del", _mix_delete), ("✅", _mix_confirm),
]


async def mix_step(user: User, recorder: Recorder) -> None:
    """The user's next action of the cycle /list, ▶, /add a number, /del it, ✅ (the account ends as it began).
    One action per step, so that a window ends after one action, whichever it is."""
    action, act = MIX[user.serial % len(MIX)]
    user.serial += 1
    recorder.add(action, await act(user))


# ---- Plusofon calls of single actions, counted one at a time on an otherwise idle bot ----


@dataclass(frozen=True)
class Counted:
    action: str
    calls: list[int]
    """Requests at the fake Plusofon for each repetition of the action."""

    @property
    def mean(self) -> float:
        return sum(self.calls) / len(self.calls)


async def quiet(plusofon: PlusofonProcess, *, seconds: float, timeout: float) -> None:
    """Wait until the fake Plusofon has had nothing in flight and no request for `seconds` (at most `timeout`)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        state = await plusofon.take_calls()
        if state["in_flight"] == 0 and (state["idle_for"] is None or state["idle_for"] >= seconds):
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"the fake Plusofon was still busy after {timeout:.0f} s")


async def calls_of(plusofon: PlusofonProcess, action: Callable[[], Awaitable[object]]) -> int:
    """Plusofon requests made between the start of `action` and the bot's last answer to it."""
    await plusofon.take_counts()
    await action()
    return await plusofon.take_total()


async def count_actions(plusofon: PlusofonProcess, *, small: User, paged: User, large: User, own: User,
                        yardstick: User, times: int) -> list[Counted]:
    """Each action `times` times, alone, with the Plusofon requests it caused. `own` has an account of its own
    (its numbers get deleted and added); the others only read."""

    async def turn(user: User) -> None:
        listing = expect(await user.send("/list"), LIST_HEADER)
        await plusofon.take_counts()  # only the ▶ counts
        await user.press(listing, "▶", "editMessageText")

    async def bin_and_confirm() -> None:
        listing = expect(await own.send("/list"), LIST_HEADER)
        await plusofon.take_counts()  # only 🗑 + ✅ count
        ask = expect(await own.press(listing, "🗑", "sendMessage"), "Удалить умный номер?")
        expect(await own.press(ask, "✅", "editMessageText"), "удалён")

    # Each account's first use starts its background read into the bot's mirror: let those finish first, so
    # that each count holds only what its own action cost.
    for user in (small, paged, large, own):
        expect(await user.send("/list"), LIST_HEADER)
    await quiet(plusofon, seconds=2.0, timeout=120.0)

    added: list[int] = []

    async def add() -> None:
        reply = expect(await own.send(f"/add {new_phone()} counted #{len(added)}"), "Создан")
        added.append(number_id_of(reply))

    asks: list[Reply] = []

    async def delete() -> None:
        asks.append(expect(await own.send(f"/del {added[len(asks)]}"), "Удалить умный номер?"))

    async def confirm() -> None:
        expect(await own.press(asks.pop(0), "✅", "editMessageText"), "удалён")

    actions: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        ("/list · 15 numbers", lambda: small.send("/list")),
        ("/list · 10,000 numbers", lambda: large.send("/list")),
        ("▶ · 30 numbers", lambda: turn(paged)),
        ("▶ · 10,000 numbers", lambda: turn(large)),
        ("🗑 from a page + ✅", bin_and_confirm),
        ("/add", add),
        ("/del <id> (its confirmation)", delete),
        ("✅ after /del", confirm),
        ("yardstick /list", lambda: yardstick.send("/list")),
    ]
    counted = []
    for name, action in actions:
        counted.append(Counted(name, [await calls_of(plusofon, action) for _ in range(times)]))
    return counted


def same_page(bot_reply: Reply, yardstick_reply: Reply) -> bool:
    """Whether the yardstick shows what the bot shows (text and buttons), as it must to be a fair yardstick."""
    return bot_reply.text == yardstick_reply.text and bot_reply.markup == yardstick_reply.markup
