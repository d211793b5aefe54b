"""The delete of many: `/del 12 15 19` and 🗑 Удалить все N under a /find result, behind one confirmation, run
as a bulk job (progress, a summary, each deletion in /history)."""

from __future__ import annotations

import csv
import io

from tests.harness import buttons, markup_of, only, texts


async def result(harness) -> list[dict[str, str]]:
    call = await harness.tg.wait_for(lambda c: c.method_name == "sendDocument"
                                     and "result" in str(getattr(c.params.get("document"), "filename", "")))
    return list(csv.DictReader(io.StringIO(call.params["document"].data.decode("utf-8-sig"))))


async def test_del_with_several_ids_asks_once_and_deletes_them_all(harness, plusofon):
    numbers = plusofon.seed(40, 6)
    ids = [numbers[1]["id"], numbers[3]["id"], numbers[4]["id"]]
    ask = only(await harness.send(f"/del {ids[0]} {ids[1]}, {ids[2]} 999999"), "sendMessage")
    text = ask.params["text"]
    assert "Удалить умных номеров: 3?" in text and f"id {ids[0]}" in text and "Не найдены: 999999" in text
    assert buttons(markup_of(ask)) == [["🗑 Удалить все 3", "❌ Отмена"]]
    assert plusofon.count("DELETE") == 0
    await harness.press(ask, "🗑 Удалить все 3")
    rows = await result(harness)
    assert [(int(r["id"]), r["status"]) for r in rows] == [(i, "готово") for i in ids]
    assert sorted(n["id"] for n in plusofon.numbers(40)) == sorted(n["id"] for n in numbers if n["id"] not in ids)
    assert plusofon.count("DELETE") == 3
    assert only(await harness.send("/history"), "sendMessage").params["text"].count("удалил(а)") == 3


async def test_ids_a_whole_copy_lacks_cost_no_call_each(harness, plusofon):
    numbers = plusofon.seed(40, 45)  # 3 pages
    await harness.synced()
    missing = " ".join(str(900000 + n) for n in range(20))
    ask = only(await harness.send(f"/del {numbers[0]['id']} {missing}"), "sendMessage")
    assert "Удалить умных номеров: 1?" in ask.params["text"] and "Не найдены: 900000" in ask.params["text"]
    assert plusofon.count("GET") <= 2  # the freshness check only, not a search per missing id


async def test_a_find_result_can_be_deleted_whole(harness, plusofon):
    plusofon.seed(40, 5)
    stock = plusofon.seed(40, 20, description="Склад")
    found = only(await harness.send("/find склад"), "sendMessage")
    ask = only(await harness.press(found, "🗑 Удалить все 20"), "sendMessage")
    assert "Удалить умных номеров: 20?" in ask.params["text"] and "…и ещё 17" in ask.params["text"]
    await harness.press(ask, "🗑 Удалить все 20")
    rows = await result(harness)
    assert sorted(int(r["id"]) for r in rows) == [n["id"] for n in stock]
    assert plusofon.total(40) == 5 and "Склад" not in {n["description"] for n in plusofon.numbers(40)}


async def test_cancel_deletes_nothing_and_only_admins_delete_in_bulk_in_a_group(harness, plusofon):
    numbers = plusofon.seed(40, 3)
    ask = only(await harness.send(f"/del {numbers[0]['id']} {numbers[1]['id']}"), "sendMessage")
    assert "Отменено" in texts(await harness.press(ask, "❌ Отмена"))[0]
    await harness.connect_chat(-600)
    harness.tg.telegram.set_chat_member(-600, 8, "member")
    refused = await harness.send(f"/del {numbers[0]['id']} {numbers[1]['id']}", chat_id=-600, user_id=8)
    assert "только её администраторам" in texts(refused)[0]
    assert plusofon.count("DELETE") == 0 and plusofon.total(40) == 3


async def test_a_number_gone_meanwhile_is_no_failure(harness, plusofon):
    numbers = plusofon.seed(40, 3)
    ask = only(await harness.send(f"/del {numbers[0]['id']} {numbers[1]['id']}"), "sendMessage")
    plusofon.remove(40, numbers[0]["id"])
    await harness.press(ask, "🗑 Удалить все 2")
    rows = await result(harness)
    assert [r["status"] for r in rows] == ["уже был удалён", "готово"]
