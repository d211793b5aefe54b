"""Who takes part: the Plusofon accounts seeded in the fake, and the Telegram chats connected to them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storage.chats import ChatRepository
from storage.cipher import TokenCipher
from storage.database import connect

SECRET_KEY = "6cM2tVfGYb0yJb9nJ0yIqXr0f1QpJkq8pC4v3m6z9bQ="  # a fixed Fernet key, as in the tests
BOT_TOKEN = "42:BENCH-TOKEN"  # aiogram takes the bot's id from the token: 42 is FakeBotApi's default bot id
PER_PAGE = 15  # the fake's page size, as Plusofon's


@dataclass(frozen=True)
class Account:
    user_id: int
    count: int
    """Smart numbers seeded in it."""

    @property
    def token(self) -> str:
        return f"bench-token-{self.user_id}"

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // PER_PAGE))


@dataclass(frozen=True)
class Chat:
    """A private chat (its id is also its user's id) connected to `account`."""

    chat_id: int
    account: Account


SMALL = Account(40, 15)  # one page: no ◀ ▶
PAGED = Account(41, 30)  # the smallest account with a ▶
LARGE = Account(42, 10_000)  # 667 pages
YARDSTICK_ACCOUNT = SMALL


def chats(first_chat_id: int, count: int, account: Account) -> list[Chat]:
    """`count` chats sharing one account."""
    return [Chat(first_chat_id + i, account) for i in range(count)]


def chats_with_own_accounts(first_chat_id: int, first_user_id: int, count: int, numbers: int) -> list[Chat]:
    """`count` chats, each connected to an account of its own with `numbers` smart numbers."""
    return [Chat(first_chat_id + i, Account(first_user_id + i, numbers)) for i in range(count)]


@dataclass(frozen=True)
class World:
    """Every chat of one benchmark run, grouped by the scenario that uses them."""

    small: list[Chat]
    large: list[Chat]
    large_paging: list[Chat]
    """Turn the pages of the large account (chats of their own: the users press under the latest message)."""
    paged: list[Chat]
    mix: list[Chat]
    accounting: Chat
    crowd: list[Chat]
    """The chats of the memory run, each with an account of its own."""

    @classmethod
    def build(cls, users: int, crowd: int) -> World:
        return cls(
            small=chats(1_000_001, users, SMALL),
            large=chats(1_100_001, users, LARGE),
            large_paging=chats(1_150_001, users, LARGE),
            paged=chats(1_200_001, users, PAGED),
            mix=chats_with_own_accounts(1_300_001, 1_000, users, 2 * PER_PAGE + 1),
            accounting=Chat(1_400_001, Account(900, 2 * PER_PAGE + 1)),
            crowd=chats_with_own_accounts(2_000_001, 100_000, crowd, PER_PAGE),
        )

    @property
    def bot_chats(self) -> list[Chat]:
        """The chats of the main bot under test (the crowd talks to a fresh bot of its own)."""
        return [*self.small, *self.large, *self.large_paging, *self.paged, *self.mix, self.accounting]

    def accounts(self) -> list[tuple[int, str, int]]:
        """Every account once, as the fake Plusofon server's seed: (user_id, token, count)."""
        unique = {chat.account.user_id: chat.account for chat in [*self.bot_chats, *self.crowd]}
        unique[YARDSTICK_ACCOUNT.user_id] = YARDSTICK_ACCOUNT
        return [(a.user_id, a.token, a.count) for a in unique.values()]


async def write_database(path: Path, chats_to_connect: list[Chat]) -> None:
    """Connect the chats the way an admin does (`python -m bot chats add`), before the bot starts."""
    conn = await connect(path)
    try:
        repository = ChatRepository(conn, TokenCipher([SECRET_KEY]))
        await conn.execute("BEGIN")  # one transaction: thousands of fsyncs would take seconds
        for chat in chats_to_connect:
            await repository.put(chat.chat_id, chat.account.user_id, chat.account.token, by_admin=True)
        await conn.execute("COMMIT")
    finally:
        await conn.close()
