"""The Mini App's API (issue 26): who may call it, whose numbers they see, and that an add or a delete from the
page is the same action as in the chat (one call to Plusofon, the journal, the team line)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from aiogram.types import Chat, User

from handlers.texts import texts_for
from tests.harness import only, texts
from tests.webapp_client import APP_URL, app_server, auth, init_data

TEAM = -100500
OTHER_ACCOUNT, OTHER_TOKEN, OTHER_USER = 41, "tok-41-other-value", 200


@pytest.fixture
async def bot(make):
    """The bot with the Mini App on; user 100's private chat connected to account 40 (team chat -100500)."""
    return await make(connect=100, webapp_url=APP_URL, webapp_host="127.0.0.1", notify_chat_id=TEAM)


@pytest.fixture
async def app(bot):
    async with app_server(bot) as client:
        yield client


# ---- who is calling --------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer x"},
    {"Authorization": "tma " + init_data(100).replace("hash=", "hash=0")},           # a forged hash
    {"Authorization": "tma " + init_data(100, token="987654:ANOTHER-bots-token")},   # another bot's
    {"Authorization": "tma " + init_data(100, age=25 * 3600)},                       # older than 24 h
], ids=["missing", "other-scheme", "forged", "other-bot", "stale"])
async def test_requests_not_signed_by_this_bot_for_today_get_401_and_nothing_else(app, plusofon, headers):
    plusofon.seed(40, 3)
    for method, path in (("GET", "/app/api/numbers"), ("POST", "/app/api/numbers"),
                         ("DELETE", "/app/api/numbers/1"), ("POST", "/app/api/numbers/delete")):
        response = await app.request(method, path, headers=headers, json={"phone": "79993332210"})
        assert response.status_code == 401, (method, path)
        assert response.json() == {"error": "unauthorized"}
    assert plusofon.count() == 0


async def test_a_user_with_no_connected_account_gets_403_in_russian(app, plusofon):
    response = await app.get("/app/api/numbers", headers=auth(555))
    assert response.status_code == 403
    assert "Подключите его в личном чате с ботом" in response.json()["error"]
    english = await app.get("/app/api/numbers", headers=auth(555, language="en"))
    assert "Connect it in the private chat with the bot" in english.json()["error"]


async def test_the_throttle_applies_per_user(make, plusofon):
    h = await make(connect=100, webapp_url=APP_URL, webapp_host="127.0.0.1", throttle_user_burst=2,
                   throttle_user_per_minute=1)
    await h.synced()
    await h.connect_chat(OTHER_USER, OTHER_ACCOUNT, OTHER_TOKEN)
    async with app_server(h) as client:
        statuses = [(await client.get("/app/api/numbers", headers=auth(100))).status_code for _ in range(10)]
        assert statuses == [200] * 8 + [429] * 2  # reads cost a quarter of a command
        slow = await client.get("/app/api/numbers", headers=auth(100))
        assert slow.json()["error"] == "Слишком часто. Подождите немного."
        assert (await client.get("/app/api/numbers", headers=auth(OTHER_USER))).status_code != 429


# ---- reading ---------------------------------------------------------------------------------------------


async def test_the_list_is_newest_first_in_pages_from_the_copy_without_calling_plusofon(bot, app, plusofon):
    numbers = plusofon.seed(40, 120)
    await bot.synced()
    plusofon.clear_requests()
    first = (await app.get("/app/api/numbers", headers=auth(100))).json()
    assert first["total"] == 120 and len(first["items"]) == 50
    assert [item["id"] for item in first["items"]] == [n["id"] for n in reversed(numbers)][:50]
    assert set(first["items"][0]) == {"id", "phoneX", "phoneB", "description", "created_at", "expires_at"}
    assert first["items"][0]["phoneX"] == numbers[-1]["phoneX"] and first["items"][0]["expires_at"] is None
    seen = [item["id"] for item in first["items"]]
    offset = first["next_offset"]
    while offset is not None:
        page = (await app.get("/app/api/numbers", params={"offset": offset, "limit": 50}, headers=auth(100))).json()
        seen += [item["id"] for item in page["items"]]
        offset = page["next_offset"]
    assert seen == [n["id"] for n in reversed(numbers)]
    assert plusofon.count() == 0
    assert (await app.get("/app/api/numbers", params={"limit": 201}, headers=auth(100))).status_code == 400


