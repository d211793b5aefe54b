"""The account mirror (bot/mirror): a copy of each account's numbers, kept by paced background reads.

Everything goes through the real bot (harness) against the fake Plusofon over HTTP; changes are made behind
the bot's back with the fake's own handles, as the web account would make them."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest

from tests.fake_plusofon import FakePlusofon
from tests.harness import BotHarness, buttons, markup_of, only, texts

LIST = "/api/v1/smart-numbers"


def make(tmp_path, api: FakePlusofon, **settings) -> BotHarness:
    """A harness whose mirror behaves as in production: an account is read on its first use."""
    h = BotHarness(tmp_path, api, **settings)
    h.mirror_options["read_when_used"] = True
    return h


async def read_over(h: BotHarness, account: int = 40) -> None:
    """Until the account's read in progress has ended (progress() says None)."""
    while h.mirror.progress(account) is not None:
        await asyncio.sleep(0.02)


def pages_read(api: FakePlusofon) -> list[int]:
    return [int(r.query.get("page", "1")) for r in api.requests if r.method == "GET"]


def csv_rows(calls) -> list[list[str]]:
    """The rows of the CSV document among `calls`."""
    upload = only(calls, "sendDocument").params["document"]
    return list(csv.reader(io.StringIO(upload.data.decode("utf-8-sig"), newline="")))


@pytest.fixture
async def big(tmp_path, plusofon):
    """A bot with chat 100 connected to account 40, which holds 2,000 numbers (134 pages)."""
    plusofon.seed(40, 2000)
    h = await make(tmp_path, plusofon).start()
    await h.connect_chat(100)
    yield h
    await h.stop()


# -- what each action costs once the copy is read ---------------------------------------------------


async def test_a_first_action_reads_the_account_once_in_the_background(big, plusofon):
    await big.send("/list")
    await big.mirror.settled(40, 20)
    assert sorted(set(pages_read(plusofon))) == list(range(1, 135))
    # every page once, page 1 also by /list itself; page 1 to learn the count, the last page once more at the end
    assert len(pages_read(plusofon)) <= 134 + 3


async def test_find_on_a_synced_big_account_costs_one_round_trip(big, plusofon):
    await big.synced()
    target = plusofon.numbers(40)[1234]
    calls = await big.send(f"/find {target['phoneB'][-7:]}")
    text = only(calls, "sendMessage").params["text"]
    assert "Найдено: 1" in text and str(target["id"]) in text
    assert sorted(pages_read(plusofon)) == [1, 134]  # the freshness check: first and last page, together
    assert plusofon.count("POST") == plusofon.count("DELETE") == 0


async def test_find_pages_turn_without_calls(big, plusofon):
    await big.synced()
    calls = await big.send("/find тестовый")
    first = only(calls, "sendMessage")
    assert "Найдено: 2000" in first.params["text"] and "стр. 1/134" in first.params["text"]
    plusofon.clear_requests()
    edit = only(await big.press(first, "▶"), "editMessageText")
    assert "стр. 2/134" in edit.params["text"]
    assert plusofon.requests == []


async def test_export_of_a_big_account_reads_two_pages(big, plusofon):
    await big.synced()
    calls = await big.send("/export")
    assert "2000" in only(calls, "sendDocument").params["caption"]
    assert sorted(pages_read(plusofon)) == [1, 134]
    rows = csv_rows(calls)
    assert rows[0] == ["id", "phoneX", "phoneB", "phoneA", "description", "created_at"]
    assert [int(row[0]) for row in rows[1:]] == [n["id"] for n in plusofon.numbers(40)]


async def test_add_for_a_new_customer_costs_four_calls(big, plusofon):
    await big.synced()
    calls = await big.send("/add +7 999 111-22-33 Новый клиент")
    assert "Создан умный номер" in texts(calls)[0]
    assert plusofon.count("POST") == 1 and plusofon.count("GET") == 3  # check (2), read-back (1)
    assert len(plusofon.requests) <= 4


async def test_add_for_an_existing_customer_asks_from_the_copy(big, plusofon):
    await big.synced()
    old = plusofon.numbers(40)[7]  # on page 1 of 134: only the copy knows it is this customer's
    calls = await big.send(f"/add {old['phoneB']} Ещё один")
    text = only(calls, "sendMessage").params["text"]
    assert "уже есть умный номер" in text and str(old["id"]) in text
    assert plusofon.count("POST") == 0 and len(plusofon.requests) == 2


