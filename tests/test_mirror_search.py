"""The copy's search index (storage/mirror.py, "the search index"): whatever is typed, /find and the Mini App
get from it exactly what a scan of the account's rows gives, in the same order, with the same count."""

from __future__ import annotations

import random
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from bot.core.models import SmartNumber
from bot.services.search import parse_query, terms
from storage.database import connect
from storage.migrations import MIGRATIONS
from storage.mirror import MirrorStore

WORDS = ("Иван", "Пётр", "Петров", "Ёлкина", "АННА", "ООО «Ромашка»", "склад", "доставка", "Office", "road",
         'ИП "Сидоров"', "офис на Ленина", "кв. 12", "д.7", "Straße", "ЁЖ", "ежик", "zz")
PHONE_LOOKS = ("+7 {a} {b}-{c}-{d}", "8 ({a}) {b} {c} {d}", "7{a}{b}{c}{d}", "+7-{a}-{b}{c}{d}")


def phone(rng: random.Random) -> str:
    digits = f"9{rng.choice(('16', '99', '77', '03'))}{rng.randrange(10**7):07d}"
    return rng.choice(PHONE_LOOKS).format(a=digits[:3], b=digits[3:6], c=digits[6:8], d=digits[8:])


def account_numbers(rng: random.Random, account: int, ids: list[int]) -> list[SmartNumber]:
    return [SmartNumber.model_construct(
        id=number_id, user_id=account, phone_a="74950000000", phone_b=phone(rng), phone_x=phone(rng),
        description=" ".join(rng.sample(WORDS, rng.randrange(0, 4))),
        created_at=datetime(2024, 1, 1) + timedelta(minutes=number_id % 100_000)) for number_id in ids]


def typed(rng: random.Random, numbers: list[SmartNumber]) -> str:
    """What a user might type: part of a phone in any formatting, part of a description in any case, or noise."""
    number = rng.choice(numbers)
    kind = rng.randrange(6)
    if kind <= 1:
        digits = "".join(filter(str.isdigit, rng.choice((number.phone_x, number.phone_b))))
        start = rng.randrange(len(digits))
        part = digits[start:start + rng.randrange(1, 12)]
        if kind == 1 and start == 1:
            part = "8" + part  # the leading 8 of a Russian number
        return rng.choice(("{}", "+{}", "{} ", "({})")).format("-".join(part[i:i + 3] for i in range(0, len(part), 3)))
    if kind <= 3 and number.description:
        text = number.description
        start = rng.randrange(len(text))
        part = text[start:start + rng.randrange(1, 16)]
        return rng.choice((str.upper, str.lower, str.title, str))(part).replace("е", rng.choice("её"))
    return rng.choice(("zzz", "ё", "  ", '"', 'ИП "', "офис 12", "12 кв", "ромашка", "х", "7", "99", "Ж", "ром\x00ашка"))


async def test_the_index_answers_every_query_as_the_scan_does(tmp_path: Path):
    rng = random.Random(26)
    conn = await connect(tmp_path / "bot.sqlite3")
    try:
        indexed, scan = MirrorStore(conn), MirrorStore(conn, search_index=False)
        ids = sorted(rng.sample(range(1, 5000), 400))
        numbers = account_numbers(rng, 40, ids)
        await indexed.put(40, [(number, 1) for number in numbers])
        # the same ids in another account: never found for account 40, and its rows never hide account 40's
        await indexed.put(41, [(number, 1) for number in account_numbers(rng, 41, ids[:150])])
        # the copy changes as reads do: descriptions rewritten, numbers gone one by one and in ranges
        changed = account_numbers(rng, 40, rng.sample(ids, 80))
        await indexed.put(40, [(number, 2) for number in changed])
        await indexed.remove(40, rng.sample(ids, 40))
        await indexed.remove_between(40, ids[200], ids[230], keep=ids[210:215])
        await indexed.remove(41, ids[:20])
        numbers = [number async for batch in indexed.all(40) for number in batch]
        await conn.execute("INSERT INTO mirror_search (mirror_search) VALUES ('integrity-check')")
        await conn.execute("INSERT INTO mirror_grams (mirror_grams) VALUES ('integrity-check')")

        compared = 0
        for _ in range(400):
            what = terms(parse_query(typed(rng, numbers)))
            offset, limit = rng.choice((0, 0, rng.randrange(30))), rng.choice((1, 15, 51))
            assert await indexed.search(40, what, offset=offset, limit=limit) == \
                await scan.search(40, what, offset=offset, limit=limit), what
            before = rng.choice((None, rng.choice(numbers).id))
            count = rng.random() < 0.8
            got = await indexed.newest(40, what, before=before, limit=limit, count=count)
            assert got == await scan.newest(40, what, before=before, limit=limit, count=count), what
            compared += bool(got[1])
        assert compared > 150  # most queries find something: the comparison is not between empty answers
    finally:
        await conn.close()