@pytest.mark.parametrize("typed", ["+7 999 200-00-07", "8 999 200 00 07", "200-00-07"])
async def test_search_matches_as_find_does(bot, app, plusofon, typed):
    plusofon.seed(40, 20)
    petrov = plusofon.seed(40, 2, description="Иван Петров")
    await bot.synced()
    found = (await app.get("/app/api/numbers", params={"q": typed}, headers=auth(100))).json()
    assert found["total"] == 1 and found["items"][0]["phoneB"] == "79992000007"
    words = (await app.get("/app/api/numbers", params={"q": "иВАН"}, headers=auth(100))).json()
    assert [item["id"] for item in words["items"]] == [petrov[1]["id"], petrov[0]["id"]]


async def test_two_accounts_never_see_each_others_numbers(bot, app, plusofon):
    plusofon.add_account(OTHER_ACCOUNT, OTHER_TOKEN)
    ours = plusofon.seed(40, 5, description="наш клиент")
    theirs = plusofon.seed(OTHER_ACCOUNT, 5, description="чужой клиент")
    await bot.connect_chat(OTHER_USER, OTHER_ACCOUNT, OTHER_TOKEN)
    await bot.synced(40)
    await bot.synced(OTHER_ACCOUNT)
    mine = (await app.get("/app/api/numbers", headers=auth(100))).json()
    other = (await app.get("/app/api/numbers", headers=auth(OTHER_USER))).json()
    assert {i["id"] for i in mine["items"]} == {n["id"] for n in ours}
    assert {i["id"] for i in other["items"]} == {n["id"] for n in theirs}
    search = (await app.get("/app/api/numbers", params={"q": "чужой"}, headers=auth(100))).json()
    assert search == {**search, "total": 0, "items": []}
    paged = (await app.get("/app/api/numbers", params={"offset": str(theirs[-1]["id"] + 1)},
                           headers=auth(100))).json()
    assert {i["id"] for i in paged["items"]} == {n["id"] for n in ours}
    stolen = await app.delete(f"/app/api/numbers/{theirs[0]['id']}", headers=auth(100))
    assert stolen.status_code == 404
    assert plusofon.total(OTHER_ACCOUNT) == 5 and plusofon.count("DELETE") == 0


# ---- adding ----------------------------------------------------------------------------------------------


async def test_an_add_reaches_plusofon_once_even_when_repeated_and_shows_in_history_and_the_team_chat(
        bot, app, plusofon):
    await bot.synced()
    headers = {**auth(100), "Idempotency-Key": "press-1"}
    body = {"phone": "+7 999 333-22-10", "description": "Иван из приложения", "ttl": "7d"}
    first, again = await asyncio.gather(app.post("/app/api/numbers", json=body, headers=headers),
                                        app.post("/app/api/numbers", json=body, headers=headers))
    later = await app.post("/app/api/numbers", json=body, headers=headers)
    assert first.status_code == again.status_code == later.status_code == 201
    assert first.json() == again.json() == later.json()
    item = first.json()["item"]
    assert item["phoneB"] == "79993332210" and item["description"] == "Иван из приложения"
    assert item["expires_at"] is not None
    assert plusofon.count("POST") == 1 and plusofon.total(40) == 1
    await bot.tg.wait_for(lambda call: call.params.get("chat_id") == TEAM and "Иван из приложения"
                          in call.params.get("text", ""))
    history = "\n".join(texts(await bot.send("/history")))
    assert "Иван из приложения" in history
    listed = (await app.get("/app/api/numbers", headers=auth(100))).json()
    assert [i["id"] for i in listed["items"]] == [item["id"]]


