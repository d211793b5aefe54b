"""Tests for the fake Plusofon API server (tests/fake_plusofon.py)."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import SHARED_TLS
from tests.fake_plusofon import FakePlusofon

USER = 40
TOKEN = "tok-40"
OTHER_USER = 41
OTHER_TOKEN = "tok-41"
PATH = "/api/v1/smart-numbers"
REPO_ROOT = Path(__file__).resolve().parents[1]


def headers(token: str = TOKEN, client: str | None = "10553") -> dict[str, str]:
    h = {"Content-Type": "application/json", "Accept": "application/json", "Authorization": f"Bearer {token}"}
    if client is not None:
        h["Client"] = client
    return h


@pytest.fixture
async def api():
    async with FakePlusofon() as server:
        server.add_account(USER, TOKEN)
        server.add_account(OTHER_USER, OTHER_TOKEN)
        yield server


@pytest.fixture
async def client(api):
    async with httpx.AsyncClient(base_url=api.base_url, headers=headers(), timeout=5.0,
                                 verify=SHARED_TLS) as c:
        yield c


async def list_page(client: httpx.AsyncClient, page: int | None = None, user_id: int = USER):
    params = {"page": page} if page is not None else None
    return await client.request("GET", PATH, params=params, json={"user_id": user_id})


async def add(client: httpx.AsyncClient, phone_b="79993332210", description="quas", user_id=USER):
    body = {"phone_b": phone_b, "user_id": user_id}
    if description is not None:
        body["description"] = description
    return await client.post(PATH, json=body)


async def wait_until(predicate, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.005)


# ---- auth ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hdrs",
    [
        {"Accept": "application/json", "Client": "10553"},  # no Authorization
        headers(token="wrong"),
        headers(client=None),
        headers(client="99999"),
        {**headers(), "Authorization": TOKEN},  # no "Bearer "
    ],
)
async def test_unauthenticated(api, hdrs):
    api.seed(USER, 2)
    async with httpx.AsyncClient(base_url=api.base_url, verify=SHARED_TLS) as c:
        for method in ("GET", "POST", "DELETE"):
            path = PATH + "/1" if method == "DELETE" else PATH
            body = None if method == "DELETE" else {"user_id": USER, "phone_b": "79993332210"}
            r = await c.request(method, path, json=body, headers=hdrs)
            assert r.status_code == 401
            assert r.json() == {"message": "Unauthenticated."}
    assert len(api.numbers(USER)) == 2


async def test_bearer_scheme_case_insensitive(api):
    async with httpx.AsyncClient(base_url=api.base_url) as c:
        hdrs = {**headers(), "Authorization": f"bearer {TOKEN}"}
        r = await c.request("GET", PATH, json={"user_id": USER}, headers=hdrs)
    assert r.status_code == 200


# ---- list ---------------------------------------------------------------------------


async def test_pagination(api, client):
    seeded = api.seed(USER, 31)
    path = api.base_url + PATH

    r1 = await list_page(client)
    assert r1.status_code == 200
    assert r1.headers["content-type"].startswith("application/json")
    p1 = r1.json()
    assert p1["current_page"] == 1
    assert [n["id"] for n in p1["data"]] == [n["id"] for n in seeded[:15]]
    assert (p1["from"], p1["to"], p1["total"], p1["last_page"], p1["per_page"]) == (1, 15, 31, 3, 15)
    assert p1["path"] == path
    assert p1["first_page_url"] == f"{path}?page=1"
    assert p1["last_page_url"] == f"{path}?page=3"
    assert p1["next_page_url"] == f"{path}?page=2"
    assert p1["prev_page_url"] is None
    assert list(p1) == [
        "current_page", "data", "first_page_url", "from", "last_page", "last_page_url",
        "next_page_url", "path", "per_page", "prev_page_url", "to", "total",
    ]  # fmt: skip

    p2 = (await list_page(client, 2)).json()
    assert (p2["from"], p2["to"], len(p2["data"])) == (16, 30, 15)
    assert p2["prev_page_url"] == f"{path}?page=1" and p2["next_page_url"] == f"{path}?page=3"

    p3 = (await list_page(client, 3)).json()
    assert len(p3["data"]) == 1 and p3["data"][0] == seeded[30]
    assert (p3["from"], p3["to"], p3["next_page_url"]) == (31, 31, None)

    p4 = (await list_page(client, 4)).json()
    assert p4["data"] == [] and p4["from"] is None and p4["to"] is None
    assert (p4["current_page"], p4["total"], p4["last_page"]) == (4, 31, 3)
    assert p4["next_page_url"] is None and p4["prev_page_url"] == f"{path}?page=3"


async def test_empty_list_and_invalid_page(client):
    for page in (None, "0", "abc", "-2"):
        params = {"page": page} if page is not None else None
        r = await client.request("GET", PATH, params=params, json={"user_id": USER})
        p = r.json()
        got = (p["current_page"], p["data"], p["from"], p["to"], p["total"], p["last_page"])
        assert got == (1, [], None, None, 0, 1)


async def test_items_look_real(api, client):
    api.seed(USER, 3)
    api.seed(USER, 2, phone_b="37410324040", description="Иван")
    data = (await list_page(client)).json()["data"]
    ids = [n["id"] for n in data]
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert len({n["phoneX"] for n in data}) == 5
    created = [n["created_at"] for n in data]
    assert created == sorted(created) and len(set(created)) == 5
    for n in data:
        assert set(n) == {"id", "user_id", "phoneA", "phoneB", "phoneX", "description", "created_at"}
        assert n["user_id"] == USER and n["phoneA"] == "79991230046"
        assert re.fullmatch(r"7977\d{7}", n["phoneX"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", n["created_at"])
    assert all(re.fullmatch(r"7999\d{7}", n["phoneB"]) for n in data[:3])
    assert [(n["phoneB"], n["description"]) for n in data[3:]] == [("37410324040", "Иван")] * 2


async def test_user_id_from_body_or_query(api, client):
    api.seed(USER, 2)
    r = await client.request("GET", PATH, json={"user_id": USER})
    assert r.json()["total"] == 2
    r = await client.get(PATH, params={"user_id": str(USER), "page": "1"})
    assert r.status_code == 200 and r.json()["total"] == 2
    assert api.requests[-1].json is None and api.requests[-1].query == {"user_id": "40", "page": "1"}


@pytest.mark.parametrize("body", [{"user_id": OTHER_USER}, {"user_id": 999}, {"user_id": "40"}, {}, None])
async def test_list_wrong_user(client, body):
    r = await client.request("GET", PATH, json=body)
    assert r.status_code == 500
    assert r.json() == {"message": "User not found", "code": 500}


async def test_users_are_separate(api, client):
    api.seed(USER, 2)
    api.seed(OTHER_USER, 5)
    async with httpx.AsyncClient(base_url=api.base_url, headers=headers(OTHER_TOKEN)) as other:
        r = await list_page(other, user_id=OTHER_USER)
    assert r.json()["total"] == 5
    assert (await list_page(client)).json()["total"] == 2


# ---- add ----------------------------------------------------------------------------


async def test_add_success(api, client):
    api.seed(USER, 1)
    r = await add(client, "79993332210", "Пётр / Reno")
    assert r.status_code == 200 and r.json() == {"success": True}
    r = await add(client, "995322250484", description=None)
    assert r.json() == {"success": True}
    items = api.numbers(USER)
    assert len(items) == 3
    new = items[1:]
    assert [n["phoneB"] for n in new] == ["79993332210", "995322250484"]
    assert [n["description"] for n in new] == ["Пётр / Reno", ""]
    assert items[0]["id"] < new[0]["id"] < new[1]["id"]
    assert len({n["phoneX"] for n in items}) == 3
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", n["created_at"]) for n in new)
    page = (await list_page(client)).json()
    assert page["total"] == 3 and page["data"][1]["description"] == "Пётр / Reno"


@pytest.mark.parametrize(
    "phone", ["+79993332210", "8999333221", "7999333221a", "1234567890123456", 79993332210, " 79993332210"]
)
async def test_add_bad_phone(api, client, phone):
    r = await add(client, phone)
    assert r.status_code == 422
    message = "The phone b format is invalid."
    assert r.json() == {"message": message, "errors": {"phone_b": [message]}}
    assert api.numbers(USER) == []


async def test_add_missing_phone_and_long_description(api, client):
    r = await client.post(PATH, json={"user_id": USER, "description": "x"})
    assert r.status_code == 422 and "phone_b" in r.json()["errors"]
    r = await add(client, description="x" * 256)
    assert r.status_code == 422 and list(r.json()["errors"]) == ["description"]
    assert (await add(client, description="я" * 255)).status_code == 200
    assert len(api.numbers(USER)) == 1


@pytest.mark.parametrize("user_id", [OTHER_USER, None, "40"])
async def test_add_wrong_user(api, client, user_id):
    r = await add(client, user_id=user_id)
    assert r.status_code == 500
    assert r.json() == {"message": "User not found.", "code": 500}
    assert api.numbers(USER) == [] and api.numbers(OTHER_USER) == []


# ---- delete -------------------------------------------------------------------------


async def test_delete(api, client):
    first, second, third = api.seed(USER, 3)
    (theirs,) = api.seed(OTHER_USER, 1)

    r = await client.delete(f"{PATH}/{second['id']}")
    assert r.status_code == 200 and r.json() == {"success": True}
    assert [n["id"] for n in api.numbers(USER)] == [first["id"], third["id"]]

    for missing in (second["id"], theirs["id"], 10_000, -1):
        r = await client.delete(f"{PATH}/{missing}")
        assert r.status_code == 404
        assert r.json() == {"message": "Smart number not found", "code": 404}
    assert len(api.numbers(OTHER_USER)) == 1

    for bad in ("abc", "1.5", "1e3"):
        r = await client.delete(f"{PATH}/{bad}")
        assert r.status_code == 400
        assert r.json() == {"message": "The smart number id must be int", "code": 400}

    # ids are never reused
    await add(client)
    assert api.numbers(USER)[-1]["id"] > theirs["id"]


# ---- faults -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status", "content_type", "body"),
    [
        ("html500", 500, "text/html", None),
        ("error200", 200, "application/json", {"message": "User not found", "code": 500}),
        ("500", 500, "application/json", {"message": "Server Error"}),
        ("503", 503, "application/json", {"message": "Service Unavailable"}),
        ("401", 401, "application/json", {"message": "Unauthenticated."}),
        ("429", 429, "application/json", {"message": "Too Many Attempts."}),
    ],
)
async def test_simple_faults_do_not_perform_action(api, client, fault, status, content_type, body):
    api.inject(fault)
    r = await add(client)
    assert r.status_code == status
    assert r.headers["content-type"].startswith(content_type)
    if body is None:
        assert "<html>" in r.text
    else:
        assert r.json() == body
    assert api.numbers(USER) == []
    assert (await add(client)).json() == {"success": True}  # only one request was faulted
    assert len(api.numbers(USER)) == 1


async def test_429_retry_after(api, client):
    api.inject("429")
    api.inject("429", retry_after=7)
    assert (await list_page(client)).headers["Retry-After"] == "1"
    assert (await list_page(client)).headers["Retry-After"] == "7"
    assert (await list_page(client)).status_code == 200


async def test_invalid_json(api, client):
    api.inject("invalid_json", method="GET")
    r = await list_page(client)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        r.json()


async def test_drop(api, client):
    api.inject("drop", method="POST")
    with pytest.raises(httpx.TransportError) as exc_info:
        await add(client)
    assert isinstance(exc_info.value, (httpx.RemoteProtocolError, httpx.ReadError))
    assert api.numbers(USER) == []
    assert (await add(client)).status_code == 200


async def test_drop_after_performs_action(api, client):
    api.inject("drop_after", method="POST")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        await add(client, "79990001122")
    assert [n["phoneB"] for n in api.numbers(USER)] == ["79990001122"]

    (number,) = api.numbers(USER)
    api.inject("drop_after", method="DELETE")
    with pytest.raises(httpx.TransportError):
        await client.delete(f"{PATH}/{number['id']}")
    assert api.numbers(USER) == []


async def test_slow_times_out_client(api, client):
    api.inject("slow", delay=1.0)
    with pytest.raises(httpx.ReadTimeout):
        await client.request("GET", PATH, json={"user_id": USER}, timeout=0.3)


async def test_slow_then_handled(api, client):
    api.inject("slow", method="POST", delay=0.2)
    t0 = time.monotonic()
    r = await add(client)
    assert time.monotonic() - t0 >= 0.2
    assert r.json() == {"success": True} and len(api.numbers(USER)) == 1


async def test_slow_after_performs_action_before_waiting(api, client):
    api.inject("slow_after", method="POST", delay=1.0)
    with pytest.raises(httpx.ReadTimeout):
        await client.post(PATH, json={"phone_b": "79993332210", "user_id": USER}, timeout=0.3)
    assert len(api.numbers(USER)) == 1  # already created, no waiting needed

    api.inject("slow_after", delay=0.1)
    r = await list_page(client)
    assert r.json()["total"] == 1


async def test_fault_method_filter_times_and_order(api, client):
    api.inject("500", method="post", times=2)
    api.inject("503")
    assert (await list_page(client)).status_code == 503  # GET skips the POST fault, takes the next one
    assert [(await add(client)).status_code for _ in range(3)] == [500, 500, 200]
    assert api.pending_faults == 0
    api.inject("500", times=5)
    api.clear_faults()
    assert (await list_page(client)).status_code == 200


def test_inject_rejects_unknown():
    api = FakePlusofon()
    with pytest.raises(ValueError):
        api.inject("boom")
    with pytest.raises(ValueError):
        api.inject("slow", dela=1)
    with pytest.raises(ValueError):
        api.inject("500", times=0)


async def test_permanent_delay(api, client):
    api.delay = 0.15
    t0 = time.monotonic()
    assert (await list_page(client)).status_code == 200
    assert time.monotonic() - t0 >= 0.15


async def test_rate_limit_per_token(api, client):
    api.seed(USER, 20)
    api.rate_limit, api.rate_window = 3, 1.0
    statuses = [(await list_page(client)).status_code for _ in range(3)]
    refused = await list_page(client)
    assert statuses == [200, 200, 200] and refused.status_code == 429
    assert refused.headers["Retry-After"] == "1" and refused.json() == {"message": "Too Many Attempts."}
    assert (await add(client)).status_code == 429 and len(api.numbers(USER)) == 20  # refused, not done
    async with httpx.AsyncClient(base_url=api.base_url, headers=headers(OTHER_TOKEN), timeout=5.0) as other:
        assert (await list_page(other, user_id=OTHER_USER)).status_code == 200  # each token has its own
    assert [r.status for r in api.requests] == [200, 200, 200, 429, 429, 200]

    deadline = time.monotonic() + 3.0  # the window ends: allowed again (refusals did not extend it)
    while (answer := await list_page(client)).status_code == 429:
        assert time.monotonic() < deadline, "the window never ended"
        await asyncio.sleep(0.05)
    assert answer.status_code == 200 and answer.json()["total"] == 20


async def test_rate_limit_retry_after_counts_down(api, client):
    api.rate_limit = 1  # the default 60 s window
    assert (await list_page(client)).status_code == 200
    refused = await list_page(client)
    assert refused.status_code == 429 and 58 <= int(refused.headers["Retry-After"]) <= 60


# ---- recording ----------------------------------------------------------------------


async def test_requests_recorded(api, client):
    api.inject("500", method="POST")
    await list_page(client, 2)
    await add(client, "79993332210", "Анна")
    await client.delete(f"{PATH}/77")
    await client.get("/api/v1/unknown")

    assert [(r.method, r.path) for r in api.requests] == [
        ("GET", PATH), ("POST", PATH), ("DELETE", PATH + "/77"), ("GET", "/api/v1/unknown"),
    ]  # fmt: skip
    get, post, delete, _unknown = api.requests
    assert get.query == {"page": "2"} and get.json == {"user_id": USER}
    assert get.headers["authorization"] == f"Bearer {TOKEN}" and get.headers["CLIENT"] == "10553"
    assert get.headers["Accept"] == "application/json"
    assert post.json == {"phone_b": "79993332210", "user_id": USER, "description": "Анна"}
    assert json.loads(post.raw_body) == post.json
    assert delete.json is None and delete.raw_body == b""
    assert api.numbers(USER) == []  # the POST got the fault but was recorded

    assert api.count() == 4
    assert api.count("GET") == 2 and api.count("post") == 1
    assert api.count(path_prefix=PATH) == 3
    assert api.count("DELETE", PATH + "/") == 1
    api.clear_requests()
    assert api.count() == 0 and api.requests == []


async def test_unknown_route_is_json_404(client):
    r = await client.get("/api/v1/unknown")
    assert r.status_code == 404 and "message" in r.json()


# ---- lifecycle and speed ------------------------------------------------------------


async def test_stop_is_quick_with_pending_slow_request():
    api = FakePlusofon()
    await api.start()
    api.add_account(USER, TOKEN)
    api.inject("slow", delay=30)
    async with httpx.AsyncClient(base_url=api.base_url, headers=headers(), timeout=10) as c:
        pending = asyncio.create_task(list_page(c))
        await wait_until(lambda: api.in_flight == 1)
        t0 = time.monotonic()
        await api.stop()
        assert time.monotonic() - t0 < 2.0
        with pytest.raises(httpx.TransportError):
            await asyncio.wait_for(pending, 2.0)
    assert api.in_flight == 0


async def test_stop_is_quick_with_orphaned_slow_request():
    api = FakePlusofon()
    await api.start()
    api.add_account(USER, TOKEN)
    api.inject("slow", delay=30)
    async with httpx.AsyncClient(base_url=api.base_url, headers=headers()) as c:
        with pytest.raises(httpx.ReadTimeout):
            await c.request("GET", PATH, json={"user_id": USER}, timeout=0.2)
    assert api.in_flight == 1  # the handler outlives its client
    t0 = time.monotonic()
    await api.stop()
    assert time.monotonic() - t0 < 2.0
    assert api.in_flight == 0


async def test_large_account_is_cheap(api, client):
    t0 = time.monotonic()
    api.seed(USER, 10_000)
    assert time.monotonic() - t0 < 1.0
    t0 = time.monotonic()
    for page in (1, 300, 667, 668):
        p = (await list_page(client, page)).json()
        assert p["total"] == 10_000 and p["last_page"] == 667
    assert p["data"] == [] and len((await list_page(client, 667)).json()["data"]) == 10
    last_id = api.numbers(USER)[-1]["id"]
    assert (await client.delete(f"{PATH}/{last_id}")).status_code == 200
    assert time.monotonic() - t0 < 2.0


async def test_standalone_process():
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fake_plusofon", "--port", "0", "--seed", "40:tok:20",
        cwd=REPO_ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        line = (await asyncio.wait_for(proc.stdout.readline(), 10)).decode().strip()
        match = re.fullmatch(r"READY (http://127\.0\.0\.1:(\d+))", line)
        assert match, line
        base_url = match.group(1)
        async with httpx.AsyncClient(base_url=base_url, headers=headers("tok")) as c:
            r = await c.request("GET", PATH, json={"user_id": 40})
        page = r.json()
        assert r.status_code == 200 and page["total"] == 20 and len(page["data"]) == 15
        assert page["path"] == base_url + PATH
    finally:
        if proc.returncode is None:
            proc.terminate()
        rc = await asyncio.wait_for(proc.wait(), 10)
    assert rc == 0


# ---- signing in: /authuser, /login, /refresh ---------------------------------------------------------

EMAIL, PASSWORD = "boss@example.com", "correct horse 42"


def no_token_headers() -> dict[str, str]:
    return {"Content-Type": "application/json", "Accept": "application/json", "Client": "10553"}


async def sign_in(client: httpx.AsyncClient, email: str = EMAIL, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/login", json={"email": email, "password": password},
                             headers=no_token_headers())


async def test_login_gives_a_pair_that_works_and_authuser_tells_whose_it_is(api, client):
    api.add_login(USER, EMAIL, PASSWORD, first_name="Иван", last_name="Петров")
    answer = await sign_in(client, email="Boss@Example.com")
    assert answer.status_code == 200
    pair = answer.json()
    assert pair["token"].startswith("sess-") and pair["refresh_token"].startswith("refr-")
    assert api.issued == [(pair["token"], pair["refresh_token"])]
    who = await client.get("/api/v1/authuser", headers=headers(pair["token"]))
    user = who.json()["user"]
    assert (user["id"], user["email"], user["first_name"], user["last_name"]) == (USER, EMAIL, "Иван", "Петров")
    assert (await list_page(client)).status_code == 200  # the plain token still works
    listed = await client.request("GET", PATH, json={"user_id": USER}, headers=headers(pair["token"]))
    assert listed.status_code == 200


async def test_authuser_knows_plain_tokens_and_refuses_unknown_ones(api, client):
    who = await client.get("/api/v1/authuser")
    assert who.status_code == 200 and who.json()["user"]["id"] == USER
    assert (await client.get("/api/v1/authuser", headers=headers("nope"))).status_code == 401


@pytest.mark.parametrize(("email", "password", "status"), [
    (EMAIL, "wrong", 401), ("nobody@example.com", PASSWORD, 401), ("", PASSWORD, 422), (EMAIL, "", 422)])
async def test_login_refuses_wrong_or_missing_credentials(api, client, email, password, status):
    api.add_login(USER, EMAIL, PASSWORD)
    answer = await sign_in(client, email, password)
    assert answer.status_code == status and answer.json()["message"]
    assert api.issued == []


async def test_tokens_expire_and_the_refresh_token_renews_them_once(api, client):
    api.add_login(USER, EMAIL, PASSWORD)
    pair = (await sign_in(client)).json()
    api.expire_tokens(USER)
    assert (await client.get("/api/v1/authuser", headers=headers(pair["token"]))).status_code == 401
    renewed = await client.get("/api/v1/refresh", headers={**no_token_headers(), **headers(pair["refresh_token"])})
    assert renewed.status_code == 200
    fresh = renewed.json()
    assert fresh["token"] != pair["token"] and fresh["refresh_token"] != pair["refresh_token"]
    assert (await client.get("/api/v1/authuser", headers=headers(fresh["token"]))).status_code == 200
    # a refresh token is good for one renewal
    again = await client.get("/api/v1/refresh", headers=headers(pair["refresh_token"]))
    assert again.status_code == 401


async def test_token_lifetime_and_revoked_refresh_tokens(api, client):
    api.add_login(USER, EMAIL, PASSWORD)
    api.token_lifetime = 0.0  # expired as soon as issued
    pair = (await sign_in(client)).json()
    assert (await client.get("/api/v1/authuser", headers=headers(pair["token"]))).status_code == 401
    api.revoke_refresh_tokens(USER)
    refused = await client.get("/api/v1/refresh", headers=headers(pair["refresh_token"]))
    assert refused.status_code == 401 and refused.json()["message"]
    assert api.count("GET", "/api/v1/refresh") == 1