async def test_del_of_an_old_and_a_recent_id_reads_one_page(big, plusofon):
    await big.synced()
    numbers = plusofon.numbers(40)
    for number, page in ((numbers[20], 2), (numbers[1990], 133)):
        plusofon.clear_requests()
        calls = await big.send(f"/del {number['id']}")
        assert "Удалить умный номер?" in only(calls, "sendMessage").params["text"]
        assert pages_read(plusofon) == [page]
    plusofon.clear_requests()
    calls = await big.press(only(calls, "sendMessage"), "✅")
    assert "удалён" in only(calls, "editMessageText").params["text"]
    assert [r.method for r in plusofon.requests] == ["DELETE"]


async def test_del_finds_a_number_moved_by_deletes_before_it(big, plusofon):
    await big.synced()
    numbers = plusofon.numbers(40)
    for gone in numbers[:20]:  # deleted in the web account: everything after moves up a page and more
        plusofon.remove(40, gone["id"])
    target = numbers[1000]
    calls = await big.send(f"/del {target['id']}")
    assert "Удалить умный номер?" in only(calls, "sendMessage").params["text"]
    assert len(plusofon.requests) <= 3


async def test_del_of_a_number_deleted_elsewhere_says_so_and_leaves_the_copy(big, plusofon):
    await big.synced()
    target = plusofon.numbers(40)[500]
    plusofon.remove(40, target["id"])
    calls = await big.send(f"/del {target['id']}")
    assert "не найден" in only(calls, "sendMessage").params["text"]
    assert len(plusofon.requests) <= 3
    calls = await big.send(f"/find {target['phoneB']}")
    assert "ничего не найдено" in texts(calls)[0]


async def test_card_from_a_page_costs_nothing(big, plusofon):
    await big.synced()
    listing = only(await big.send("/list"), "sendMessage")
    plusofon.clear_requests()
    card = only(await big.press(listing, "📇"), "editMessageText")
    assert "Умный номер" in card.params["text"]
    assert plusofon.requests == []


# -- keeping the copy right --------------------------------------------------------------------------


async def test_changes_behind_the_bots_back_are_found_and_repaired(big, plusofon):
    await big.synced()
    numbers = plusofon.numbers(40)
    middle = numbers[1000]
    plusofon.remove(40, middle["id"])                      # deleted in the middle of the list
    added = plusofon.seed(40, 3, phone_b="79990001122")    # added at the end
    calls = await big.send("/find 79990001122")
    assert "Найдено: 3" in texts(calls)[0]                 # new ids at the end: taken in by the check itself
    await big.mirror.settled(40, 20)                       # the count disagreed: a repair read in the background
    calls = await big.send(f"/find {middle['phoneB']}")
    assert "ничего не найдено" in texts(calls)[0]
    rows = csv_rows(await big.send("/export"))
    assert [int(row[0]) for row in rows[1:]] == [n["id"] for n in plusofon.numbers(40)]
    assert {a["id"] for a in added} <= {int(row[0]) for row in rows[1:]}


async def test_an_emptied_account_empties_the_copy(big, plusofon):
    await big.synced()
    for number in plusofon.numbers(40):
        plusofon.remove(40, number["id"])
    calls = await big.send("/find тестовый")
    assert "ничего не найдено" in texts(calls)[0]
    assert "нечего" in texts(await big.send("/export"))[0]


async def test_numbers_deleted_and_added_during_a_read_end_up_right(tmp_path, plusofon):
    plusofon.seed(40, 600)  # 40 pages
    h = await make(tmp_path, plusofon).start()
    try:
        await h.connect_chat(100)
        plusofon.delay = 0.01
        arrived = asyncio.create_task(plusofon.arrival("GET"))
        h.mirror.touch((await h.chats.get(100)).credentials)
        await arrived
        deleted = [n["id"] for n in plusofon.numbers(40)[5:40]]  # early pages, while the read goes on
        for number_id in deleted:
            plusofon.remove(40, number_id)
        plusofon.seed(40, 20, phone_b="79990002233")
        plusofon.delay = 0.0
        await h.mirror.settled(40, 30)
        await h.synced()  # a settled read, then nothing pending
        rows = csv_rows(await h.send("/export"))
        assert [int(row[0]) for row in rows[1:]] == [n["id"] for n in plusofon.numbers(40)]
    finally:
        await h.stop()


