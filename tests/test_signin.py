"""Connecting without handling API tokens: the /login dialogue (e-mail, password), /login <token>, and tokens
from sign-in that renew themselves (single-flight per account; a refused renewal is told once)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from prometheus_client import generate_latest

from tests.conftest import PLUSOFON_TOKEN, PLUSOFON_USER_ID, watch_secret
from tests.fake_plusofon import FakePlusofon
from tests.harness import BotHarness, only, texts

BOT_ADMIN, OTHER_ADMIN = 7001, 7005
USER = 7002
EMAIL, PASSWORD = "boss@example.com", "Pa55-word-signin-secret"
EXPIRED = "истёк: /login заново"


@pytest.fixture
async def bot(make, plusofon: FakePlusofon) -> BotHarness:
    plusofon.add_login(PLUSOFON_USER_ID, EMAIL, PASSWORD, first_name="Иван", last_name="<b>Петров</b>")
    watch_secret(PASSWORD)
    return await make(admin_ids=frozenset({BOT_ADMIN, OTHER_ADMIN}), allow_self_login=True)


def text_of(calls) -> str:
    return only(calls, "sendMessage").params["text"]


def deletes(calls, chat_id: int, message_id: int) -> list:
    return [call for call in calls if call.method_name == "deleteMessage"
            and call.params.get("chat_id") == chat_id and call.params.get("message_id") == message_id]


def on_disk(h: BotHarness) -> bytes:
    path: Path = h.settings.database_path
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def watch_issued(api: FakePlusofon) -> None:
    for pair in api.issued:
        watch_secret(*pair)


async def sign_in(h: BotHarness, chat_id: int, password: str = PASSWORD, *, first_id: int = 600) -> list:
    """The whole dialogue; returns the calls made on the password message (the third one)."""
    assert "e-mail" in text_of(await h.send("/login", chat_id=chat_id, message_id=first_id))
    assert "пароль" in text_of(await h.send(EMAIL, chat_id=chat_id, message_id=first_id + 1))
    return await h.send(password, chat_id=chat_id, message_id=first_id + 2)


# ---- the dialogue --------------------------------------------------------------------------------------


async def test_sign_in_connects_the_chat_and_says_whose_account_it_is(bot: BotHarness, plusofon: FakePlusofon):
    h = bot
    calls = await sign_in(h, USER)
    # the password message goes before anything else is done
    assert calls[0].method_name == "deleteMessage" and calls[0].params["message_id"] == 602
    [(token, refresh_token)] = plusofon.issued
    watch_issued(plusofon)
    assert [(r.method, r.path) for r in plusofon.requests] == [("POST", "/api/v1/login"),
                                                               ("GET", "/api/v1/authuser")]
    assert plusofon.requests[0].json == {"email": EMAIL, "password": PASSWORD}
    reply = texts(calls)[-1]
    assert "Иван &lt;b&gt;Петров&lt;/b&gt;" in reply and EMAIL in reply and str(PLUSOFON_USER_ID) in reply
    assert PASSWORD not in reply and token not in reply
    auth = await h.chats.get(USER)
    assert auth is not None
    assert (auth.user_id, auth.token, auth.refresh_token, auth.email, auth.connected_by) == (
        PLUSOFON_USER_ID, token, refresh_token, EMAIL, "signin")
    for secret in (PASSWORD, token, refresh_token):
        assert secret.encode() not in on_disk(h)
    plusofon.seed(PLUSOFON_USER_ID, 2)
    assert "Умные номера: 2" in text_of(await h.send("/list", chat_id=USER))


async def test_a_chat_a_bot_admin_signed_in_counts_as_connected_by_an_admin(bot: BotHarness):
    """As with /login <token>: an admin's chat may post into NOTIFY_CHAT_ID, a self-connected one may not."""
    await sign_in(bot, BOT_ADMIN)
    await sign_in(bot, USER, first_id=700)
    assert (await bot.chats.get(BOT_ADMIN)).by_admin
    assert not (await bot.chats.get(USER)).by_admin


