"""One user's round of actions on a running bot, each measured alone: its wait (to the final answer) and the
Plusofon calls it caused (answered from the update's push until the fake has been quiet a while)."""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.latency.answers import Outcome, button, final_answer, message_id_of, text_of
from bench.latency.traffic import Traffic, settle, take
from bench.processes import PlusofonProcess
from bench.scenarios import new_phone
from bench.world import PER_PAGE
from handlers.texts import Texts
from tests.fake_bot_api import ApiCall, FakeBotApi

LIST = "/list"
PAGE = "▶"
CARD = "card (📇 from a page)"
FIND_COLD = "/find cold"
FIND_WARM = "/find warm"
EXPORT = "/export"
ADD_NEW = "/add new customer"
ADD_EXISTING = "/add existing customer"
DEL_OLD = "/del old id"
DEL_RECENT = "/del recent id"
CONFIRM = "✅ (delete)"
ACTIONS = (
    LIST,
    PAGE,
    CARD,
    FIND_COLD,
    FIND_WARM,
    EXPORT,
    ADD_NEW,
    ADD_EXISTING,
    DEL_OLD,
    DEL_RECENT,
    CONFIRM,
)
ADDS = (ADD_NEW, ADD_EXISTING)


def _prefix(template: str) -> str:
    return template.split("{")[0]


LIST_HEADER = _prefix(Texts.list_header)
FOUND = re.compile(r"Найдено: (\d+)")
CREATED = (_prefix(Texts.add_done), _prefix(Texts.add_done_unknown))
GUARD = _prefix(Texts.duplicate_ask)
CONFIRM_DELETE = _prefix(Texts.del_confirm)
NOT_FOUND = _prefix(Texts.del_not_found)
DELETED = (_prefix(Texts.del_done), _prefix(Texts.del_already_gone))


@dataclass
class Sample:
    action: str
    outcome: Outcome
    traffic: Traffic | None
    """None when calls are not counted (while a sync runs, they cannot be told apart)."""
    settled: bool = True
    """Whether the fake went quiet after the answer (if not, `traffic` is what came in the time allowed)."""

    @property
    def calls(self) -> int | None:
        return None if self.traffic is None else self.traffic.calls

    def as_json(self) -> dict[str, Any]:
        return {
            **self.outcome.as_json(),
            "calls": self.calls,
            "routes": None if self.traffic is None else dict(self.traffic.routes),
            "statuses": None if self.traffic is None else dict(self.traffic.statuses),
            "settled": self.settled,
        }


@dataclass(frozen=True)
class Picks:
    """Numbers of the account the round uses, as the fake holds them (None: the account is too small)."""

    old: dict[str, Any] | None
    """An old number, off page 1 when the account has more than one page: /del <its id>."""
    customer: dict[str, Any] | None
    """A customer who has a number: /add for them meets the duplicate guard."""
    cold: dict[str, Any] | None
    warm: dict[str, Any] | None
    """Numbers /find looks for (by their customer's phone: exactly one match)."""
    newest: dict[str, Any] | None = None
    """The account's newest number: /del and ✅ take it when the round's /add made none."""


@dataclass
class Scene:
    """One user (a private chat) of a running bot, and the fake Plusofon behind it."""

    telegram: FakeBotApi
    chat_id: int
    plusofon: PlusofonProcess
    account: int
    numbers: int
    """How many numbers the account holds: the driver keeps it as the bot adds and deletes."""
    count_calls: bool
    quiet: float
    """Seconds without a Plusofon request after an answer before its calls are counted as complete."""
    idle: float = 30.0
    cap: float = 600.0
    label: str = ""
    samples: list[Sample] = field(default_factory=list)

    def send(self, text: str) -> Callable[[], object]:
        return lambda: self.telegram.push_message(text, chat_id=self.chat_id, user_id=self.chat_id)

    def press(self, message: ApiCall, data: str) -> Callable[[], object]:
        return lambda: self.telegram.push_callback(
            data,
            chat_id=self.chat_id,
            user_id=self.chat_id,
            message_id=message_id_of(message),
            message_text=text_of(message),
        )

    async def act(
        self,
        action: str,
        push: Callable[[], object],
        is_final: Callable[[ApiCall], bool],
        check: Callable[[ApiCall], str | None] | None = None,
    ) -> Sample:
        if self.count_calls:
            await take(self.plusofon, self.account)  # whatever came before is not this action's
        outcome = await final_answer(
            self.telegram, self.chat_id, push, is_final, idle=self.idle, cap=self.cap
        )
        if outcome.final is not None and check is not None:
            outcome.failure = check(outcome.final)
        traffic, settled = None, True
        if self.count_calls:
            traffic, settled = await settle(self.plusofon, self.account, self.quiet, timeout=15.0)
        sample = Sample(action, outcome, traffic, settled)
        self.samples.append(sample)
        wait = "failed" if outcome.wait is None else f"{outcome.wait:.2f} s"
        calls = "" if sample.calls is None else f", {sample.calls} calls"
        problem = f" ({outcome.failure})" if outcome.failure else ""
        print(f"      {self.label}{action}: {wait}{calls}{problem}", file=sys.stderr, flush=True)
        return sample

    def not_done(self, action: str, because: str) -> None:
        """An action the round could not do because an earlier one failed: it counts as failed."""
        self.samples.append(Sample(action, Outcome(None, None, None, 0, f"not done: {because} failed"), None))
        print(f"      {self.label}{action}: not done ({because} failed)", file=sys.stderr, flush=True)