async def test_a_repeated_key_gets_the_first_answer_after_a_restart_too_and_for_a_day(bot, plusofon):
    await bot.synced()
    headers = {**auth(100), "Idempotency-Key": "press-2"}
    body = {"phone": "+7 999 333-22-11", "description": "Пётр"}
    async with app_server(bot) as app:
        first = await app.post("/app/api/numbers", json=body, headers=headers)
    assert first.status_code == 201
    async with app_server(bot) as app:  # a new server: what a restart leaves is the database
        again = await app.post("/app/api/numbers", json=body, headers=headers)
        assert again.status_code == 201 and again.json() == first.json()
        assert plusofon.count("POST") == 1
        # a first request the bot was answering when it stopped: not made again, and the page is told to look
        await bot.services.answers.claim(100, "/app/api/numbers", "press-3", account_id=40, now=time.time())
        lost = await app.post("/app/api/numbers", json=body, headers={**auth(100), "Idempotency-Key": "press-3"})
        assert lost.status_code == 409 and lost.json()["outcome"] == "unknown"
        assert "Проверьте список" in lost.json()["error"] and plusofon.count("POST") == 1
        # a day later the answers are gone (retention): the key is a new press
        await bot.dp["db"].execute("UPDATE kept_answers SET created_at = created_at - 86401")
        await bot.services.retention.purge()
        async with bot.dp["db"].execute("SELECT count(*) FROM kept_answers") as cursor:
            assert (await cursor.fetchone())[0] == 0
    async with app_server(bot) as app:
        later = await app.post("/app/api/numbers", json=body, headers=headers)
        assert later.status_code == 409 and later.json()["duplicates"]  # the duplicate guard's question
        assert plusofon.count("POST") == 1


async def test_kept_answers_go_with_their_account(make, plusofon):
    bot = await make(connect=100, webapp_url=APP_URL, webapp_host="127.0.0.1", mirror_keep_days=0)
    await bot.synced()
    async with app_server(bot) as app:
        created = await app.post("/app/api/numbers", json={"phone": "79993332212", "description": "Анна"},
                                 headers={**auth(100), "Idempotency-Key": "press-4"})
        assert created.status_code == 201
    await bot.send("/logout")
    async with bot.dp["db"].execute("SELECT count(*) FROM kept_answers") as cursor:
        assert (await cursor.fetchone())[0] == 0


@pytest.mark.parametrize(("body", "message"), [
    ({"phone": "12", "description": "x"}, "Не похоже на номер телефона: «12»."),
    ({"phone": "+7 809 555 00 00", "description": "x"}, "платный (премиум-тариф)"),
    ({"phone": "79993332210", "description": "я" * 256}, "Описание длиннее 255 символов (256)."),
    ({"phone": "79993332210", "description": "x", "ttl": "вечно"}, "Не понял срок «вечно»."),
])
async def test_a_refused_add_is_422_with_the_chats_message_and_calls_nothing(app, plusofon, body, message):
    response = await app.post("/app/api/numbers", json=body, headers=auth(100))
    assert response.status_code == 422
    assert message in response.json()["error"] and "<" not in response.json()["error"]
    assert plusofon.count("POST") == 0


async def test_the_duplicate_guard_asks_first_and_a_yes_creates_one(bot, app, plusofon):
    plusofon.seed(40, 1, phone_b="79993332210")
    await bot.synced()
    body = {"phone": "8 999 333 22 10", "description": "второй"}
    asked = await app.post("/app/api/numbers", json=body, headers=auth(100))
    assert asked.status_code == 409 and len(asked.json()["duplicates"]) == 1
    assert plusofon.count("POST") == 0
    yes = {**auth(100), "Idempotency-Key": "yes-1"}
    done = await app.post("/app/api/numbers", json={"confirm": asked.json()["confirm"]}, headers=yes)
    assert done.status_code == 201 and plusofon.count("POST") == 1
    again = await app.post("/app/api/numbers", json={"confirm": asked.json()["confirm"]}, headers=auth(100))
    assert again.status_code == 409 and plusofon.count("POST") == 1