async def test_the_dialogue_keeps_only_the_e_mail_in_its_stored_state(bot: BotHarness, plusofon: FakePlusofon):
    h = bot
    await h.send("/login", chat_id=USER, message_id=600)
    await h.send(EMAIL, chat_id=USER, message_id=601)
    async with h.dp["db"].execute("SELECT data FROM fsm") as cursor:
        rows = [row[0] for row in await cursor.fetchall()]
    assert len(rows) == 1 and EMAIL in rows[0]
    await h.send(PASSWORD, chat_id=USER, message_id=602)
    watch_issued(plusofon)
    async with h.dp["db"].execute("SELECT COUNT(*) FROM fsm") as cursor:
        assert (await cursor.fetchone())[0] == 0  # the dialogue is over
    assert PASSWORD.encode() not in on_disk(h)


async def test_a_wrong_password_is_answered_and_nothing_is_stored(bot: BotHarness, plusofon: FakePlusofon):
    h = bot
    calls = await sign_in(h, USER, "not-the-password-123")
    assert deletes(calls, USER, 602) and deletes(calls, USER, 602)[0].ok
    reply = texts(calls)[-1]
    assert "не принял e-mail или пароль" in reply and "/login" in reply and "осталось: 4" in reply
    assert "not-the-password-123" not in reply
    assert await h.chats.get(USER) is None
    assert plusofon.issued == []
    assert b"not-the-password-123" not in on_disk(h)
    watch_secret("not-the-password-123")


@pytest.mark.parametrize("failure", ["others undeletable", "first try fails"])
async def test_the_password_message_is_deleted_even_when_other_deletions_fail(bot: BotHarness,
                                                                              plusofon: FakePlusofon, failure):
    h = bot
    await h.send("/login", chat_id=USER, message_id=600)
    await h.send(EMAIL, chat_id=USER, message_id=601)
    if failure == "others undeletable":
        h.tg.telegram.undeletable.update({(USER, 600), (USER, 601)})
    else:
        h.tg.fail_next("deleteMessage", status=400, description="Bad Request: message can't be deleted")
    calls = await h.send(PASSWORD, chat_id=USER, message_id=602)
    watch_issued(plusofon)
    assert any(call.ok for call in deletes(calls, USER, 602)), h.tg.describe_calls()
    assert (USER, 602) not in h.tg.messages
    assert "✅" in texts(calls)[-1]
    assert await h.chats.get(USER) is not None


async def test_at_most_five_attempts_in_fifteen_minutes(bot: BotHarness, plusofon: FakePlusofon):
    h = bot
    attempts = h.services.login_attempts
    attempts.clock = attempts.wall_clock = h.clock
    for n in range(5):
        calls = await sign_in(h, USER, f"wrong-password-{n}", first_id=600 + 10 * n)
        assert "не принял e-mail или пароль" in texts(calls)[-1]
        watch_secret(f"wrong-password-{n}")
    refused = text_of(await h.send("/login", chat_id=USER, message_id=700))
    assert "Слишком много попыток" in refused and "15 мин" in refused
    assert plusofon.count("POST", "/api/v1/login") == 5
    h.clock.advance(15 * 60 + 1)
    calls = await sign_in(h, USER, first_id=710)
    watch_issued(plusofon)
    assert "✅" in texts(calls)[-1]
    assert plusofon.count("POST", "/api/v1/login") == 6


async def test_the_limit_also_holds_for_a_dialogue_opened_before_it_was_reached(bot: BotHarness,
                                                                               plusofon: FakePlusofon):
    h = bot
    await h.send("/login", chat_id=USER, message_id=590)
    await h.send(EMAIL, chat_id=USER, message_id=591)  # waiting for the password...
    for n in range(5):  # ...while five attempts are made from elsewhere (another device, same user)
        h.services.login_attempts.record(USER)
    calls = await h.send(PASSWORD, chat_id=USER, message_id=592)
    assert deletes(calls, USER, 592)
    assert "Слишком много попыток" in texts(calls)[-1]
    assert plusofon.count("POST", "/api/v1/login") == 0


