"""The real `python -m bot` process against a fake Bot API server and the fake Plusofon server, as a user
would use it: /list → ▶ → /add → /del → ✅, then SIGTERM."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import signal
from datetime import datetime
from zoneinfo import ZoneInfo

import aiosqlite

from tests.conftest import E2E_CHAT as CHAT
from tests.conftest import E2E_USER as USER
from tests.conftest import PLUSOFON_TOKEN, spawn_bot
from tests.fake_telegram import TEST_TOKEN


def button(markup: dict | str | None, label: str) -> str:
    markup = json.loads(markup) if isinstance(markup, str) else markup
    for row in (markup or {}).get("inline_keyboard", []):
        for item in row:
            if item["text"].startswith(label):
                return item["callback_data"]
    raise AssertionError(f"no button {label!r} in {markup}")


async def test_a_user_goes_through_list_add_delete(running_bot, plusofon):
    telegram, process = running_bot
    plusofon.seed(40, 20)
    commands = telegram.calls_of("setMyCommands")
    assert {c.params.get("language_code") for c in commands} == {None, "en"}

    since = telegram.cursor()
    telegram.push_message("/list", chat_id=CHAT, user_id=USER)
    listing = await telegram.wait_for("sendMessage", lambda p: int(p["chat_id"]) == CHAT, since=since)
    assert "Умные номера: 20 · стр. 1/2" in listing.params["text"]
    message_id = listing.response["result"]["message_id"]

    since = telegram.cursor()
    telegram.push_callback(button(listing.params["reply_markup"], "▶"), chat_id=CHAT, user_id=USER,
                           message_id=message_id)
    page2 = await telegram.wait_for("editMessageText", since=since)
    assert "стр. 2/2" in page2.params["text"]
    await telegram.wait_for("answerCallbackQuery", since=since)

    since = telegram.cursor()
    telegram.push_message("/add +7 999 333-22-10 Иван Петров", chat_id=CHAT, user_id=USER)
    added = await telegram.wait_for("sendMessage", lambda p: int(p["chat_id"]) == CHAT, since=since)
    new = plusofon.numbers(40)[-1]
    assert "Создан умный номер" in added.params["text"] and f"id {new['id']}" in added.params["text"]
    await telegram.wait_for("sendMessage", lambda p: int(p["chat_id"]) == -100500, since=since)

    since = telegram.cursor()
    telegram.push_message(f"/del {new['id']}", chat_id=CHAT, user_id=USER)
    ask = await telegram.wait_for("sendMessage", lambda p: int(p["chat_id"]) == CHAT, since=since)
    since = telegram.cursor()
    telegram.push_callback(button(ask.params["reply_markup"], "✅"), chat_id=CHAT, user_id=USER,
                           message_id=ask.response["result"]["message_id"])
    done = await telegram.wait_for("editMessageText", since=since)
    assert "удалён" in done.params["text"]
    assert new["id"] not in {n["id"] for n in plusofon.numbers(40)}
    assert plusofon.count("DELETE") == 1 and plusofon.count("POST") == 1

    # /export: the CSV goes up as a multipart upload through the production aiohttp session
    plusofon.seed(40, 1, description='Анна, "Ромашка"\nсклад')
    since = telegram.cursor()
    telegram.push_message("/export", chat_id=CHAT, user_id=USER)
    sent = await telegram.wait_for("sendDocument", lambda p: int(p["chat_id"]) == CHAT, since=since)
    assert sent.status == 200
    document = sent.params["document"]
    today = datetime.now(ZoneInfo("Europe/Moscow")).date()
    assert document.filename == f"smart-numbers-{today:%Y-%m-%d}.csv"
    assert document.content.startswith(b"\xef\xbb\xbf")  # the BOM, for Excel
    rows = list(csv.reader(io.StringIO(document.content.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["id", "phoneX", "phoneB", "phoneA", "description", "created_at"]
    expected = plusofon.numbers(40)
    assert [row[:5] for row in rows[1:]] == [
        [str(n["id"]), n["phoneX"], n["phoneB"], n["phoneA"], n["description"]] for n in expected]
    assert rows[-1][4] == 'Анна, "Ромашка"\nсклад' and len(expected) == 21
    assert f"{len(expected)}" in sent.params["caption"]

    process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=15)
    assert process.returncode == 0, stderr.decode()[-2000:]
    log = stderr.decode()
    assert "Traceback" not in log
    assert PLUSOFON_TOKEN not in log and TEST_TOKEN.split(":")[1] not in log


async def test_a_temporary_number_expires_while_the_bot_is_down(running_bot, plusofon, tmp_path):
    """/add --ttl in the real process, SIGTERM, the expiry passes meanwhile, a new process deletes the number at
    once and tells the chat and the team."""
    telegram, process = running_bot
    since = telegram.cursor()
    telegram.push_message("/add +7 999 333-22-10 Иван Петров --ttl 12h", chat_id=CHAT, user_id=USER)
    added = await telegram.wait_for("sendMessage", lambda p: int(p["chat_id"]) == CHAT, since=since)
    assert "Временный: удалится" in added.params["text"] and "напомню за час" in added.params["text"]
    number = plusofon.numbers(40)[-1]

    process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.communicate(), timeout=15)
    assert process.returncode == 0
    db = await aiosqlite.connect(tmp_path / "bot.sqlite3")
    await db.execute("UPDATE expiries SET expires_at = expires_at - 13 * 3600, due_at = due_at - 13 * 3600")
    await db.commit()
    await db.close()

    since = telegram.cursor()
    again = await spawn_bot(tmp_path, plusofon, telegram)
    try:
        team = await telegram.wait_for("sendMessage", lambda p: int(p["chat_id"]) == -100500
                                       and "Истёк срок" in p["text"], since=since)
        assert "+7 999 333-22-10" in team.params["text"]
        await telegram.wait_for("sendMessage", lambda p: int(p["chat_id"]) == CHAT and "Срок истёк" in p["text"],
                                since=since)
        assert number["id"] not in {n["id"] for n in plusofon.numbers(40)}
        reminders = [c for c in telegram.calls[since:] if "Продлить" in str(c.params.get("text", ""))]
        assert reminders == []
    finally:
        again.send_signal(signal.SIGTERM)
        await asyncio.wait_for(again.communicate(), timeout=15)
    assert again.returncode == 0