# ---- deleting --------------------------------------------------------------------------------------------


async def test_a_delete_reaches_plusofon_once_and_a_second_one_is_404(bot, app, plusofon):
    numbers = plusofon.seed(40, 3)
    await bot.synced()
    target = numbers[1]
    done = await app.delete(f"/app/api/numbers/{target['id']}", headers=auth(100))
    assert done.status_code == 200 and done.json() == {"deleted": target["id"]}
    again = await app.delete(f"/app/api/numbers/{target['id']}", headers=auth(100))
    assert again.status_code == 404 and f"id {target['id']} не найден" in again.json()["error"]
    assert plusofon.count("DELETE") == 1 and target["id"] not in {n["id"] for n in plusofon.numbers(40)}
    await bot.tg.wait_for(lambda call: call.params.get("chat_id") == TEAM and "удалил" in call.params.get("text", ""))
    assert "удал" in "\n".join(texts(await bot.send("/history"))).lower()
    assert (await app.delete("/app/api/numbers/abc", headers=auth(100))).status_code == 404


async def finished_job(app, job_id: int, user: int = 100, timeout: float = 10.0) -> dict:
    """GET the job until it says it is finished (what the page does)."""
    async with asyncio.timeout(timeout):
        while True:
            job = (await app.get(f"/app/api/jobs/{job_id}", headers=auth(user))).json()
            if job["finished"]:
                return job
            await asyncio.sleep(0.05)


async def test_several_are_deleted_by_a_bulk_job_followed_from_the_page(bot, app, plusofon):
    numbers = plusofon.seed(40, 6)
    await bot.synced()
    ids = [n["id"] for n in numbers[:3]]
    key = {"Idempotency-Key": "press-1"}
    response = await app.post("/app/api/numbers/delete", json={"ids": [*ids, 999_999]}, headers=auth(100) | key)
    assert response.status_code == 202
    started = response.json()
    assert started["missing"] == [999_999] and started["job"]["total"] == 3
    job = await finished_job(app, started["job"]["id"])
    assert job["deleted"] == ids and job["failed"] == [] and job["left"] == 0 and job["state"] == "finished"
    assert plusofon.count("DELETE") == 3 and plusofon.total(40) == 3
    # a second press of the same button (its answer lost): the same job, nothing deleted twice
    again = await app.post("/app/api/numbers/delete", json={"ids": [*ids, 999_999]}, headers=auth(100) | key)
    assert again.json()["job"]["id"] == started["job"]["id"] and plusofon.count("DELETE") == 3
    # the chat's record of it, as for /del with several ids: the summary with its file, the team's line, /history
    summary = await bot.tg.wait_for(lambda call: call.method_name == "sendDocument" and call.params.get("chat_id") == 100)
    assert "удалено 3 из 3" in summary.params["caption"]
    await bot.tg.wait_for(lambda call: call.params.get("chat_id") == TEAM and "удал" in call.params.get("text", ""))
    assert sum("удал" in line.lower() for line in texts(await bot.send("/history"))) >= 1
    # another user never sees it
    await bot.connect_chat(OTHER_USER, OTHER_ACCOUNT, OTHER_TOKEN)
    stranger = await app.get(f"/app/api/jobs/{started['job']['id']}", headers=auth(OTHER_USER))
    assert stranger.status_code == 404
    assert (await app.get("/app/api/jobs/x1", headers=auth(100))).status_code == 404


