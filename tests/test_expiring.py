"""/expiring: the account's temporary numbers from SQLite (no Plusofon call), the soonest first, a window
(`/expiring 7d`), pages of 15, and 🗑 Удалить все N run as the bulk delete job. Expiries are scheduled through
the expiry worker (as /add --ttl does), on the harness's FakeClock."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.core.durations import local_time
from bot.core.models import SmartNumber
from bot.core.phones import display
from tests.harness import buttons, markup_of, only, texts
from tests.test_bulk_delete import result

DAY, HOUR = 86_400, 3_600
GROUP = -600


async def temporary(harness, plusofon, ttls_in_hours, account=40, chat_id=100):
    """Numbers seeded in `account`, each made temporary for its term (in `ttls_in_hours` order); the expiries."""
    rows = []
    for number, hours in zip(plusofon.seed(account, len(ttls_in_hours)), ttls_in_hours, strict=True):
        rows.append(await harness.expirer.schedule(SmartNumber.model_validate(number), timedelta(hours=hours),
                                                   account=account, chat_id=chat_id, user_id=chat_id,
                                                   user_name="Иван"))
    return rows


def ids_shown(text):
    return [int(found) for found in re.findall(r"id (\d+)", text)]


async def test_the_list_is_soonest_first_with_every_field_and_no_plusofon_call(harness, plusofon):
    permanent = plusofon.seed(40, 2)
    rows = await temporary(harness, plusofon, [30 * 24, 12, 48])
    plusofon.clear_requests()
    reply = only(await harness.send("/expiring"), "sendMessage")
    text = reply.params["text"]
    soonest = sorted(rows, key=lambda row: row.expires_at)
    assert ids_shown(text) == [row.number_id for row in soonest]
    assert "Временные номера: 3 · стр. 1/1" in text
    for row in rows:
        assert f"📞 {display(row.phone_x)} → {display(row.phone_b)}\n{row.description}" in text
        assert f"временный, до {local_time(row.expires_at)}" in text
    assert not {n["id"] for n in permanent} & set(ids_shown(text))
    assert plusofon.requests == []
    assert buttons(markup_of(reply))[-1] == ["🗑 Удалить все 3"]


async def test_a_window_narrows_the_list_and_a_bad_one_gets_examples(harness, plusofon):
    rows = await temporary(harness, plusofon, [30 * 24, 12, 48, 6 * 24])
    plusofon.clear_requests()
    text = texts(await harness.send("/expiring 3d"))[0]
    assert ids_shown(text) == [rows[1].number_id, rows[2].number_id]
    assert "Временные номера: 2 · удалятся до" in text
    text = texts(await harness.send("/expiring 7 дней"))[0]
    assert ids_shown(text) == [rows[1].number_id, rows[2].number_id, rows[3].number_id]
    for bad in ("7w", "0d", "завтра"):
        answer = texts(await harness.send(f"/expiring {bad}"))[0]
        assert "Не понял срок" in answer and "/expiring 7d" in answer
    assert plusofon.requests == []


async def test_the_empty_answer_says_how_to_make_a_temporary_number(harness, plusofon):
    plusofon.seed(40, 3)
    reply = only(await harness.send("/expiring"), "sendMessage")
    assert "Временных номеров нет" in reply.params["text"] and "--ttl 7d" in reply.params["text"]
    assert markup_of(reply) is None
    await temporary(harness, plusofon, [30 * 24])
    text = texts(await harness.send("/expiring 1d"))[0]
    assert "не удалится ни один временный номер" in text and "/expiring" in text
    assert "не подключён" in texts(await harness.send("/expiring", chat_id=300))[0]


async def test_another_accounts_temporary_numbers_are_never_shown_nor_deleted(harness, plusofon):
    await harness.connect_chat(200, user_id=41, token="tok-41-other-secret")
    ours = await temporary(harness, plusofon, [24, 48])
    theirs = await temporary(harness, plusofon, [12, 36, 72], account=41, chat_id=200)
    reply = only(await harness.send("/expiring"), "sendMessage")
    assert ids_shown(reply.params["text"]) == [row.number_id for row in ours]
    assert ids_shown(texts(await harness.send("/expiring", chat_id=200))[0]) == [row.number_id for row in theirs]
    ask = only(await harness.press(reply, "🗑 Удалить все 2"), "sendMessage")
    await harness.press(ask, "🗑 Удалить все 2")
    await result(harness)
    assert plusofon.total(40) == 0 and plusofon.total(41) == 3


async def test_pages_of_fifteen_keep_the_window(harness, plusofon):
    rows = await temporary(harness, plusofon, [day * 24 + 1 for day in range(1, 21)])
    first = only(await harness.send("/expiring 17d"), "sendMessage")  # 16 of the 20 go within 17 days
    assert "Временные номера: 16 · удалятся до" in first.params["text"] and "стр. 1/2" in first.params["text"]
    assert ids_shown(first.params["text"]) == [row.number_id for row in rows[:15]]
    assert buttons(markup_of(first))[0] == ["1/2", "▶"]
    second = only(await harness.press(first, "▶"), "editMessageText")
    assert ids_shown(second.params["text"]) == [rows[15].number_id] and "стр. 2/2" in second.params["text"]
    assert buttons(markup_of(second))[0] == ["◀", "2/2"]
    back = only(await harness.press(first, "◀"), "editMessageText")
    assert ids_shown(back.params["text"]) == [row.number_id for row in rows[:15]]
    assert plusofon.requests == []


async def test_delete_all_runs_the_bulk_job_for_the_window_only(harness, plusofon):
    permanent = plusofon.seed(40, 2)
    rows = await temporary(harness, plusofon, [12, 30 * 24, 48, 24])
    listed = only(await harness.send("/expiring 3d"), "sendMessage")
    ask = only(await harness.press(listed, "🗑 Удалить все 3"), "sendMessage")
    assert "Удалить умных номеров: 3?" in ask.params["text"]
    assert plusofon.count("DELETE") == 0
    await harness.press(ask, "🗑 Удалить все 3")
    done = await result(harness)
    in_window = [rows[0], rows[3], rows[2]]
    assert [(int(r["id"]), r["status"]) for r in done] == [(row.number_id, "готово") for row in in_window]
    assert plusofon.count("DELETE") == 3
    assert sorted(n["id"] for n in plusofon.numbers(40)) == sorted([*(n["id"] for n in permanent),
                                                                   rows[1].number_id])
    assert ids_shown(texts(await harness.send("/expiring"))[0]) == [rows[1].number_id]
    assert "удалил(а)" in texts(await harness.send("/history"))[0]


async def test_only_group_admins_delete_all(harness, plusofon):
    await harness.connect_chat(GROUP)
    harness.tg.telegram.set_chat_member(GROUP, 8, "member")
    await temporary(harness, plusofon, [12, 24], chat_id=GROUP)
    listed = only(await harness.send("/expiring", chat_id=GROUP, user_id=8), "sendMessage")
    pressed = await harness.press(listed, "🗑 Удалить все 2", user_id=8)
    assert texts(pressed) == []  # no question asked
    assert "только её администраторам" in only(pressed, "answerCallbackQuery").params["text"]
    assert plusofon.count("DELETE") == 0 and plusofon.total(40) == 2
