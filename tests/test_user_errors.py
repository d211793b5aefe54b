"""What a user sees when the Plusofon API fails under /list, /add and ✅ of a delete: a short Russian message
without internals, and the bot keeps working afterwards."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable

import pytest

from tests.conftest import PLUSOFON_TOKEN
from tests.harness import GIVE_UP_SOONER, buttons, markup_of, only, texts

INTERNAL_ERROR = "Что-то пошло не так"
STATUS_JARGON = re.compile(r"\b(400|401|403|404|422|429|500|502|503)\b")
CONFIRM_BUTTONS = [["✅ Удалить", "❌ Отмена"]]

# fault -> (inject keywords, phrases the user must see)
FAULTS: dict[str, tuple[dict, tuple[str, ...]]] = {
    "401": ({"times": 3}, ("токен", "администратор")),
    "error200": ({}, ("Plusofon не нашёл аккаунт",)),
    "html500": ({"times": 3}, ("ошибкой",)),
    "429": ({"times": 3, "retry_after": 0}, ("не спешить",)),
    "invalid_json": ({"times": 3}, ("ошибкой",)),
}
# which request of each action gets the fault
ACTION_METHOD = {"list": "GET", "add": "POST", "delete": "DELETE"}


def assert_clean(text: str) -> None:
    """No internals: tracebacks, URLs, the token, HTTP status numbers, raw HTML or JSON."""
    for internal in ("Traceback", "http", PLUSOFON_TOKEN, "<html", "nginx", "Unauthenticated", "Too Many",
                     "User not found", "Exception", "Error", "{"):
        assert internal not in text, f"{internal!r} shown to the user: {text!r}"
    assert not STATUS_JARGON.search(text), f"status code shown to the user: {text!r}"


async def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll a condition of the fake server (it has no events to wait on)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def list_still_works(harness, plusofon) -> None:
    """After a failure: the next /list gets a normal answer, and nothing escaped as an internal error."""
    plusofon.clear_faults()
    text = only(await harness.send("/list"), "sendMessage").params["text"]
    assert "Умные номера" in text or "пока нет" in text, text
    assert not any(INTERNAL_ERROR in t for t in texts(harness.tg.calls)), harness.tg.describe_calls()


async def ask_delete(harness, plusofon):
    """A /del confirmation for the second seeded number; returns (message call, number)."""
    number = plusofon.seed(40, 3)[1]
    ask = only(await harness.send(f"/del {number['id']}"), "sendMessage")
    assert buttons(markup_of(ask)) == CONFIRM_BUTTONS
    return ask, number


async def run_action(harness, plusofon, action: str, fault: str | None, **inject) -> tuple[str, list]:
    """Do `action` with `fault` injected on its main request; the text the user got, and the calls."""
    if action == "delete":
        ask, number = await ask_delete(harness, plusofon)
        if fault:
            plusofon.inject(fault, method="DELETE", **inject)
        calls = await harness.press(ask, "✅")
        edit = only(calls, "editMessageText")
        assert edit.ok
        assert buttons(markup_of(edit)) == CONFIRM_BUTTONS, "the user must be able to retry"
        assert f"id {number['id']}" in edit.params["text"]
        assert not texts(calls)  # no extra message: the confirmation itself shows the error
        return edit.params["text"], calls
    if fault:
        plusofon.inject(fault, method=ACTION_METHOD[action], **inject)
    command = "/list" if action == "list" else "/add 79993332210 Иван"
    calls = await harness.send(command)
    return only(calls, "sendMessage").params["text"], calls


# ---- each API failure, for each action ----------------------------------------------------------


@pytest.mark.parametrize("action", ["list", "add", "delete"])
@pytest.mark.parametrize("fault", list(FAULTS))
async def test_api_error_is_explained_briefly(harness, plusofon, action, fault):
    inject, phrases = FAULTS[fault]
    text, _ = await run_action(harness, plusofon, action, fault, **inject)
    for phrase in phrases:
        assert phrase in text, text
    assert_clean(text)
    if action == "add":
        assert plusofon.count("POST") == 1  # an add is never repeated blindly
    await list_still_works(harness, plusofon)


@pytest.mark.parametrize("action", ["list", "add"])
async def test_api_down(harness, plusofon, action):
    await plusofon.stop()
    try:
        started = time.monotonic()
        text, _ = await run_action(harness, plusofon, action, None)
        assert time.monotonic() - started < 5
    finally:
        await plusofon.start()
    assert "Plusofon не отвечает" in text
    assert_clean(text)
    assert plusofon.requests == []
    await list_still_works(harness, plusofon)


async def test_delete_while_api_down_keeps_the_buttons_and_can_be_retried(harness, plusofon):
    ask, number = await ask_delete(harness, plusofon)
    await plusofon.stop()
    try:
        calls = await harness.press(ask, "✅")
    finally:
        await plusofon.start()
    edit = only(calls, "editMessageText")
    assert "Plusofon не отвечает" in edit.params["text"] and "Удалить умный номер?" in edit.params["text"]
    assert_clean(edit.params["text"])
    assert buttons(markup_of(edit)) == CONFIRM_BUTTONS
    assert number["id"] in {n["id"] for n in plusofon.numbers(40)}
    plusofon.clear_requests()
    # the API is back: the same ✅ now deletes
    calls = await harness.press(ask, "✅")
    assert "удалён" in only(calls, "editMessageText").params["text"]
    assert plusofon.count("DELETE") == 1
    assert number["id"] not in {n["id"] for n in plusofon.numbers(40)}
    await list_still_works(harness, plusofon)


@GIVE_UP_SOONER
@pytest.mark.parametrize("action", ["list", "add", "delete"])
async def test_slow_api_answers_within_the_deadline_and_shows_typing(harness, plusofon, action):
    if action == "delete":
        ask, _ = await ask_delete(harness, plusofon)
        plusofon.inject("slow", delay=3, times=5)
        started = time.monotonic()
        calls = await harness.press(ask, "✅")
        text = only(calls, "editMessageText").params["text"]
        assert buttons(markup_of(only(calls, "editMessageText"))) == CONFIRM_BUTTONS
    else:
        plusofon.inject("slow", delay=3, times=5)
        started = time.monotonic()
        calls = await harness.send("/list" if action == "list" else "/add 79993332210 Иван")
        text = only(calls, "sendMessage").params["text"]
    elapsed = time.monotonic() - started
    assert "не отвечает" in text
    assert_clean(text)
    assert elapsed < 5, f"the user waited {elapsed:.1f}s"
    actions = [call for call in calls if call.method_name == "sendChatAction"]
    assert actions and all(call.params["action"] == "typing" and call.params["chat_id"] == 100
                           for call in actions)
    await list_still_works(harness, plusofon)


# ---- /add specifics ------------------------------------------------------------------------------


async def test_add_rejected_by_api_shows_the_fields_message(harness, plusofon):
    calls = await harness.send("/add +47 2212 3456 Норвегия")
    post = [r for r in plusofon.requests if r.method == "POST"]
    assert len(post) == 1 and post[0].json["phone_b"] == "4722123456"  # the bot accepted it, the API did not
    text = only(calls, "sendMessage").params["text"]
    assert text.startswith("Plusofon не принял данные")
    assert "The phone b format is invalid." in text
    assert_clean(text)
    assert plusofon.numbers(40) == []
    await list_still_works(harness, plusofon)


async def test_add_whose_answer_is_lost_still_reports_the_new_number(harness, plusofon):
    plusofon.inject("drop_after", method="POST")
    calls = await harness.send("/add 79993332210 Иван")
    assert plusofon.count("POST") == 1
    created = plusofon.numbers(40)
    assert len(created) == 1
    phone_x = created[0]["phoneX"]
    text = only(calls, "sendMessage").params["text"]
    assert "Создан" in text
    assert f"+7 {phone_x[1:4]} {phone_x[4:7]}-{phone_x[7:9]}-{phone_x[9:]}" in text
    assert f"id {created[0]['id']}" in text
    await list_still_works(harness, plusofon)


@GIVE_UP_SOONER
async def test_add_with_unknown_outcome_warns_about_a_duplicate(harness, plusofon):
    plusofon.inject("slow", method="POST", delay=3)
    task = asyncio.create_task(harness.send("/add 79993332210 Иван"))
    try:
        await wait_until(lambda: plusofon.count("POST") == 1)
        plusofon.inject("500", method="GET", times=5)  # the read-back after the POST fails too
        calls = await asyncio.wait_for(task, 5)
    finally:
        if not task.done():
            task.cancel()
    text = only(calls, "sendMessage").params["text"]
    assert text.startswith("⚠️") and "не ответил, создан ли номер" in text
    assert_clean(text)
    assert plusofon.count("POST") == 1
    await list_still_works(harness, plusofon)


@GIVE_UP_SOONER
async def test_add_timed_out_but_created_later_warns_about_a_duplicate(harness, plusofon):
    plusofon.inject("slow", method="POST", delay=0.7)  # the server creates it after the client gave up (0.5 s)
    calls = await harness.send("/add 79993332210 Иван")
    text = only(calls, "sendMessage").params["text"]
    await wait_until(lambda: len(plusofon.numbers(40)) == 1, 3)  # ...and the number does get created
    assert "не ответил, создан ли номер" in text, text


async def test_english_user_gets_the_error_in_english(harness, plusofon):
    plusofon.inject("401", times=3)
    text = only(await harness.send("/list", language_code="en"), "sendMessage").params["text"]
    assert "token" in text and "admin" in text and "токен" not in text
    assert_clean(text)