async def test_ids_the_index_cannot_key_are_still_found(tmp_path: Path):
    conn = await connect(tmp_path / "bot.sqlite3")
    try:
        store = MirrorStore(conn)
        numbers = account_numbers(random.Random(1), 40, [7, 2**40])
        await store.put(40, [(number, 1) for number in numbers])
        digits = "".join(filter(str.isdigit, numbers[1].phone_x))
        what = terms(parse_query(digits))
        assert await store.search(40, what, offset=0, limit=15) == (1, [numbers[1]])
        assert await store.newest(40, what, before=None, limit=15) == (1, [numbers[1]])
    finally:
        await conn.close()


async def test_the_migration_indexes_the_numbers_already_copied(tmp_path: Path):
    path = tmp_path / "bot.sqlite3"
    mine = next(n for n, script in enumerate(MIGRATIONS) if "CREATE VIRTUAL TABLE mirror_search" in script)
    with sqlite3.connect(path) as old:
        for script in MIGRATIONS[:mine]:
            old.executescript(script)
        old.execute(f"PRAGMA user_version = {mine}")
        old.execute("""INSERT INTO mirror_numbers (account_id, id, phone_b, phone_x, description, digits_x, digits_b,
                           customer, folded) VALUES (40, 5, '+7 916 123-45-67', '79770000005', 'Склад на Ленина',
                           '79770000005', '79161234567', '79161234567', 'склад на ленина')""")
    old.close()
    conn = await connect(path)
    try:
        indexed, scan = MirrorStore(conn), MirrorStore(conn, search_index=False)
        for text in ("ленина", "916 123", "СКЛАД", "ле", "с", "9", "45", "на 6"):
            what = terms(parse_query(text))
            found = await indexed.search(40, what, offset=0, limit=15)
            assert found[0] == 1 and found == await scan.search(40, what, offset=0, limit=15)
    finally:
        await conn.close()


async def statements(conn, call) -> list[str]:
    """The SQL statements `call` runs."""
    ran: list[str] = []
    await conn.set_trace_callback(ran.append)
    try:
        await call()
    finally:
        await conn.set_trace_callback(None)
    return ran


async def test_terms_of_one_or_two_characters_are_counted_by_the_index_not_a_scan(tmp_path: Path):
    """A term shorter than a trigram was found and counted by reading every row of the account: 50-60 ms at
    100,000 numbers, the Mini App's slowest searches (`python -m bench --webapp`). mirror_grams answers them."""
    rng = random.Random(7)
    conn = await connect(tmp_path / "bot.sqlite3")
    try:
        indexed, scan = MirrorStore(conn), MirrorStore(conn, search_index=False)
        await indexed.put(40, [(number, 1) for number in account_numbers(rng, 40, list(range(1, 2001)))])
        for text in ("и", "ив", "9", "12", "+7", "ж", "офис 12"):
            what = terms(parse_query(text))
            found = await indexed.newest(40, what, before=None, limit=50)
            assert found == await scan.newest(40, what, before=None, limit=50), text
            assert found[0] > 50 or text == "ж", (text, found[0])  # counted past the first screen
            for call in (lambda: indexed.newest(40, what, before=None, limit=50),  # noqa: B023 (awaited now)
                         lambda: indexed.search(40, what, offset=15, limit=15)):  # noqa: B023
                ran = await statements(conn, call)
                assert any("mirror_grams MATCH" in sql for sql in ran), text
                # the scan's test of each row, on no row the indexes did not find
                assert [sql for sql in ran if "instr(" in sql and "MATCH" not in sql] == [], text
            reference = await statements(conn, lambda: scan.newest(40, what, before=None, limit=50))  # noqa: B023
            assert [sql for sql in reference if "instr(" in sql and "MATCH" not in sql]  # the yardstick
    finally:
        await conn.close()
