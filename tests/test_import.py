"""/import: a customers' file sent through the Bot API (getFile and the download), checked, then created as a
paced, resumable job that never creates a row twice."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest

from tests.harness import buttons, markup_of, only, texts

PHONES = [f"7999555{n:04d}" for n in range(100)]


def csv_bytes(rows: list[list[str]], *, encoding: str = "utf-8", delimiter: str = ",", bom: bool = False) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def answer(calls) -> tuple[str, list[list[str]], object]:
    """The check's one answer: its text (a message, or the caption of the wrong rows' file), buttons, call."""
    call = next(c for c in calls if c.method_name in ("sendMessage", "sendDocument"))
    text = call.params.get("text") or call.params.get("caption") or ""
    return text, buttons(markup_of(call)), call


async def finished(harness, job_id: int | None = None, timeout: float = 10.0):
    """The job's result file, once the job is over."""
    return await harness.tg.wait_for(lambda c: c.method_name == "sendDocument"
                                     and "result" in str(getattr(c.params.get("document"), "filename", "")),
                                     timeout=timeout)


def result_rows(call) -> list[dict[str, str]]:
    data = call.params["document"].data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(data)))


async def test_cp1251_semicolon_csv_is_checked_then_created(harness, plusofon):
    data = csv_bytes([["Телефон", "Описание"], ["+7 999 555-00-00", "Иван Петров"], ["8 999 555 00 01", "Ёлка"]],
                     encoding="cp1251", delimiter=";")
    text, keyboard, _ = answer(await harness.send_file(data, "клиенты.csv"))
    assert "Прочитано строк: 2" in text and "Можно создать: 2" in text
    assert plusofon.count("POST") == 0  # nothing created before the press
    assert keyboard == [["✅ Создать новые (2)"], ["❌ Отмена"]]
    calls = await harness.press(answer(harness.tg.calls)[2], "✅ Создать новые")
    progress = only(calls, "sendMessage")
    assert "Создано" in progress.params["text"]
    done = await finished(harness)
    assert "создано 2 из 2" in done.params["caption"]
    created = {n["phoneB"]: n["description"] for n in plusofon.numbers(40)}
    assert created == {PHONES[0]: "Иван Петров", PHONES[1]: "Ёлка"}
    rows = result_rows(done)
    assert [(r["row"], r["phoneB"], r["status"]) for r in rows] == [("2", PHONES[0], "готово"),
                                                                     ("3", PHONES[1], "готово")]
    assert all(r["id"] and r["phoneX"] for r in rows)
    history = only(await harness.send("/history"), "sendMessage").params["text"]
    assert history.count("добавил(а)") == 2
    team = await harness.tg.wait_for(lambda c: c.method_name == "sendMessage" and c.params["chat_id"] == -100500)
    assert "импортировал(а) из файла 2 умных номеров" in team.params["text"]
    await asyncio.sleep(0)
    assert len(harness.tg.sent(-100500)) == 1  # one line, not one a number


async def test_a_term_column_makes_temporary_numbers(harness, plusofon):
    data = csv_bytes([["phone", "description", "ttl"], [PHONES[0], "выставка", "7d"], [PHONES[1], "навсегда", ""]])
    _, _, call = answer(await harness.send_file(data, "a.csv"))
    await harness.press(call, "✅ Создать новые")
    await finished(harness)
    temporary = {n["id"] for n in plusofon.numbers(40) if n["phoneB"] == PHONES[0]}
    assert set(harness.services.expiries.of(40)) == temporary


async def test_xlsx_with_the_export_columns(harness, plusofon):
    data = xlsx_bytes([["id", "phoneX", "phoneB", "phoneA", "description", "created_at"],
                       [1, "79770000001", 79995550000, "", "Иван", ""],
                       [2, "79770000002", "79995550001", "", "Пётр", ""]])
    text, _, call = answer(await harness.send_file(data, "export.xlsx"))
    assert "Можно создать: 2" in text
    await harness.press(call, "✅ Создать новые")
    await finished(harness)
    assert {n["phoneB"] for n in plusofon.numbers(40)} == {PHONES[0], PHONES[1]}