async def test_cancel_and_a_bad_e_mail(bot: BotHarness, plusofon: FakePlusofon):
    h = bot
    await h.send("/login", chat_id=USER)
    assert "не похоже на e-mail" in text_of(await h.send("boss at example", chat_id=USER))
    assert "отменён" in text_of(await h.send("/cancel", chat_id=USER))
    assert "отменён" not in text_of(await h.send("/cancel", chat_id=USER))  # no dialogue any more
    assert plusofon.requests == []


async def test_sign_in_is_refused_in_groups_and_to_those_who_may_not_connect(make, plusofon: FakePlusofon):
    h = await make(admin_ids=frozenset({BOT_ADMIN}))
    assert "личном чате" in text_of(await h.send("/login", chat_id=-100777, user_id=BOT_ADMIN))
    assert "только администраторы" in text_of(await h.send("/login", chat_id=USER))
    assert "e-mail" in text_of(await h.send("/login", chat_id=BOT_ADMIN))


# ---- /login <token> ------------------------------------------------------------------------------------


async def test_login_with_a_token_alone_finds_the_user_id(bot: BotHarness, plusofon: FakePlusofon):
    h = bot
    calls = await h.send(f"/login {PLUSOFON_TOKEN}", chat_id=USER, message_id=650)
    assert calls[0].method_name == "deleteMessage" and calls[0].params["message_id"] == 650
    assert [(r.method, r.path) for r in plusofon.requests] == [("GET", "/api/v1/authuser")]
    reply = text_of(calls)
    assert str(PLUSOFON_USER_ID) in reply and EMAIL in reply and PLUSOFON_TOKEN not in reply
    auth = await h.chats.get(USER)
    assert auth is not None and (auth.user_id, auth.token, auth.connected_by) == (
        PLUSOFON_USER_ID, PLUSOFON_TOKEN, "token")


async def test_login_with_a_wrong_token_alone_stores_nothing(bot: BotHarness, plusofon: FakePlusofon):
    h = bot
    reply = text_of(await h.send("/login tok-wrong-secret-value", chat_id=USER))
    assert "не принял токен" in reply
    assert await h.chats.get(USER) is None


async def test_login_with_user_id_and_token_is_checked_against_authuser(bot: BotHarness, plusofon: FakePlusofon):
    h = bot
    assert "user_id не подходит" in text_of(await h.send(f"/login 41 {PLUSOFON_TOKEN}", chat_id=USER))
    assert await h.chats.get(USER) is None
    assert "✅" in text_of(await h.send(f"/login 40 {PLUSOFON_TOKEN}", chat_id=USER))
    assert [r.path for r in plusofon.requests] == ["/api/v1/authuser", "/api/v1/authuser"]


# ---- renewal ----------------------------------------------------------------------------------------


async def connect_many(h: BotHarness, plusofon: FakePlusofon, chat_ids: list[int]) -> None:
    """The first chat signs in; the others get the same account the way /link does (a copy of the pair)."""
    await sign_in(h, chat_ids[0])
    auth = await h.chats.get(chat_ids[0])
    assert auth is not None and auth.refresh_token
    for chat_id in chat_ids[1:]:
        await h.chats.put(chat_id, auth.user_id, auth.token, refresh_token=auth.refresh_token, email=auth.email)
    plusofon.clear_requests()