async def test_a_restart_in_the_middle_of_a_read_carries_on_where_it_stopped(tmp_path, plusofon):
    plusofon.seed(40, 1500)  # 100 pages
    h = await make(tmp_path, plusofon, mirror_calls_per_minute=3000).start()  # 50 calls a second: 2 s in all
    try:
        await h.connect_chat(100)
        h.mirror.touch((await h.chats.get(100)).credentials)
        while len(pages_read(plusofon)) < 40:
            await plusofon.arrival("GET", timeout=5)
        await h.stop()
        before = pages_read(plusofon)
        plusofon.clear_requests()
        await h.start()
        await h.mirror.settled(40, 30)
        again = pages_read(plusofon)
        assert set(before) | set(again) >= set(range(1, 101))
        assert min(again) > 10  # it did not start over: it went on from the first page not yet read
        assert set(again) == set(range(min(again), 101)) and len(again) == len(set(again))
    finally:
        await h.stop()


async def test_ids_out_of_order_are_still_found(tmp_path, plusofon):
    plusofon.seed(40, 100)
    plusofon.list_order[40] = lambda items: list(reversed(items))
    h = await make(tmp_path, plusofon).start()
    try:
        await h.connect_chat(100)
        await h.synced()
        state = await h.mirror.settled(40, 5)
        assert not state.ordered and state.count == 100
        target = plusofon.numbers(40)[3]  # shown on the last page
        calls = await h.send(f"/del {target['id']}")
        assert "Удалить умный номер?" in only(calls, "sendMessage").params["text"]
        assert len(plusofon.requests) <= 3
        calls = await h.send(f"/find {target['phoneB']}")
        assert "Найдено: 1" in texts(calls)[0]
    finally:
        await h.stop()


# -- faults during a read ----------------------------------------------------------------------------


async def test_a_429_during_a_read_slows_it_down_and_it_still_completes(tmp_path, plusofon):
    plusofon.seed(40, 300)
    h = make(tmp_path, plusofon)
    h.mirror_options["window"] = 2.0  # Plusofon's minute, shrunk
    await h.start()
    try:
        await h.connect_chat(100)
        plusofon.inject("429", method="GET", times=2, retry_after=1)
        started = asyncio.get_running_loop().time()
        await h.synced(timeout=30, clear=False)
        assert (await h.mirror.settled(40, 1)).count == 300
        assert plusofon.count("GET") == 20 + 2 + 2  # every page, the count and the check, the two refused again
        assert asyncio.get_running_loop().time() - started >= 1.0  # it waited as Retry-After asked
    finally:
        await h.stop()


async def test_a_token_refused_during_a_read_hands_over_to_another_chat(tmp_path, plusofon):
    plusofon.seed(40, 300)
    h = await make(tmp_path, plusofon).start()
    try:
        await h.connect_chat(100)
        await h.connect_chat(200, token="tok-40-second")
        plusofon.add_account(40, "tok-40-second")
        plusofon.inject("401", method="GET", times=1)
        h.mirror.touch((await h.chats.get(100)).credentials)
        await h.mirror.settled(40, 20)
        tokens = {r.headers["Authorization"] for r in plusofon.requests}
        assert tokens == {"Bearer tok-40-secret-value", "Bearer tok-40-second"}
    finally:
        await h.stop()


async def test_sixty_calls_a_minute_the_read_completes_and_users_are_served(tmp_path, plusofon):
    """Plusofon allows 20 calls per 3 s per token (60 a minute, scaled down): the read learns the limit and
    leaves room for the users, whose every action is answered."""
    plusofon.seed(40, 450)  # 30 pages
    plusofon.rate_limit, plusofon.rate_window = 20, 3.0
    h = make(tmp_path, plusofon)
    h.mirror_options["window"] = 3.0
    await h.start()
    try:
        await h.connect_chat(100)
        answers = []
        reading = asyncio.create_task(h.synced(timeout=40, clear=False))
        while not reading.done():
            answers += texts(await h.send("/list")) + texts(await h.send("/find 7999"))
            await asyncio.wait([reading], timeout=0.3)
        await reading
        assert plusofon.rate_limited > 0
        assert answers and not [text for text in answers if "Plusofon" in text]
        assert (await h.mirror.settled(40, 1)).count == 450
    finally:
        await h.stop()


# -- who is served from the copy ------------------------------------------------------------------------


async def test_two_chats_of_one_account_share_one_read(big, plusofon):
    await big.connect_chat(200, token="tok-40-secret-value")
    results = await asyncio.gather(big.send("/find тестовый 5"), big.send("/find тестовый 6", chat_id=200))
    await big.mirror.settled(40, 20)
    for calls in results:
        assert "Найдено" in calls[-1].params["text"]
    reads = pages_read(plusofon)
    assert reads.count(100) == 1  # a middle page: read once, by the one read


