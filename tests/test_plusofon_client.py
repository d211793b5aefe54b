"""PlusofonClient (bot/plusofon) against the fake Plusofon API server (tests/fake_plusofon.py).

Every test asserts on what reached the server (method, path, query, JSON body, headers, number of attempts)
as well as on what the client returned or raised. Fixtures `plusofon`, `plusofon_creds`,
`plusofon_client` and `plusofon_client_factory` live in tests/conftest.py.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import traceback
from datetime import datetime

import pytest

from bot.plusofon import (
    AddOutcomeUnknown,
    AddResult,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    Credentials,
    MalformedResponseError,
    NotFoundError,
    PlusofonClient,
    PlusofonError,
    RateLimitError,
    ServerError,
    SmartNumber,
    SmartNumberPage,
    UserNotFoundError,
    ValidationError,
)
from tests.fake_plusofon import RecordedRequest

PATH = "/api/v1/smart-numbers"
USER = 40
PHONE_B = "79993332210"


# ---- helpers ---------------------------------------------------------------------------------


def assert_documented_headers(request: RecordedRequest, token: str) -> None:
    assert request.headers.get("Accept") == "application/json"
    assert request.headers.get("Content-Type") == "application/json"
    assert request.headers.get("Client") == "10553"
    assert request.headers.get("Authorization") == f"Bearer {token}"


def assert_list_request(request: RecordedRequest, page: int, user_id: int = USER) -> None:
    """A GET of the list as documented: user_id in the JSON body and in the query, page in the query."""
    assert request.method == "GET"
    assert request.path == PATH
    assert request.query == {"page": str(page), "user_id": str(user_id)}
    assert request.json == {"user_id": user_id}


def trail(api) -> list[tuple[str, str | None]]:
    """(method, page or path) of every request the server saw, in order."""
    return [(r.method, r.query.get("page") if r.method == "GET" else r.path) for r in api.requests]


def loop_time() -> float:
    return asyncio.get_running_loop().time()


class InFlightProbe(list):
    """Replaces FakePlusofon.requests: on each arrival (the middleware has already counted the request as
    in flight when it records it) remember the highest number of requests the server was handling at once."""

    def __init__(self, api) -> None:
        super().__init__()
        self.api = api
        self.max_in_flight = 0

    def append(self, item: RecordedRequest) -> None:
        self.max_in_flight = max(self.max_in_flight, self.api.in_flight)
        super().append(item)


def exception_texts(exc: BaseException) -> list[str]:
    """str() and repr() of an exception and of everything it chains to, plus the formatted traceback."""
    texts = ["".join(traceback.format_exception(exc))]
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        texts += [str(current), repr(current)]
        todo += [current.__cause__, current.__context__]
    return texts


# ---- construction and headers ----------------------------------------------------------------


async def test_async_context_manager_and_documented_headers_on_every_call(plusofon, plusofon_creds):
    plusofon.seed(USER, 3)
    async with PlusofonClient(plusofon.base_url, "10553", backoff=0.01) as client:
        assert isinstance(client, PlusofonClient)
        await client.list_page(plusofon_creds, 1)
        await client.list_all(plusofon_creds)
        await client.add(plusofon_creds, PHONE_B, "x")
        await client.find(plusofon_creds, 2)
        await client.delete(plusofon_creds, 2)

    assert {r.method for r in plusofon.requests} == {"GET", "POST", "DELETE"}
    for request in plusofon.requests:
        assert_documented_headers(request, plusofon_creds.token)


# ---- list_page ---------------------------------------------------------------------------------


async def test_list_page_parses_the_paginator_and_sends_user_id_in_body_and_query(
        plusofon, plusofon_client, plusofon_creds):
    seeded = plusofon.seed(USER, 20)

    page = await plusofon_client.list_page(plusofon_creds, 2)

    assert isinstance(page, SmartNumberPage)
    assert (page.current_page, page.last_page, page.per_page, page.total) == (2, 2, 15, 20)
    assert [n.id for n in page.data] == [s["id"] for s in seeded[15:]]
    first, raw = page.data[0], seeded[15]
    assert isinstance(first, SmartNumber)
    assert (first.id, first.phone_a, first.phone_b, first.phone_x, first.description) == (
        raw["id"], raw["phoneA"], raw["phoneB"], raw["phoneX"], raw["description"])
    assert first.created_at == datetime.strptime(raw["created_at"], "%Y-%m-%d %H:%M:%S")

    assert len(plusofon.requests) == 1
    assert_list_request(plusofon.requests[0], page=2)
    assert_documented_headers(plusofon.requests[0], plusofon_creds.token)


async def test_list_page_past_the_end_is_empty(plusofon, plusofon_client, plusofon_creds):
    plusofon.seed(USER, 3)
    page = await plusofon_client.list_page(plusofon_creds, 5)
    assert page.data == [] and page.total == 3 and page.last_page == 1
    assert_list_request(plusofon.requests[0], page=5)


# ---- list_all ----------------------------------------------------------------------------------


@pytest.mark.parametrize("page_concurrency", [1, 3])
async def test_list_all_page_one_first_then_the_rest_with_bounded_concurrency(
        plusofon, plusofon_client_factory, plusofon_creds, page_concurrency):
    plusofon.seed(USER, 7 * 15)  # 7 pages
    probe = InFlightProbe(plusofon)
    plusofon.requests = probe
    plusofon.delay = 0.08  # keeps each request in flight long enough for the others to arrive
    client = plusofon_client_factory(page_concurrency=page_concurrency)

    numbers = await client.list_all(plusofon_creds)

    assert [n.id for n in numbers] == [n["id"] for n in plusofon.numbers(USER)] == list(range(1, 106))
    assert all(isinstance(n, SmartNumber) for n in numbers)
    pages = [int(r.query["page"]) for r in probe]
    assert pages[0] == 1
    assert sorted(pages) == list(range(1, 8))  # every page exactly once
    for request in probe:
        assert_list_request(request, page=int(request.query["page"]))
    # The bound holds at the server, and the pages after the first really went out concurrently.
    assert probe.max_in_flight == page_concurrency


async def test_list_all_of_an_empty_account_is_one_request(plusofon, plusofon_client, plusofon_creds):
    assert await plusofon_client.list_all(plusofon_creds) == []
    assert trail(plusofon) == [("GET", "1")]


async def test_list_all_raises_a_plusofon_error_when_a_later_page_fails(
        plusofon, plusofon_client, plusofon_creds):
    plusofon.seed(USER, 45)  # 3 pages
    plusofon.inject("slow", method="GET", delay=0)  # harmless: lets page 1 through
    plusofon.inject("500", method="GET", times=50)  # every later page fails, retries included

    with pytest.raises(ServerError):  # not an ExceptionGroup: callers catch PlusofonError
        await plusofon_client.list_all(plusofon_creds)
    # Page 1, then one page exhausted its 3 attempts (the other page, cancelled then, may have had fewer).
    assert 1 + 3 <= plusofon.count("GET") <= 1 + 2 * 3


# ---- add ---------------------------------------------------------------------------------------


async def test_add_posts_once_and_identifies_the_new_number(plusofon, plusofon_client, plusofon_creds):
    plusofon.seed(USER, 3)

    result = await plusofon_client.add(plusofon_creds, PHONE_B, "Иван Петров")

    assert isinstance(result, AddResult) and result.created
    stored = plusofon.numbers(USER)[-1]
    assert result.number is not None
    assert (result.number.id, result.number.phone_b, result.number.phone_x, result.number.description) == (
        stored["id"], PHONE_B, stored["phoneX"], "Иван Петров")
    assert stored["id"] == 4
    assert trail(plusofon) == [("GET", "1"), ("POST", PATH), ("GET", "1")]
    post = plusofon.requests[1]
    assert post.query == {}
    assert post.json == {"phone_b": PHONE_B, "user_id": USER, "description": "Иван Петров"}
    assert_list_request(plusofon.requests[0], page=1)
    assert_list_request(plusofon.requests[2], page=1)


async def test_add_picks_the_new_number_over_an_identical_older_one(
        plusofon, plusofon_client, plusofon_creds):
    plusofon.seed(USER, 2)
    twins = plusofon.seed(USER, 2, phone_b=PHONE_B, description="same")
    plusofon.seed(USER, 1)

    result = await plusofon_client.add(plusofon_creds, PHONE_B, "same")

    assert result.created and result.number is not None
    assert result.number.id == plusofon.numbers(USER)[-1]["id"] == 6
    assert result.number.id not in {t["id"] for t in twins}
    assert plusofon.count("POST") == 1


async def test_add_picks_the_new_number_over_identical_ones_beyond_page_one(
        plusofon, plusofon_client, plusofon_creds):
    plusofon.seed(USER, 16)
    plusofon.seed(USER, 2, phone_b=PHONE_B, description="same")  # ids 17 and 18, on page 2 like the new one
    plusofon.seed(USER, 2)

    result = await plusofon_client.add(plusofon_creds, PHONE_B, "same")

    assert result.created and result.number is not None and result.number.id == 21
    assert trail(plusofon) == [("GET", "1"), ("POST", PATH), ("GET", "2")]


async def test_add_identifies_a_number_that_lands_on_the_next_page(plusofon, plusofon_client, plusofon_creds):
    plusofon.seed(USER, 14)
    plusofon.seed(USER, 1, phone_b=PHONE_B, description="same")  # an identical twin, id 15, on page 1

    result = await plusofon_client.add(plusofon_creds, PHONE_B, "same")

    assert result.created and result.number is not None and result.number.id == 16
    assert trail(plusofon) == [("GET", "1"), ("POST", PATH), ("GET", "2")]


@pytest.mark.parametrize("fault", [
    pytest.param({"fault": "drop_after"}, id="drop_after"),
    pytest.param({"fault": "slow_after", "delay": 3}, id="slow_after"),
])
async def test_add_after_an_ambiguous_failure_reads_back_and_finds_the_number(
        plusofon, plusofon_client_factory, plusofon_creds, fault):
    plusofon.seed(USER, 5)
    plusofon.inject(**fault, method="POST")
    client = plusofon_client_factory(request_timeout=0.3)

    result = await client.add(plusofon_creds, PHONE_B, "desc")

    assert result.created and result.number is not None
    assert result.number.id == 6 and result.number.phone_b == PHONE_B
    assert plusofon.count("POST") == 1  # never retried blindly
    assert len(plusofon.numbers(USER)) == 6  # exactly one number was created
    assert trail(plusofon) == [("GET", "1"), ("POST", PATH), ("GET", "1")]


@pytest.mark.parametrize(("fault", "error", "status"), [
    ("drop", APIConnectionError, None),
    ("html500", MalformedResponseError, 500),
    ("500", ServerError, 500),
    ("503", ServerError, 503),
])
async def test_add_not_performed_reads_back_then_raises_the_original_error(
        plusofon, plusofon_client, plusofon_creds, fault, error, status):
    plusofon.seed(USER, 5)
    plusofon.inject(fault, method="POST")

    with pytest.raises(error) as caught:
        await plusofon_client.add(plusofon_creds, PHONE_B, "desc")

    assert type(caught.value) is error  # the POST's own error, not a timeout nor AddOutcomeUnknown
    if status is not None:
        assert caught.value.status_code == status
    assert plusofon.count("POST") == 1
    assert trail(plusofon) == [("GET", "1"), ("POST", PATH), ("GET", "1")]  # it did read back
    assert len(plusofon.numbers(USER)) == 5


@pytest.mark.parametrize("fault", [
    pytest.param({"fault": "drop_after"}, id="drop_after"),
    pytest.param({"fault": "slow_after", "delay": 3}, id="slow_after"),
    pytest.param({"fault": "drop"}, id="drop"),
    pytest.param({"fault": "500"}, id="500"),
])
async def test_add_ambiguous_and_read_back_failing_is_outcome_unknown(
        plusofon, plusofon_client_factory, plusofon_creds, fault):
    plusofon.seed(USER, 5)
    plusofon.inject("slow", method="GET", delay=0)  # harmless: lets the GET of page 1 before the POST through
    plusofon.inject(**fault, method="POST")
    plusofon.inject("500", method="GET", times=10)  # then every read-back attempt fails
    client = plusofon_client_factory(request_timeout=0.3)

    with pytest.raises(AddOutcomeUnknown) as caught:
        await client.add(plusofon_creds, PHONE_B, "desc")

    assert isinstance(caught.value, PlusofonError)
    assert isinstance(caught.value.__cause__, ServerError)
    assert plusofon.count("POST") == 1
    assert plusofon.count("GET") == 1 + 3  # page 1, then the read-back with its retries


async def test_add_that_succeeded_but_cannot_be_read_back_is_created_without_a_number(
        plusofon, plusofon_client, plusofon_creds):
    plusofon.seed(USER, 5)
    plusofon.inject("slow", method="GET", delay=0)
    plusofon.inject("503", method="GET", times=10)

    result = await plusofon_client.add(plusofon_creds, PHONE_B, "desc")

    assert result == AddResult(created=True, number=None)
    assert plusofon.count("POST") == 1
    assert len(plusofon.numbers(USER)) == 6


async def test_add_validation_error_is_raised_without_a_read_back(plusofon, plusofon_client, plusofon_creds):
    plusofon.seed(USER, 5)

    with pytest.raises(ValidationError) as caught:
        await plusofon_client.add(plusofon_creds, "12", "desc")

    assert caught.value.status_code == 422
    assert caught.value.errors["phone_b"] == ["The phone b format is invalid."]
    assert trail(plusofon) == [("GET", "1"), ("POST", PATH)]
    assert plusofon.requests[1].json == {"phone_b": "12", "user_id": USER, "description": "desc"}


@pytest.mark.parametrize(("fault", "error"), [("429", RateLimitError), ("401", AuthenticationError)])
async def test_add_is_never_retried(plusofon, plusofon_client, plusofon_creds, fault, error):
    plusofon.inject(fault, method="POST", times=5, **({"retry_after": 0} if fault == "429" else {}))

    with pytest.raises(error):
        await plusofon_client.add(plusofon_creds, PHONE_B, "desc")

    assert plusofon.count("POST") == 1
    assert plusofon.numbers(USER) == []


async def test_add_with_a_bad_token_posts_nothing(plusofon, plusofon_client):
    with pytest.raises(AuthenticationError):
        await plusofon_client.add(Credentials(USER, "not-a-token"), PHONE_B, "desc")
    assert trail(plusofon) == [("GET", "1")]


# ---- delete ------------------------------------------------------------------------------------


async def test_delete_sends_one_delete(plusofon, plusofon_client, plusofon_creds):
    plusofon.seed(USER, 3)

    assert await plusofon_client.delete(plusofon_creds, 2) is None

    assert [n["id"] for n in plusofon.numbers(USER)] == [1, 3]
    assert len(plusofon.requests) == 1
    request = plusofon.requests[0]
    assert (request.method, request.path, request.json) == ("DELETE", f"{PATH}/2", None)
    assert_documented_headers(request, plusofon_creds.token)


async def test_delete_gone_on_the_retry_counts_as_done(plusofon, plusofon_client, plusofon_creds):
    plusofon.seed(USER, 3)
    plusofon.inject("drop_after", method="DELETE")  # the first attempt deletes, then the connection drops

    assert await plusofon_client.delete(plusofon_creds, 2) is None

    assert plusofon.count("DELETE", f"{PATH}/2") == 2  # the retry got a 404
    assert [n["id"] for n in plusofon.numbers(USER)] == [1, 3]


async def test_delete_of_a_missing_number_is_not_found(plusofon, plusofon_client, plusofon_creds):
    plusofon.seed(USER, 3)

    with pytest.raises(NotFoundError) as caught:
        await plusofon_client.delete(plusofon_creds, 99)

    assert caught.value.status_code == 404
    assert plusofon.count("DELETE") == 1


@pytest.mark.parametrize("fault", [
    pytest.param({"fault": "drop"}, id="drop"),
    pytest.param({"fault": "html500"}, id="html500"),
    pytest.param({"fault": "503"}, id="503"),
    pytest.param({"fault": "429", "retry_after": 0}, id="429"),
])
async def test_delete_is_retried(plusofon, plusofon_client, plusofon_creds, fault):
    plusofon.seed(USER, 3)
    plusofon.inject(**fault, method="DELETE")

    await plusofon_client.delete(plusofon_creds, 2)

    assert plusofon.count("DELETE", f"{PATH}/2") == 2
    assert [n["id"] for n in plusofon.numbers(USER)] == [1, 3]


async def test_delete_gives_up_after_three_attempts(plusofon, plusofon_client, plusofon_creds):
    plusofon.seed(USER, 3)
    plusofon.inject("500", method="DELETE", times=5)

    with pytest.raises(ServerError):
        await plusofon_client.delete(plusofon_creds, 2)

    assert plusofon.count("DELETE") == 3
    assert len(plusofon.numbers(USER)) == 3


# ---- find --------------------------------------------------------------------------------------


@pytest.fixture
def ten_thousand(plusofon):
    """10,000 numbers (ids 1..10000, 667 pages) in the fake account."""
    plusofon.seed(USER, 10_000)
    return plusofon


@pytest.mark.parametrize(("number_id", "max_gets"), [
    (7, 1),  # on page 1
    (5_000, 12),  # the middle
    (10_000, 12),  # the last one, alone on page 667
    (6_667, 12),
])
async def test_find_bisects_the_pages(ten_thousand, plusofon_client, plusofon_creds, number_id, max_gets):
    found = await plusofon_client.find(plusofon_creds, number_id)

    assert found is not None and found.id == number_id
    assert found.phone_x == ten_thousand.numbers(USER)[number_id - 1]["phoneX"]
    assert 1 <= ten_thousand.count("GET") <= max_gets
    assert ten_thousand.requests[0].query["page"] == "1"
    for request in ten_thousand.requests:
        assert_list_request(request, page=int(request.query["page"]))


@pytest.mark.parametrize("number_id", [0, 10_001, 1_000_000])
async def test_find_a_missing_id_is_none(ten_thousand, plusofon_client, plusofon_creds, number_id):
    assert await plusofon_client.find(plusofon_creds, number_id) is None
    assert 1 <= ten_thousand.count("GET") <= 12


@pytest.mark.parametrize("number_id", [5_003, 4_996, 4_995])  # inside a page, and at both page edges
async def test_find_a_deleted_id_is_none(ten_thousand, plusofon_client, plusofon_creds, number_id):
    await plusofon_client.delete(plusofon_creds, number_id)
    ten_thousand.clear_requests()

    assert await plusofon_client.find(plusofon_creds, number_id) is None
    assert 1 <= ten_thousand.count("GET") <= 12
    assert ten_thousand.count() == ten_thousand.count("GET")


async def test_find_in_an_empty_account(plusofon, plusofon_client, plusofon_creds):
    assert await plusofon_client.find(plusofon_creds, 1) is None
    assert plusofon.count("GET") == 1


# ---- errors ------------------------------------------------------------------------------------


def test_error_hierarchy():
    for status_error in (AuthenticationError, UserNotFoundError, NotFoundError, ValidationError,
                         RateLimitError, ServerError, BadRequestError):
        assert issubclass(status_error, APIStatusError)
    assert issubclass(APIStatusError, PlusofonError)
    assert issubclass(APITimeoutError, APIConnectionError)
    assert issubclass(APIConnectionError, PlusofonError)
    assert issubclass(AddOutcomeUnknown, PlusofonError)
    assert not issubclass(APIConnectionError, APIStatusError)


@pytest.mark.parametrize(("setup", "error", "status", "code"), [
    pytest.param(lambda api: None, AuthenticationError, 401, None, id="wrong-token"),
    pytest.param(lambda api: api.inject("401"), AuthenticationError, 401, None, id="401"),
    pytest.param(lambda api: None, UserNotFoundError, 500, 500, id="other-user-id"),
    pytest.param(lambda api: api.inject("error200", times=5), UserNotFoundError, 200, 500, id="error200"),
])
async def test_errors_that_are_not_retried(plusofon, plusofon_client, setup, error, status, code, request):
    setup(plusofon)
    creds = {
        "wrong-token": Credentials(USER, "wrong-token"),
        "other-user-id": Credentials(41, "tok-40-secret-value"),  # a token asking for another user_id
    }.get(request.node.callspec.id, Credentials(USER, "tok-40-secret-value"))

    with pytest.raises(error) as caught:
        await plusofon_client.list_page(creds, 1)

    assert type(caught.value) is error
    assert (caught.value.status_code, caught.value.code) == (status, code)
    if error is UserNotFoundError:
        assert caught.value.message == "User not found"
    assert plusofon.count("GET") == 1


async def test_invalid_json_is_a_server_error(plusofon, plusofon_client, plusofon_creds):
    plusofon.inject("invalid_json", times=5)
    with pytest.raises(ServerError):
        await plusofon_client.list_page(plusofon_creds, 1)
    assert 1 <= plusofon.count("GET") <= 3


RETRIED = [
    pytest.param({"fault": "drop"}, APIConnectionError, id="drop"),
    pytest.param({"fault": "slow", "delay": 2}, APITimeoutError, id="slow"),
    pytest.param({"fault": "html500"}, MalformedResponseError, id="html500"),
    pytest.param({"fault": "500"}, ServerError, id="500"),
    pytest.param({"fault": "503"}, ServerError, id="503"),
    pytest.param({"fault": "429", "retry_after": 0}, RateLimitError, id="429"),
]


@pytest.mark.parametrize(("fault", "error"), RETRIED)
async def test_list_recovers_after_two_retries(
        plusofon, plusofon_client_factory, plusofon_creds, fault, error):
    plusofon.seed(USER, 3)
    plusofon.inject(**fault, method="GET", times=2)
    client = plusofon_client_factory(request_timeout=0.3)

    page = await client.list_page(plusofon_creds, 1)

    assert [n.id for n in page.data] == [1, 2, 3]
    assert plusofon.count("GET") == 3
    for request in plusofon.requests:
        assert_list_request(request, page=1)
        assert_documented_headers(request, plusofon_creds.token)


@pytest.mark.parametrize(("fault", "error"), RETRIED)
async def test_list_gives_up_after_three_attempts(
        plusofon, plusofon_client_factory, plusofon_creds, fault, error):
    plusofon.inject(**fault, method="GET", times=5)
    client = plusofon_client_factory(request_timeout=0.3)

    with pytest.raises(error) as caught:
        await client.list_page(plusofon_creds, 1)

    assert type(caught.value) is error
    assert plusofon.count("GET") == 3


async def test_retry_after_is_honoured(plusofon, plusofon_client, plusofon_creds):
    plusofon.inject("429", method="GET", retry_after=1)
    started = loop_time()

    await plusofon_client.list_page(plusofon_creds, 1)

    assert loop_time() - started >= 0.9
    assert plusofon.count("GET") == 2


async def test_retry_after_is_capped(plusofon, plusofon_client_factory, plusofon_creds):
    plusofon.inject("429", method="GET", retry_after=30)
    client = plusofon_client_factory(retry_after_cap=0.2, deadline=3.0)
    started = loop_time()

    await client.list_page(plusofon_creds, 1)

    elapsed = loop_time() - started
    assert 0.15 <= elapsed < 10
    assert plusofon.count("GET") == 2


async def test_retry_after_beyond_the_deadline_is_raised_at_once(
        plusofon, plusofon_client_factory, plusofon_creds):
    plusofon.inject("429", method="GET", retry_after=30)
    client = plusofon_client_factory(retry_after_cap=60, deadline=3.0)

    with pytest.raises(RateLimitError) as caught:
        await client.list_page(plusofon_creds, 1)

    assert caught.value.retry_after == 30
    assert caught.value.status_code == 429
    assert plusofon.count("GET") == 1


@pytest.mark.parametrize("request_timeout", [0.3, 0.45])
async def test_one_deadline_for_all_attempts(
        plusofon, plusofon_client_factory, plusofon_creds, request_timeout):
    plusofon.inject("slow", method="GET", delay=5, times=5)
    client = plusofon_client_factory(request_timeout=request_timeout, deadline=1.0)
    started = loop_time()

    with pytest.raises(APITimeoutError):
        await client.list_page(plusofon_creds, 1)

    assert loop_time() - started < 1.2
    assert 1 <= plusofon.count("GET") <= 3


async def test_an_unreachable_server_is_a_connection_error(plusofon_creds):
    with socket.socket() as sock:  # a port that nobody listens on once the socket is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    unreachable = f"http://127.0.0.1:{port}"
    async with PlusofonClient(unreachable, "10553", backoff=0.01, connect_timeout=1.0) as client:
        with pytest.raises(APIConnectionError) as caught:
            await client.list_page(plusofon_creds, 1)
    assert type(caught.value) is APIConnectionError
    assert caught.value.request_sent is False
    for text in exception_texts(caught.value):
        assert plusofon_creds.token not in text


# ---- secrets -----------------------------------------------------------------------------------


async def test_the_token_is_in_no_error_no_log_and_no_repr(
        plusofon, plusofon_client_factory, plusofon_creds, caplog):
    token = plusofon_creds.token
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "bot", "bot.plusofon", "aiohttp", "asyncio"):
        caplog.set_level(logging.DEBUG, logger=name)
    plusofon.seed(USER, 20)
    client = plusofon_client_factory(request_timeout=0.3)
    raised: list[BaseException] = []

    async def expect(coro, error: type[PlusofonError] | None) -> None:
        try:
            await coro
        except PlusofonError as caught:
            raised.append(caught)
            assert type(caught) is error
        else:
            assert error is None
        plusofon.clear_faults()  # what a times=5 fault left over

    await expect(client.list_all(plusofon_creds), None)
    await expect(client.add(plusofon_creds, PHONE_B, "ok"), None)
    await expect(client.delete(plusofon_creds, 1), None)
    await expect(client.find(plusofon_creds, 18), None)
    plusofon.inject("drop", method="GET")
    plusofon.inject("429", method="GET", retry_after=0)
    await expect(client.list_page(plusofon_creds, 1), None)  # retried twice, then fine
    plusofon.inject("slow", method="GET", delay=2, times=5)
    await expect(client.list_page(plusofon_creds, 1), APITimeoutError)
    plusofon.inject("drop", method="GET", times=5)
    await expect(client.list_page(plusofon_creds, 1), APIConnectionError)
    plusofon.inject("html500", method="GET", times=5)
    await expect(client.list_page(plusofon_creds, 1), MalformedResponseError)
    plusofon.inject("error200", method="GET")
    await expect(client.list_page(plusofon_creds, 1), UserNotFoundError)
    await expect(client.list_page(Credentials(41, token), 1), UserNotFoundError)
    await expect(client.list_page(Credentials(USER, token + "-expired"), 1), AuthenticationError)
    plusofon.inject("drop_after", method="POST")
    await expect(client.add(plusofon_creds, PHONE_B, "ambiguous"), None)  # found on read-back
    plusofon.inject("slow", method="GET", delay=0)
    plusofon.inject("drop", method="POST")
    plusofon.inject("503", method="GET", times=5)
    await expect(client.add(plusofon_creds, PHONE_B, "unknown"), AddOutcomeUnknown)
    await expect(client.add(plusofon_creds, "bad", "x"), ValidationError)
    await expect(client.delete(plusofon_creds, 12345), NotFoundError)

    assert len(raised) == 9
    # The token did go out, in the header only.
    assert all(r.headers["Authorization"].startswith(f"Bearer {token}") for r in plusofon.requests)
    for error in raised:
        for text in exception_texts(error):
            assert token not in text
    assert caplog.records, "expected some log records at DEBUG"
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in caplog.records:
        assert token not in record.getMessage()
        assert token not in formatter.format(record)  # includes exc_info and stack_info
    assert token not in caplog.text
    assert token not in repr(plusofon_creds) and token not in str(plusofon_creds)


@pytest.mark.parametrize("bad_token", [
    pytest.param("tok-40-secret-value\n", id="trailing-newline"),
    pytest.param("tok-40-sécret-value", id="non-ascii"),
])
async def test_a_malformed_token_is_a_plusofon_error_that_does_not_leak_it(
        plusofon, plusofon_client, bad_token):
    with pytest.raises(PlusofonError) as caught:
        await plusofon_client.list_page(Credentials(USER, bad_token), 1)

    for text in exception_texts(caught.value):
        assert bad_token.strip() not in text
    assert plusofon.count() == 0