async def test_wrong_rows_duplicates_and_existing_customers(harness, plusofon):
    plusofon.seed(40, 2, phone_b=PHONES[5])
    await harness.synced()
    rows = [["79995550000", "новый"], ["12345", "не телефон"], ["79995550000", "повтор"],
            ["79995550005", "уже есть"], ["79995550006", "д" * 256], ["8 809 123 45 67", "платный"]]
    text, keyboard, call = answer(await harness.send_file(csv_bytes(rows), "leads.csv", caption="/import"))
    assert call.method_name == "sendDocument"  # the wrong rows ride along as a file
    assert "Прочитано строк: 6" in text and "Можно создать: 1" in text and "Уже есть номер у клиента: 1" in text
    assert "строка 2: не похоже на номер телефона" in text and "строка 3: повтор строки 1" in text
    assert "строка 5: описание длиннее 255 символов" in text and "строка 6: платный номер" in text
    wrong = result_rows(call)
    assert [(r["row"], r["status"]) for r in wrong] == [
        ("2", "не похоже на номер телефона"), ("3", "повтор строки 1"), ("5", "описание длиннее 255 символов"),
        ("6", "платный номер — такие не создаются")]
    assert keyboard == [["✅ Создать новые (1)"], ["Создать для всех (2)"], ["❌ Отмена"]]
    assert plusofon.count("POST") == 0
    await harness.press(call, "Создать для всех")
    done = await finished(harness)
    assert "создано 2 из 2" in done.params["caption"]
    assert [n["description"] for n in plusofon.numbers(40)][-2:] == ["новый", "уже есть"]


async def test_create_new_skips_existing_customers_and_cancel_creates_nothing(harness, plusofon):
    plusofon.seed(40, 1, phone_b=PHONES[1])
    data = csv_bytes([[PHONES[0], "a"], [PHONES[1], "b"]])
    _, _, call = answer(await harness.send_file(data, "a.csv"))
    await harness.press(call, "✅ Создать новые")
    done = await finished(harness)
    assert [r["status"] for r in result_rows(done)] == ["готово", "пропущен: номер у клиента уже есть"]
    assert plusofon.count("POST") == 1
    _, _, call = answer(await harness.send_file(csv_bytes([[PHONES[2], "c"]]), "b.csv"))
    assert "Отменено" in texts(await harness.press(call, "❌ Отмена"))[0]
    assert plusofon.count("POST") == 1


async def test_only_who_sent_the_file_confirms(harness, plusofon):
    await harness.connect_chat(-500)
    harness.tg.telegram.set_chat_member(-500, 7, "administrator")
    harness.tg.telegram.set_chat_member(-500, 8, "member")
    harness.tg.telegram.set_chat_member(-500, 9, "administrator")
    refused = await harness.send_file(csv_bytes([[PHONES[0], "a"]]), "a.csv", chat_id=-500, user_id=8)
    assert "только её администраторам" in texts(refused)[0]
    _, _, call = answer(await harness.send_file(csv_bytes([[PHONES[0], "a"]]), "a.csv", chat_id=-500, user_id=7))
    pressed = await harness.press(call, "✅ Создать новые", user_id=9)
    alert = only(pressed, "answerCallbackQuery").params["text"]
    assert "только тот, кто это начал" in alert and plusofon.count("POST") == 0


@pytest.mark.parametrize(("content", "name", "expected"), [
    (None, None, "Это фото"),
    (b"%PDF-1.4 ...", "table.pdf", "PDF я не читаю"),
    (b"\x00\x01binary", "table.doc", "Такой файл я не читаю"),
    (b"x" * 3_000, "big.csv", "Файл весит 3 КБ, а я принимаю до 2 КБ"),
])
async def test_what_is_not_a_table_gets_a_short_answer(make, plusofon, content, name, expected):
    h = await make(connect=100, import_max_bytes=2_000)
    calls = await h.send_file(content, name)
    assert expected in texts(calls)[0]
    assert plusofon.count("POST") == 0 and not [c for c in calls if c.method_name == "sendDocument"]


async def test_too_many_rows_is_refused(make, plusofon):
    h = await make(connect=100, import_max_rows=3)
    calls = await h.send_file(csv_bytes([[p, "x"] for p in PHONES[:4]]), "a.csv")
    assert "больше 3 строк" in texts(calls)[0]


async def test_import_then_the_file(harness, plusofon):
    assert "CSV или XLSX" in texts(await harness.send("/import"))[0]
    text, _, _ = answer(await harness.send_file(csv_bytes([[PHONES[0], "a"]]), "a.csv", caption=None))
    assert "Можно создать: 1" in text