async def test_twenty_chats_hitting_an_expired_token_at_once_renew_it_once(bot: BotHarness,
                                                                          plusofon: FakePlusofon):
    h = bot
    chat_ids = [8000 + n for n in range(20)]
    await connect_many(h, plusofon, chat_ids)
    plusofon.seed(PLUSOFON_USER_ID, 3)
    plusofon.expire_tokens(PLUSOFON_USER_ID)
    results = await asyncio.gather(*(h.send("/list", chat_id=chat_id) for chat_id in chat_ids))
    watch_issued(plusofon)
    for chat_id, calls in zip(chat_ids, results, strict=True):
        assert "Умные номера: 3" in text_of(calls), (chat_id, h.tg.describe_calls())
    assert plusofon.count("GET", "/api/v1/refresh") == 1
    assert h.services.accounts.renewals == 1
    assert 'plusofon_bot_token_renewals_total{outcome="ok"} 1.0' in generate_latest(h.services.metrics.registry).decode()
    new_token, new_refresh = plusofon.issued[-1]
    for chat_id in chat_ids:
        auth = await h.chats.get(chat_id)
        assert auth is not None and (auth.token, auth.refresh_token, auth.failure) == (new_token, new_refresh, None)
    for secret in (new_token, new_refresh, *plusofon.issued[0]):
        assert secret.encode() not in on_disk(h)


async def test_an_add_refused_with_401_is_made_again_after_the_renewal(bot: BotHarness, plusofon: FakePlusofon):
    h = bot
    await sign_in(h, USER)
    plusofon.inject("401", method="POST")  # the token expires between reading the list and adding
    calls = await h.send("/add 79993332210 Иван", chat_id=USER)
    watch_issued(plusofon)
    assert "79993332210"[-4:] in texts(calls)[-1].replace(" ", "").replace("-", "")
    assert len(plusofon.numbers(PLUSOFON_USER_ID)) == 1
    assert plusofon.count("POST", "/api/v1/smart-numbers") == 2  # refused, then made once
    assert plusofon.count("GET", "/api/v1/refresh") == 1


async def test_a_refused_renewal_is_told_once_per_chat_and_once_to_the_admins(bot: BotHarness,
                                                                             plusofon: FakePlusofon):
    h = bot
    chat_ids = [8100, 8101, 8102]
    await connect_many(h, plusofon, chat_ids)
    plusofon.expire_tokens(PLUSOFON_USER_ID)
    plusofon.revoke_refresh_tokens(PLUSOFON_USER_ID)
    results = await asyncio.gather(*(h.send("/list", chat_id=chat_id) for chat_id in chat_ids))
    watch_issued(plusofon)
    for calls in results:
        assert EXPIRED in text_of(calls)
    again = text_of(await h.send("/list", chat_id=chat_ids[0]))  # the next action hears the same, no new renewal
    assert EXPIRED in again
    assert plusofon.count("GET", "/api/v1/refresh") == 1
    for admin in (BOT_ADMIN, OTHER_ADMIN):
        notice = await h.tg.wait_for(lambda call, admin=admin: call.method_name == "sendMessage"
                                     and call.params.get("chat_id") == admin)
        assert "истёк" in notice.params["text"] and str(PLUSOFON_USER_ID) in notice.params["text"]
        async with h.dp["db"].execute("SELECT COUNT(*) FROM outbox WHERE chat_id = ?", (admin,)) as cursor:
            assert (await cursor.fetchone())[0] == 1
    assert h.services.accounts.renewal_failures == 1
    # the admins see it in /chats, and signing in again in one chat repairs every chat of the account
    overview = text_of(await h.send("/chats", chat_id=BOT_ADMIN))
    assert overview.count("не работает") == 3 and EMAIL in overview
    await sign_in(h, chat_ids[0], first_id=900)
    watch_issued(plusofon)
    plusofon.seed(PLUSOFON_USER_ID, 1)
    for chat_id in chat_ids:
        assert "Умные номера: 1" in text_of(await h.send("/list", chat_id=chat_id))
    assert plusofon.count("GET", "/api/v1/refresh") == 1
    assert "не работает" not in text_of(await h.send("/chats", chat_id=BOT_ADMIN))


async def test_a_restart_between_the_expiry_and_the_renewal(bot: BotHarness, plusofon: FakePlusofon):
    h = bot
    await sign_in(h, USER)
    plusofon.seed(PLUSOFON_USER_ID, 1)
    plusofon.expire_tokens(PLUSOFON_USER_ID)
    await h.restart()
    assert "Умные номера: 1" in text_of(await h.send("/list", chat_id=USER))
    watch_issued(plusofon)
    assert plusofon.count("GET", "/api/v1/refresh") == 1
    await h.restart()
    plusofon.clear_requests()
    assert "Умные номера: 1" in text_of(await h.send("/list", chat_id=USER))  # the renewed pair was stored
    assert plusofon.count("GET", "/api/v1/refresh") == 0