async def test_a_chat_whose_token_was_revoked_sees_nothing_from_the_copy(big, plusofon):
    await big.synced()
    await big.connect_chat(300, token="tok-40-revoked")  # Plusofon does not know this token
    calls = await big.send("/find тестовый", chat_id=300)
    text = texts(calls)[0]
    assert "тестовый умный номер" not in text and "токен" in text.lower()
    listing = only(await big.send("/list"), "sendMessage")  # the working chat's page: its 📇 pressed in 300
    data = markup_of(listing)["inline_keyboard"][1][0]["callback_data"]
    calls = await big.press_data(data, chat_id=300, message_id=listing.result["message_id"])
    assert not [c for c in calls if "тестовый умный номер" in str(c.params.get("text", ""))]
    assert any("токен" in str(c.params.get("text", "")).lower() for c in calls)


# -- before the first read is done --------------------------------------------------------------------


async def test_find_before_the_first_read_shows_progress_then_the_result(tmp_path, plusofon):
    plusofon.seed(40, 1500)
    h = await make(tmp_path, plusofon, mirror_calls_per_minute=3000).start()  # 2 s to read 100 pages
    try:
        await h.connect_chat(100)
        calls = await h.send(f"/find {plusofon.numbers(40)[1498]['phoneB']}")  # on the last pages
        progress = [c for c in calls if c.method_name == "sendMessage"]
        assert "Загружаю список" in progress[0].params["text"]
        final = [c for c in calls if c.method_name == "editMessageText"][-1]
        assert "Найдено: 1" in final.params["text"]
        assert final.params["message_id"] == progress[0].result["message_id"]
    finally:
        await h.stop()


async def test_add_before_the_first_read_does_not_wait_and_says_it_could_not_check_all(tmp_path, plusofon):
    plusofon.seed(40, 1500)
    h = await make(tmp_path, plusofon, mirror_calls_per_minute=120).start()  # a slow first read
    try:
        await h.connect_chat(100)
        calls = await h.send("/add +7 999 555-44-33 Новый")
        text = texts(calls)[0]
        assert "Создан умный номер" in text and "Проверил не все номера" in text
    finally:
        await h.stop()


async def test_an_old_copy_says_as_of_when(big, plusofon):
    big.mirror_options["clock"] = big.clock
    await big.restart()
    await big.synced()
    big.clock.advance(600)
    calls = await big.send("/find тестовый умный номер 5")
    assert "Данные на" in texts(calls)[0]
    assert buttons(markup_of(only(calls, "sendMessage")))


async def test_a_read_during_which_the_account_changed_removes_nothing_it_did_not_see(tmp_path, plusofon):
    """Deletes early in the list shift later numbers onto pages the read has passed: it misses them. Such a read
    (Plusofon's count moved under it) must not take what it did not see for deleted."""
    plusofon.seed(40, 600)  # 40 pages
    h = make(tmp_path, plusofon)
    h.mirror_options["retry_delays"] = (600.0,)  # the repair read comes much later: look at this read's result
    await h.start()
    try:
        await h.connect_chat(100)
        await h.synced()
        plusofon.delay = 0.01
        h.mirror.read_now(40)
        while int((await plusofon.arrival("GET")).query["page"]) < 10:
            pass
        for gone in plusofon.numbers(40)[:15]:  # page 1, read already: everything after moves up one page
            plusofon.remove(40, gone["id"])
        await asyncio.wait_for(read_over(h), timeout=20)
        plusofon.delay = 0.0
        rows = csv_rows(await h.send("/export"))
        assert {n["id"] for n in plusofon.numbers(40)} <= {int(row[0]) for row in rows[1:]}
    finally:
        await h.stop()


async def test_the_sync_lag_counts_only_accounts_in_use(big, plusofon):
    big.mirror_options["clock"] = big.clock
    await big.restart()
    await big.synced()
    await big.send("/list")  # the account is in use
    await big.mirror.settled(40, 5)
    big.clock.advance(1200)
    accounts, numbers, lag = await big.mirror.summary()
    assert (accounts, numbers) == (1, 2000)
    assert 1200 <= lag < 1300  # used lately, read whole 20 minutes ago
    big.clock.advance(3 * 3600)
    assert (await big.mirror.summary())[2] == 0  # nobody used it for hours: it is not kept fresh, so no lag