async def test_a_dropped_connection_after_the_create_makes_no_duplicate(harness, plusofon):
    """The server creates the number and the connection drops before its answer: the row is settled by the
    next page read, never sent again."""
    data = csv_bytes([[phone, f"клиент {i}"] for i, phone in enumerate(PHONES[:4])])
    _, _, call = answer(await harness.send_file(data, "a.csv"))
    plusofon.inject("drop_after", method="POST")
    await harness.press(call, "✅ Создать новые")
    done = await finished(harness)
    assert sorted(n["phoneB"] for n in plusofon.numbers(40)) == PHONES[:4]
    assert plusofon.count("POST") == 4
    assert [r["status"] for r in result_rows(done)] == ["готово"] * 4


async def test_a_429_in_the_middle_slows_the_job_without_failing_rows(harness, plusofon):
    data = csv_bytes([[phone, "x"] for phone in PHONES[:5]])
    _, _, call = answer(await harness.send_file(data, "a.csv"))
    plusofon.inject("429", method="POST", retry_after=1)
    started = asyncio.get_running_loop().time()
    await harness.press(call, "✅ Создать новые")
    done = await finished(harness)
    assert asyncio.get_running_loop().time() - started >= 0.9  # it waited as long as Retry-After asked
    assert [r["status"] for r in result_rows(done)] == ["готово"] * 5
    assert sorted(n["phoneB"] for n in plusofon.numbers(40)) == PHONES[:5]


async def test_a_bot_stopped_mid_job_carries_on_after_a_restart_creating_each_row_once(harness, plusofon):
    """The bot goes down while a POST is at the server (created there, its answer not back): after the restart
    the row is settled by reading the account's end, and every row exists exactly once."""
    data = csv_bytes([[phone, f"клиент {i}"] for i, phone in enumerate(PHONES[:20])])
    _, _, call = answer(await harness.send_file(data, "a.csv"))
    plusofon.inject("slow_after", method="POST", delay=3.0)  # the 1st POST: created, answered 3 s later
    posted = asyncio.ensure_future(plusofon.arrival("POST"))
    await harness.press(call, "✅ Создать новые")
    await posted
    await harness.restart()
    done = await finished(harness)
    assert sorted(n["phoneB"] for n in plusofon.numbers(40)) == PHONES[:20]
    assert [r["status"] for r in result_rows(done)] == ["готово"] * 20
    assert plusofon.count("POST") == 20


async def test_progress_is_one_message_edited_in_place_and_stop_stops(make, plusofon):
    h = await make(connect=100, job_progress_seconds=0)
    data = csv_bytes([[phone, "x"] for phone in PHONES[:30]])
    _, _, call = answer(await h.send_file(data, "a.csv"))
    plusofon.delay = 0.05
    progress = only(await h.press(call, "✅ Создать новые"), "sendMessage")
    edit = await h.tg.wait_for(lambda c: c.method_name == "editMessageText"
                               and c.params["message_id"] == progress.result["message_id"])
    assert "Создано" in edit.params["text"] and "из 30" in edit.params["text"]
    assert buttons(markup_of(edit)) == [["⏹ Остановить"]]
    pressed = await h.press(progress, "⏹ Остановить")
    assert "Останавливаю" in only(pressed, "answerCallbackQuery").params["text"]
    done = await finished(h)
    statuses = [r["status"] for r in result_rows(done)]
    assert "остановлено" in statuses and plusofon.count("POST") < 30
    assert statuses.count("готово") == plusofon.total(40) == plusofon.count("POST")
    assert not [c for c in h.tg.calls if c.method_name == "sendMessage" and "Создано" in c.params["text"]][1:]


async def test_a_job_outlives_the_deadline_of_the_update_that_started_it(harness, plusofon, monkeypatch):
    """The press's update has one deadline for its Plusofon calls; the job it starts runs on its own time."""
    monkeypatch.setattr("handlers.middlewares.ANSWER_WITHIN", 0.5)
    data = csv_bytes([[phone, "x"] for phone in PHONES[:12]])
    _, _, call = answer(await harness.send_file(data, "a.csv"))
    plusofon.delay = 0.1  # the job takes over a second
    await harness.press(call, "✅ Создать новые")
    done = await finished(harness, timeout=20)
    assert [r["status"] for r in result_rows(done)] == ["готово"] * 12
