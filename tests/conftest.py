"""Shared fixtures: a fake Plusofon API (tests/fake_plusofon.py) and PlusofonClients pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.plusofon import Credentials, PlusofonClient
from tests.fake_plusofon import FakePlusofon

PLUSOFON_USER_ID = 40
PLUSOFON_TOKEN = "tok-40-secret-value"
PLUSOFON_CLIENT_ID = "10553"

# Short timeouts and a tiny backoff so that retries and deadlines cost milliseconds, not seconds.
PLUSOFON_TEST_CLIENT_DEFAULTS: dict[str, Any] = {
    "connect_timeout": 1.0,
    "request_timeout": 2.0,
    "deadline": 5.0,
    "max_retries": 2,
    "backoff": 0.01,
    "retry_after_cap": 2.0,
    "page_concurrency": 4,
}


@pytest.fixture
async def plusofon() -> AsyncIterator[FakePlusofon]:
    """A running FakePlusofon with one empty account: user 40, token PLUSOFON_TOKEN."""
    async with FakePlusofon(client_id=PLUSOFON_CLIENT_ID) as api:
        api.add_account(PLUSOFON_USER_ID, PLUSOFON_TOKEN)
        yield api


@pytest.fixture
def plusofon_creds() -> Credentials:
    """Credentials of the `plusofon` fixture's account (user 40, token PLUSOFON_TOKEN)."""
    return Credentials(PLUSOFON_USER_ID, PLUSOFON_TOKEN)


@pytest.fixture
async def plusofon_client_factory(plusofon: FakePlusofon) -> AsyncIterator[Callable[..., PlusofonClient]]:
    """Make PlusofonClients against `plusofon` with short timeouts (kwargs override); closed at teardown."""
    made: list[PlusofonClient] = []

    def make(**overrides: Any) -> PlusofonClient:
        client = PlusofonClient(plusofon.base_url, PLUSOFON_CLIENT_ID,
                                **{**PLUSOFON_TEST_CLIENT_DEFAULTS, **overrides})
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture
def plusofon_client(plusofon_client_factory: Callable[..., PlusofonClient]) -> PlusofonClient:
    """A PlusofonClient against `plusofon` with PLUSOFON_TEST_CLIENT_DEFAULTS (closed at teardown)."""
    return plusofon_client_factory()


@pytest.fixture
async def harness(tmp_path, plusofon: FakePlusofon):
    """The whole bot (see tests/harness.py) with chat 100 (private, user 100) connected to account 40."""
    from tests.harness import BotHarness

    bot = await BotHarness(tmp_path, plusofon, notify_chat_id=-100500).start()
    await bot.connect_chat(100)
    yield bot
    await bot.stop()