async def test_a_delete_of_many_is_stopped_from_the_page(bot, app, plusofon):
    numbers = plusofon.seed(40, 6)
    await bot.synced()
    plusofon.inject("slow", method="DELETE", times=10, delay=0.8)  # to stop it meanwhile (under the client timeout, 1 s)
    ids = [n["id"] for n in numbers[:5]]
    arrived = asyncio.ensure_future(plusofon.arrival("DELETE"))
    started = (await app.post("/app/api/numbers/delete", json={"ids": ids}, headers=auth(100))).json()
    await arrived  # the first row is in flight
    await bot.connect_chat(OTHER_USER, OTHER_ACCOUNT, OTHER_TOKEN)
    path = f"/app/api/jobs/{started['job']['id']}/stop"
    assert (await app.post(path, headers=auth(OTHER_USER))).status_code == 404
    stopped = await app.post(path, headers=auth(100))
    assert stopped.status_code == 200 and stopped.json()["state"] == "stopping"
    job = await finished_job(app, started["job"]["id"])
    assert len(job["deleted"]) == 1 and job["stopped"] == ids[1:]  # the row in flight ends, no other is sent
    assert plusofon.count("DELETE") == 1 and plusofon.total(40) == 5
    assert (await app.post(path, headers=auth(100))).status_code == 409  # over already


async def test_a_delete_of_many_that_plusofon_refuses_says_which_and_why(bot, app, plusofon):
    numbers = plusofon.seed(40, 4)
    await bot.synced()
    plusofon.inject("500", method="DELETE", times=10)
    started = (await app.post("/app/api/numbers/delete", json={"ids": [numbers[0]["id"]]}, headers=auth(100))).json()
    job = await finished_job(app, started["job"]["id"], timeout=20)
    assert job["deleted"] == [] and [failure["id"] for failure in job["failed"]] == [numbers[0]["id"]]
    assert job["failed"][0]["error"] and "Error" not in job["failed"][0]["error"], job  # in words, not a class name
    assert plusofon.total(40) == 4


async def test_a_delete_of_ids_none_of_which_is_in_the_account_starts_no_job(bot, app, plusofon):
    plusofon.seed(40, 2)
    await bot.synced()
    response = await app.post("/app/api/numbers/delete", json={"ids": [999_998, 999_999]}, headers=auth(100))
    assert response.status_code == 200 and response.json() == {"job": None, "missing": [999_998, 999_999]}
    assert plusofon.count("DELETE") == 0
    for bad in ({"ids": ["1"]}, {"ids": []}, {"ids": list(range(1, 202))}, {"ids": [True]}, ["1"]):
        assert (await app.post("/app/api/numbers/delete", json=bad, headers=auth(100))).status_code == 400, bad


# ---- the page and the chat side --------------------------------------------------------------------------