async def test_a_chat_connected_with_an_api_token_does_not_try_to_renew(bot: BotHarness, plusofon: FakePlusofon):
    h = bot
    await h.connect_chat(USER)
    plusofon.revoke_token(PLUSOFON_TOKEN)
    reply = text_of(await h.send("/list", chat_id=USER))
    assert "не принимает токен" in reply
    assert plusofon.count("GET", "/api/v1/refresh") == 0
    auth = await h.chats.get(USER)
    assert auth is not None and auth.failure


# ---- visibility ----------------------------------------------------------------------------------------


async def test_chats_shows_each_chat_with_its_account_and_health_to_bot_admins_only(bot: BotHarness,
                                                                                   plusofon: FakePlusofon):
    h = bot
    await sign_in(h, USER)
    watch_issued(plusofon)
    await h.connect_chat(-100777)
    await h.send("/list", chat_id=-100777, user_id=USER)
    overview = text_of(await h.send("/chats", chat_id=BOT_ADMIN))
    lines = overview.splitlines()
    signed = next(line for line in lines if str(USER) in line)
    assert EMAIL in signed and "вход по e-mail" in signed and "работает" in signed
    by_token = next(line for line in lines if "-100777" in line)
    assert "API-токен" in by_token and "работает" in by_token and "ещё не проверялся" not in by_token
    assert "только администраторы бота" in text_of(await h.send("/chats", chat_id=USER))


async def test_the_background_expirer_renews_the_sign_in_too(bot: BotHarness, plusofon: FakePlusofon):
    h = bot
    await sign_in(h, USER)
    reply = text_of(await h.send("/add 79993332210 Иван --ttl 12h", chat_id=USER))
    assert "Создан умный номер" in reply
    plusofon.expire_tokens(PLUSOFON_USER_ID)
    h.clock.advance(13 * 3600)
    assert await h.expirer.run_due() == 1
    watch_issued(plusofon)
    assert plusofon.numbers(PLUSOFON_USER_ID) == []
    assert plusofon.count("GET", "/api/v1/refresh") == 1


async def test_a_group_linked_from_a_signed_in_chat_renews_with_it(bot: BotHarness, plusofon: FakePlusofon):
    h = bot
    group = -100888
    await sign_in(h, BOT_ADMIN)  # a bot admin: may /link (LINK_ALLOWED)
    h.tg.set_chat_member(group, BOT_ADMIN, status="administrator")
    assert "✅" in text_of(await h.send("/link", chat_id=group, user_id=BOT_ADMIN))
    linked = await h.chats.get(group)
    assert linked is not None and linked.connected_by == "signin" and linked.email == EMAIL
    plusofon.expire_tokens(PLUSOFON_USER_ID)
    assert "Умных номеров пока нет" in text_of(await h.send("/list", chat_id=group, user_id=BOT_ADMIN))
    assert "Умных номеров пока нет" in text_of(await h.send("/list", chat_id=BOT_ADMIN))
    watch_issued(plusofon)
    assert plusofon.count("GET", "/api/v1/refresh") == 1


# ---- whatever comes in the password step is deleted (issue 22, item 10) --------------------------------


@pytest.mark.parametrize("typed", ["/list", "\u00a0/list", f"/login {PASSWORD}", f"/{PASSWORD}"])
async def test_a_command_in_the_password_step_is_deleted_and_leaves_the_dialogue(bot: BotHarness,
                                                                                 plusofon: FakePlusofon, typed):
    h = bot
    await h.send("/login", chat_id=USER, message_id=600)
    await h.send(EMAIL, chat_id=USER, message_id=601)
    calls = await h.send(typed, chat_id=USER, message_id=602)
    assert deletes(calls, USER, 602) and (USER, 602) not in h.tg.messages
    assert "вместо пароля пришла команда" in text_of(calls)
    assert await h.dp.fsm.storage.get_state(_key(h)) is None
    await h.send(PASSWORD, chat_id=USER, message_id=603)  # the dialogue is over: this is no password any more
    assert plusofon.count("POST", "/api/v1/login") == 0 and await h.chats.get(USER) is None


