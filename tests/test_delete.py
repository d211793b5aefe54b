"""/del and 🗑: the server-side, one-shot, owner-only confirmation, then the delete."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.harness import GIVE_UP_SOONER, button_data, buttons, markup_of, only


@pytest.mark.parametrize("argument", ["", " ", "abc", "0", "-5", "1.5", "12abc", "٣"])
async def test_bad_ids_get_a_clear_message_and_no_api_call(harness, plusofon, argument):
    text = only(await harness.send(f"/del {argument}".rstrip()), "sendMessage").params["text"]
    assert "/del 123" in text
    assert plusofon.requests == []


async def test_unknown_id_is_not_found(harness, plusofon):
    plusofon.seed(40, 3)
    text = only(await harness.send("/del 999999"), "sendMessage").params["text"]
    assert "999999 не найден" in text
    assert plusofon.count("DELETE") == 0


async def test_del_asks_then_deletes_once(harness, plusofon):
    number = plusofon.seed(40, 20)[17]
    ask = only(await harness.send(f"/del {number['id']}"), "sendMessage")
    assert "Удалить умный номер?" in ask.params["text"] and f"id {number['id']}" in ask.params["text"]
    assert buttons(markup_of(ask)) == [["✅ Удалить", "❌ Отмена"]]
    assert str(number["id"]) not in button_data(markup_of(ask), "✅")  # the button carries an opaque key
    calls = await harness.press(ask, "✅")
    assert "удалён" in only(calls, "editMessageText").params["text"]
    deletes = [r for r in plusofon.requests if r.method == "DELETE"]
    assert [r.path for r in deletes] == [f"/api/v1/smart-numbers/{number['id']}"]
    assert number["id"] not in {n["id"] for n in plusofon.numbers(40)}


async def test_cancel_edits_into_cancelled(harness, plusofon):
    number = plusofon.seed(40, 1)[0]
    ask = only(await harness.send(f"/del {number['id']}"), "sendMessage")
    edit = only(await harness.press(ask, "❌"), "editMessageText")
    assert "отменено" in edit.params["text"]
    assert plusofon.count("DELETE") == 0
    calls = await harness.press_data(button_data(markup_of(ask), "✅"), chat_id=100,
                                     message_id=ask.result["message_id"])
    assert plusofon.count("DELETE") == 0
    assert only(calls, "answerCallbackQuery").params["text"]


async def test_double_tap_deletes_once(harness, plusofon):
    number = plusofon.seed(40, 1)[0]
    ask = only(await harness.send(f"/del {number['id']}"), "sendMessage")
    plusofon.delay = 0.2  # both taps are in flight together
    await asyncio.gather(harness.press(ask, "✅"), harness.press(ask, "✅"))
    assert plusofon.count("DELETE") == 1


async def test_only_the_asker_may_confirm(harness, plusofon):
    await harness.connect_chat(-100777)
    number = plusofon.seed(40, 1)[0]
    ask = only(await harness.send(f"/del {number['id']}", chat_id=-100777, user_id=1), "sendMessage")
    for label in ("✅", "❌"):
        answer = only(await harness.press(ask, label, user_id=2), "answerCallbackQuery")
        assert "не ваше" in answer.params["text"] and answer.params["show_alert"] is True
    assert plusofon.count("DELETE") == 0
    await harness.press(ask, "✅", user_id=1)
    assert plusofon.count("DELETE") == 1


async def test_expired_confirmation(harness, plusofon, monkeypatch):
    number = plusofon.seed(40, 1)[0]
    ask = only(await harness.send(f"/del {number['id']}"), "sendMessage")
    later = time.time() + 601
    monkeypatch.setattr(time, "time", lambda: later)
    calls = await harness.press(ask, "✅")
    answer = only(calls, "answerCallbackQuery")
    assert "устарело" in answer.params["text"]
    assert "устарело" in only(calls, "editMessageText").params["text"]
    assert plusofon.count("DELETE") == 0


async def test_confirmation_survives_a_restart(harness, plusofon):
    number = plusofon.seed(40, 1)[0]
    ask = only(await harness.send(f"/del {number['id']}"), "sendMessage")
    await harness.restart()
    calls = await harness.press(ask, "✅")
    assert "удалён" in only(calls, "editMessageText").params["text"]
    assert plusofon.count("DELETE") == 1


async def test_trash_button_from_list_needs_no_lookup(harness, plusofon):
    numbers = plusofon.seed(40, 20)
    listing = only(await harness.send("/list"), "sendMessage")
    plusofon.clear_requests()
    ask = only(await harness.press(listing, f"🗑 {numbers[3]['id']}"), "sendMessage")
    assert f"id {numbers[3]['id']}" in ask.params["text"]
    await harness.press(ask, "✅")
    assert [r.method for r in plusofon.requests] == ["DELETE"]


async def test_trash_button_after_add(harness, plusofon):
    added = only(await harness.send("/add 79993332210 Иван"), "sendMessage", chat_id=100)
    ask = only(await harness.press(added, "🗑 Удалить"), "sendMessage", chat_id=100)
    await harness.press(ask, "✅")
    assert plusofon.numbers(40) == []


async def test_number_deleted_meanwhile(harness, plusofon):
    number = plusofon.seed(40, 2)[0]
    ask = only(await harness.send(f"/del {number['id']}"), "sendMessage")
    await harness.services.plusofon.delete(harness.services.chats._known[100].credentials, number["id"])
    edit = only(await harness.press(ask, "✅"), "editMessageText")
    assert "уже нет" in edit.params["text"]


async def test_del_finds_number_on_a_large_account_by_bisection(harness, plusofon):
    numbers = plusofon.seed(40, 10_000)
    plusofon.clear_requests()
    ask = only(await harness.send(f"/del {numbers[7777]['id']}"), "sendMessage")
    assert f"id {numbers[7777]['id']}" in ask.params["text"]
    assert len(plusofon.requests) <= 12


@GIVE_UP_SOONER
async def test_delete_that_timed_out_but_went_through_counts_as_done(harness, plusofon):
    number = plusofon.seed(40, 2)[0]
    ask = only(await harness.send(f"/del {number['id']}"), "sendMessage")
    plusofon.inject("slow_after", method="DELETE", delay=3, times=3)  # deleted, but the answer never comes in time
    failed = only(await harness.press(ask, "✅"), "editMessageText")
    assert "не отвечает" in failed.params["text"] and buttons(markup_of(failed))[0][0] == "✅ Удалить"
    plusofon.clear_faults()
    done = only(await harness.press(ask, "✅"), "editMessageText")
    assert "удалён" in done.params["text"]
    note = await harness.tg.wait_for(lambda call: call.params.get("chat_id") == -100500)
    assert "удалил" in note.params["text"]


async def test_a_stop_between_the_used_up_confirmation_and_the_delete_reopens_it(harness, plusofon):
    """Issue 22, item 20: the ✅ was used up, then the bot stopped before the DELETE reached Plusofon (a crash,
    or a shutdown cancelling the update): after the restart the same ✅ deletes the number."""
    from handlers.callbacks import ConfirmCallback

    number = plusofon.seed(40, 2)[0]
    ask = only(await harness.send(f"/del {number['id']}"), "sendMessage")
    key = ConfirmCallback.unpack(button_data(markup_of(ask), "✅")).key
    claim = await harness.services.confirmations.claim(key, chat_id=100, user_id=100, action="delete", account=40)
    assert claim.refusal is None  # what the press did before the stop
    await harness.restart()
    calls = await harness.press(ask, "✅")
    assert "удалён" in only(calls, "editMessageText").params["text"]
    assert plusofon.count("DELETE") == 1 and number["id"] not in {n["id"] for n in plusofon.numbers(40)}
    await harness.restart()  # a delete that is over is not reopened again
    again = await harness.press_data(button_data(markup_of(ask), "✅"), chat_id=100,
                                     message_id=ask.result["message_id"])
    assert "уже" in only(again, "answerCallbackQuery").params["text"] and plusofon.count("DELETE") == 1


async def test_a_cancelled_or_finished_confirmation_is_not_reopened_by_a_restart(harness, plusofon):
    numbers = plusofon.seed(40, 2)
    cancelled = only(await harness.send(f"/del {numbers[0]['id']}"), "sendMessage")
    await harness.press(cancelled, "❌")
    await harness.restart()
    await harness.press_data(button_data(markup_of(cancelled), "✅"), chat_id=100,
                             message_id=cancelled.result["message_id"])
    assert plusofon.count("DELETE") == 0