async def test_the_page_is_served_compressed_with_both_languages_and_under_100_kb(app):
    page = await app.get("/app/", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and page.headers["Content-Encoding"] == "gzip"
    assert "script-src 'self' https://telegram.org" in page.headers["Content-Security-Policy"]
    assert '"Умные номера"' in page.text and '"Smart numbers"' in page.text and "{{TEXTS}}" not in page.text
    assert "set-cookie" not in page.headers
    total = 0
    for name in ("", "app.js", "app.css"):
        response = await app.get("/app/" + name, headers={"Accept-Encoding": "gzip"})
        total += int(response.headers["Content-Length"])
    assert total <= 100_000


async def test_app_opens_a_web_app_button_in_private_and_the_list_offers_it(bot, plusofon):
    plusofon.seed(40, 2)
    menu = bot.tg.calls_of("setChatMenuButton")
    assert menu[-1].params["menu_button"]["web_app"]["url"] == APP_URL
    answer = only(await bot.send("/app"), "sendMessage")
    assert answer.params["reply_markup"]["inline_keyboard"][0][0]["web_app"] == {"url": APP_URL}
    listing = only(await bot.send("/list"), "sendMessage")
    assert listing.params["reply_markup"]["inline_keyboard"][0][0]["web_app"] == {"url": APP_URL}
    group = only(await bot.send("/app", chat_id=-100200, user_id=100), "sendMessage")
    assert "в личном чате" in group.params["text"] and not group.params.get("reply_markup")


async def test_without_webapp_url_app_says_what_to_set(harness):
    answer = only(await harness.send("/app"), "sendMessage")
    assert "WEBAPP_URL" in answer.params["text"] and not answer.params.get("reply_markup")
    assert harness.tg.calls_of("setChatMenuButton")[-1].params["menu_button"]["type"] == "default"
    listing = only(await harness.send("/list"), "sendMessage")
    assert "web_app" not in str(listing.params.get("reply_markup"))


async def test_webhook_mode_serves_the_app_beside_the_webhook(tmp_path, plusofon):
    from aiohttp.test_utils import TestClient, TestServer

    from bot.dispatcher import create_bot
    from bot.webhook import build_webhook_app
    from tests.fake_telegram import FakeSession
    from tests.test_webhook import connect_chat, make_dispatcher, webhook_settings

    plusofon.seed(40, 3)
    settings = webhook_settings(tmp_path, plusofon).model_copy(update={"webapp_url": APP_URL})
    await connect_chat(settings.database_path)  # private chat 7101 → account 40
    dp = await make_dispatcher(settings)
    server = TestClient(TestServer(build_webhook_app(settings, dp, create_bot(settings, session=FakeSession()))))
    await server.start_server()
    try:
        assert (await server.get("/app/")).status == 200
        listed = await server.get("/app/api/numbers", headers=auth(7101))
        assert listed.status == 200 and (await listed.json())["total"] == 3
        assert (await server.get("/app/api/numbers")).status == 401
    finally:
        await server.close()


async def test_a_request_cancelled_mid_way_keeps_its_key_claimed_and_a_failed_one_frees_it(bot):
    """A stop of the bot cancels a POST still being answered: whether it acted is unknown, so its key stays
    claimed and the retry is told to look. A handler that raises did nothing: its key is free again."""
    from aiohttp import web
    from aiohttp.test_utils import make_mocked_request

    from webapp.api import CALLER, WEBAPP, Caller, WebApp, once_per_key

    app = web.Application()
    app[WEBAPP] = WebApp(bot.settings, bot.services)
    auth_ = await bot.services.chats.get(100)
    user = User(id=100, is_bot=False, first_name="Анна")
    started, calls = asyncio.Event(), []

    def request(key: str) -> web.Request:
        made = make_mocked_request("POST", "/app/api/numbers", headers={"Idempotency-Key": key}, app=app)
        made[CALLER] = Caller(user, Chat(id=100, type="private"), bot.services.numbers.of(auth_), texts_for("ru"))
        return made

    @once_per_key
    async def hangs(_: web.Request) -> web.Response:
        calls.append("hangs")
        if len(calls) == 1:  # the first time, until the stop
            started.set()
            await asyncio.Event().wait()
        return web.json_response({"made": len(calls)}, status=201)

    @once_per_key
    async def fails(_: web.Request) -> web.Response:
        calls.append("fails")
        raise RuntimeError("nothing done")

    answering = asyncio.create_task(hangs(request("k-1")))
    await asyncio.wait_for(started.wait(), 5)
    answering.cancel()
    with pytest.raises(asyncio.CancelledError):
        await answering
    app[WEBAPP] = WebApp(bot.settings, bot.services)  # a restart: memory is gone, the database is not
    retried = await hangs(request("k-1"))
    assert retried.status == 409 and json.loads(retried.body)["outcome"] == "unknown"
    assert calls == ["hangs"]

    with pytest.raises(RuntimeError):
        await fails(request("k-2"))
    with pytest.raises(RuntimeError):
        await fails(request("k-2"))
    assert calls == ["hangs", "fails", "fails"]