async def test_cancel_in_the_password_step_is_deleted_too(bot: BotHarness, plusofon: FakePlusofon):
    h = bot
    await h.send("/login", chat_id=USER, message_id=600)
    await h.send(EMAIL, chat_id=USER, message_id=601)
    calls = await h.send("/cancel", chat_id=USER, message_id=602)
    assert deletes(calls, USER, 602) and text_of(calls) == "Вход отменён."


async def test_a_password_after_the_sign_in_expired_is_deleted_and_refused(bot: BotHarness,
                                                                           plusofon: FakePlusofon):
    h = bot
    await h.send("/login", chat_id=USER, message_id=600)
    await h.send(EMAIL, chat_id=USER, message_id=601)
    storage, key = h.dp.fsm.storage, _key(h)
    data = await storage.get_data(key)
    await storage.set_data(key, {**data, "asked_at": data["asked_at"] - 601})  # the e-mail came 10 min ago
    calls = await h.send(PASSWORD, chat_id=USER, message_id=602)
    assert deletes(calls, USER, 602) and "позже чем через 10 мин" in text_of(calls)
    assert plusofon.count("POST", "/api/v1/login") == 0 and await h.chats.get(USER) is None


async def test_a_password_hours_later_is_still_deleted_and_refused(bot: BotHarness, plusofon: FakePlusofon):
    h = bot
    await h.send("/login", chat_id=USER, message_id=600)
    await h.send(EMAIL, chat_id=USER, message_id=601)
    storage, key = h.dp.fsm.storage, _key(h)
    data = await storage.get_data(key)
    await storage.set_data(key, {**data, "asked_at": data["asked_at"] - 7200})
    await h.stop()
    with sqlite3.connect(h.settings.database_path) as conn:  # two hours pass: other dialogues are forgotten
        conn.execute("UPDATE fsm SET updated_at = updated_at - 7200")
    await h.start()
    calls = await h.send(PASSWORD, chat_id=USER, message_id=602)
    assert deletes(calls, USER, 602) and "позже чем через 10 мин" in text_of(calls)
    assert plusofon.count("POST", "/api/v1/login") == 0 and await h.chats.get(USER) is None


def _key(h: BotHarness):
    from aiogram.fsm.storage.base import StorageKey

    return StorageKey(bot_id=h.bot.id, chat_id=USER, user_id=USER)


# ---- the attempt limit per e-mail address, kept in SQLite (issue 22, item 15) ---------------------------


async def test_the_attempt_limit_holds_per_e_mail_across_telegram_users_and_restarts(bot: BotHarness,
                                                                                    plusofon: FakePlusofon):
    h = bot
    for n in range(5):  # five Telegram accounts, one wrong password each, all on the same address
        calls = await sign_in(h, 8000 + n, f"wrong-password-{n}", first_id=600 + 10 * n)
        assert "не принял e-mail или пароль" in texts(calls)[-1]
        watch_secret(f"wrong-password-{n}")
    await h.restart()
    calls = await sign_in(h, 8100, first_id=700)  # a sixth account, after a restart, with the right password
    assert "Слишком много попыток" in texts(calls)[-1] and deletes(calls, 8100, 702)
    assert plusofon.count("POST", "/api/v1/login") == 5 and await h.chats.get(8100) is None
    async with h.dp["db"].execute("SELECT email_hash FROM login_attempts") as cursor:
        assert EMAIL not in str(await cursor.fetchall())  # the address is kept only as a hash
    h.services.login_attempts.wall_clock = lambda: h.clock() + 15 * 60 + 1
    calls = await sign_in(h, 8100, first_id=710)
    watch_issued(plusofon)
    assert "✅" in texts(calls)[-1]
