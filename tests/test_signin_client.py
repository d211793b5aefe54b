"""The client's sign-in calls (authuser, login, refresh) against real HTTP servers: the fake Plusofon, and a
tiny server answering odd shapes (extra fields ignored; a missing field is a clear error, not a crash)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web

from bot.plusofon import (
    MalformedResponseError,
    PlusofonClient,
    SignInExpired,
    WrongCredentials,
)
from tests.conftest import PLUSOFON_CLIENT_ID, PLUSOFON_TEST_CLIENT_DEFAULTS, PLUSOFON_TOKEN, watch_secret
from tests.fake_plusofon import FakePlusofon

EMAIL, PASSWORD = "boss@example.com", "client-Password-77"


async def test_login_authuser_refresh_against_the_fake(plusofon: FakePlusofon, plusofon_client: PlusofonClient):
    plusofon.add_login(40, EMAIL, PASSWORD, first_name="Иван", last_name="Петров")
    watch_secret(PASSWORD)
    tokens = await plusofon_client.login(EMAIL, PASSWORD)
    watch_secret(tokens.token, tokens.refresh_token)
    assert (tokens.token, tokens.refresh_token) == plusofon.issued[0]
    assert PASSWORD not in repr(tokens) and tokens.token not in repr(tokens)
    owner = await plusofon_client.authuser(tokens.token)
    assert (owner.id, owner.email, owner.name) == (40, EMAIL, "Иван Петров")
    assert (await plusofon_client.authuser(PLUSOFON_TOKEN)).id == 40
    fresh = await plusofon_client.refresh(tokens.refresh_token)
    watch_secret(fresh.token, fresh.refresh_token)
    assert fresh.token != tokens.token
    with pytest.raises(SignInExpired):
        await plusofon_client.refresh(tokens.refresh_token)  # used up
    with pytest.raises(WrongCredentials) as wrong:
        await plusofon_client.login(EMAIL, "wrong-password-1")
    assert "wrong-password-1" not in str(wrong.value)
    with pytest.raises(WrongCredentials):
        await plusofon_client.login("", PASSWORD)  # 422
    assert plusofon.count("POST", "/api/v1/login") == 3  # a refused sign-in is not retried


@pytest.fixture
async def odd_server() -> AsyncIterator[Callable[[Any, int], str]]:
    """A server whose every answer is the body (and status) last given; returns its base URL."""
    answer: dict[str, Any] = {"body": {}, "status": 200}

    async def handle(request: web.Request) -> web.Response:
        return web.json_response(answer["body"], status=answer["status"])

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"

    def set_answer(body: Any, status: int = 200) -> str:
        answer.update(body=body, status=status)
        return url

    yield set_answer
    await runner.cleanup()


@pytest.mark.parametrize(("body", "owner_id"), [
    ({"user": {"id": 7, "email": None, "unknown": {"x": 1}, "role": {"name": "client", "client_id": 2}}}, 7),
    ({"id": "8", "first_name": "A"}, 8),  # not wrapped, id as a string
    ({"data": {"user": {"id": 9}}}, 9),
])
async def test_authuser_is_parsed_tolerantly(odd_server, body, owner_id):
    async with PlusofonClient(odd_server(body), PLUSOFON_CLIENT_ID, **PLUSOFON_TEST_CLIENT_DEFAULTS) as client:
        assert (await client.authuser(PLUSOFON_TOKEN)).id == owner_id


@pytest.mark.parametrize("body", [{"user": {"email": "x@y.z"}}, {"user": None}, [], {"token": "t"}])
async def test_authuser_without_an_id_is_a_clear_error(odd_server, body):
    async with PlusofonClient(odd_server(body), PLUSOFON_CLIENT_ID, **PLUSOFON_TEST_CLIENT_DEFAULTS) as client:
        with pytest.raises(MalformedResponseError, match="no user id"):
            await client.authuser(PLUSOFON_TOKEN)


@pytest.mark.parametrize("body", [{"token": "abc-token-123456"}, {"refresh_token": "r"},
                                  {"token": " ", "refresh_token": "r"}, {"success": True}])
async def test_a_sign_in_answer_without_the_pair_is_a_clear_error(odd_server, body):
    async with PlusofonClient(odd_server(body), PLUSOFON_CLIENT_ID, **PLUSOFON_TEST_CLIENT_DEFAULTS) as client:
        with pytest.raises(MalformedResponseError, match="no token or refresh_token"):
            await client.login(EMAIL, PASSWORD)
        with pytest.raises(MalformedResponseError, match="no token or refresh_token"):
            await client.refresh("refresh-token-123456")


async def test_a_sign_in_answer_with_extra_fields_or_access_token(odd_server):
    body = {"access_token": "acc-123456789", "refresh_token": "ref-123456789", "expires_in": 3600, "user": {}}
    async with PlusofonClient(odd_server(body), PLUSOFON_CLIENT_ID, **PLUSOFON_TEST_CLIENT_DEFAULTS) as client:
        tokens = await client.login(EMAIL, PASSWORD)
    assert (tokens.token, tokens.refresh_token) == ("acc-123456789", "ref-123456789")


@pytest.mark.parametrize("status", [401, 422])
async def test_a_wrong_password_is_an_error_body_with_401_or_422(odd_server, status):
    url = odd_server({"message": "Неверный пароль", "errors": {"password": ["wrong"]}}, status)
    async with PlusofonClient(url, PLUSOFON_CLIENT_ID, **PLUSOFON_TEST_CLIENT_DEFAULTS) as client:
        with pytest.raises(WrongCredentials, match="Неверный пароль"):
            await client.login(EMAIL, PASSWORD)