def _has(text: str, *parts: str) -> bool:
    return any(part in text for part in parts)


def _starts(text: str, *prefixes: str) -> bool:
    return text.startswith(prefixes)


async def play_round(scene: Scene, picks: Picks, cold: bool) -> None:
    """/find (cold when it is the first since the bot started), /find again, /list, ▶, 📇, /export, /add for a
    new and for an existing customer, /del of an old id and of the number just added (the newest seeded one if
    the /add failed), ✅: the account ends as it began.
    Actions the account is too small for (▶ on one page, a card of nothing) are left out."""
    await _find(scene, FIND_COLD if cold else FIND_WARM, picks.cold)
    await _find(scene, FIND_WARM, picks.warm)

    listing = await scene.act(
        LIST, scene.send("/list"), lambda c: _has(text_of(c), LIST_HEADER, Texts.list_empty)
    )
    page = listing.outcome.final
    if page is None:
        for action in (PAGE, CARD) if scene.numbers > PER_PAGE else (CARD,) if scene.numbers else ():
            scene.not_done(action, LIST)
    elif (data := button(page, "▶")) is not None:
        turned = await scene.act(PAGE, scene.press(page, data), lambda c: LIST_HEADER in text_of(c))
        page = turned.outcome.final
        if page is None:
            scene.not_done(CARD, PAGE)
    if page is not None and (data := button(page, "📇")) is not None:
        await scene.act(CARD, scene.press(page, data), lambda c: Texts.card_title in text_of(c))

    await scene.act(
        EXPORT,
        scene.send("/export"),
        lambda c: c.method == "sendDocument" or text_of(c) == Texts.export_empty,
        lambda c: _export_check(c, scene.numbers),
    )

    added = await scene.act(
        ADD_NEW,
        scene.send(f"/add {new_phone()} bench latency"),
        lambda c: _starts(text_of(c), *CREATED),
        lambda c: _created(scene, c),
    )
    if picks.customer is not None:
        await scene.act(
            ADD_EXISTING,
            scene.send(f"/add +{picks.customer['phoneB']} bench latency again"),
            lambda c: _starts(text_of(c), GUARD, *CREATED),
            lambda c: _guarded(scene, c),
        )
    if picks.old is not None:
        await scene.act(DEL_OLD, scene.send(f"/del {picks.old['id']}"), _del_answer, _del_check)
    new_id = _number_id(added.outcome.final)
    if new_id is None and picks.newest is not None:
        new_id = picks.newest[
            "id"
        ]  # the /add failed: the newest number there is (the account shrinks by one)
    if new_id is None:
        scene.not_done(DEL_RECENT, ADD_NEW)
        scene.not_done(CONFIRM, ADD_NEW)
        return
    asked = await scene.act(DEL_RECENT, scene.send(f"/del {new_id}"), _del_answer, _del_check)
    if asked.outcome.final is None or (data := button(asked.outcome.final, "✅")) is None:
        scene.not_done(CONFIRM, DEL_RECENT)
        return
    done = await scene.act(
        CONFIRM, scene.press(asked.outcome.final, data), lambda c: _starts(text_of(c), *DELETED)
    )
    if done.outcome.ok:
        scene.numbers -= 1


async def _find(scene: Scene, action: str, number: dict[str, Any] | None) -> None:
    phone = number["phoneB"] if number is not None else "79990000000"  # an empty account: nothing to find

    def check(call: ApiCall) -> str | None:
        found = FOUND.search(text_of(call))
        count = int(found.group(1)) if found else 0
        if number is None:
            return None if count == 0 else f"found {count} in an empty account"
        if count != 1 or f"id {number['id']}</code>" not in text_of(call):
            return f"expected the one number {number['id']}, got {text_of(call)[:120]!r}"
        return None

    await scene.act(
        action,
        scene.send(f"/find {phone}"),
        lambda c: FOUND.search(text_of(c)) is not None or _starts(text_of(c), _prefix(Texts.find_nothing)),
        check,
    )


def _export_check(call: ApiCall, expected: int) -> str | None:
    if call.method != "sendDocument":
        return None if expected == 0 else f"no file for an account of {expected}"
    document = call.params.get("document")
    content = getattr(document, "content", b"")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]
    return None if len(rows) == expected else f"the file has {len(rows)} numbers, the account {expected}"


def _number_id(call: ApiCall | None) -> int | None:
    data = button(call, "🗑") if call is not None else None
    return int(data.rpartition(":")[2]) if data else None


def _created(scene: Scene, call: ApiCall) -> str | None:
    scene.numbers += 1
    return None if _number_id(call) is not None else "created, but the bot could not say which number"


def _guarded(scene: Scene, call: ApiCall) -> str | None:
    if _starts(text_of(call), GUARD) and button(call, "✅"):
        return None
    if _starts(text_of(call), *CREATED):
        scene.numbers += 1
    return "the duplicate guard let a second number for the same customer through"


def _del_answer(call: ApiCall) -> bool:
    return _starts(text_of(call), CONFIRM_DELETE, NOT_FOUND)


def _del_check(call: ApiCall) -> str | None:
    return (
        None
        if _starts(text_of(call), CONFIRM_DELETE) and button(call, "✅")
        else "the bot did not find the number"
    )
