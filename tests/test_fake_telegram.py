"""Self-tests of the Telegram fakes: FakeSession (in-process) and FakeBotApi (HTTP)."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import Command
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from tests.fake_bot_api import FakeBotApi, UploadedFile
from tests.fake_telegram import (
    MESSAGE_NOT_MODIFIED,
    TEST_TOKEN,
    FakeSession,
    callback_update,
    make_update,
    message_update,
    migrate_update,
    my_chat_member_update,
)

USER = 777


def keyboard(*data: str) -> InlineKeyboardMarkup:
    buttons = [[InlineKeyboardButton(text=item, callback_data=item)] for item in data]
    return InlineKeyboardMarkup(inline_keyboard=buttons)


def html_bot(session: AiohttpSession | FakeSession) -> Bot:
    return Bot(TEST_TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


@pytest.fixture
def fake() -> FakeSession:
    return FakeSession()


@pytest.fixture
def bot(fake: FakeSession) -> Bot:
    return html_bot(fake)


# ---------------------------------------------------------------- FakeSession


async def test_send_message_ids_increase_per_chat(bot: Bot, fake: FakeSession) -> None:
    first = await bot.send_message(USER, "one")
    second = await bot.send_message(USER, "two", reply_markup=keyboard("a"))
    other_chat = await bot.send_message(-100123, "group")

    assert (first.message_id, second.message_id, other_chat.message_id) == (1000, 1001, 1000)
    assert first.from_user is not None and first.from_user.id == 42
    assert first.chat.type == "private" and other_chat.chat.type == "supergroup"
    assert second.reply_markup is not None
    assert second.reply_markup.inline_keyboard[0][0].callback_data == "a"
    assert [call.params["text"] for call in fake.sent(USER)] == ["one", "two"]
    assert fake.last_text(USER) == "two"
    assert fake.message_markup(USER, 1001) == {
        "inline_keyboard": [[{"text": "a", "callback_data": "a"}]]
    }


async def test_parse_mode_default_is_resolved(bot: Bot, fake: FakeSession) -> None:
    await bot.send_message(USER, "<b>hi</b>")
    await bot.send_message(USER, "plain", parse_mode=None)

    assert [call.params["parse_mode"] for call in fake.sent()] == ["HTML", None]


async def test_edit_same_content_is_not_modified(bot: Bot, fake: FakeSession) -> None:
    sent = await bot.send_message(USER, "text", reply_markup=keyboard("a"))

    with pytest.raises(TelegramBadRequest, match="message is not modified") as error:
        await bot.edit_message_text(
            "text", chat_id=USER, message_id=sent.message_id, reply_markup=keyboard("a")
        )
    assert error.value.message == MESSAGE_NOT_MODIFIED

    edited = await bot.edit_message_text("new", chat_id=USER, message_id=sent.message_id)
    assert isinstance(edited, Message) and edited.edit_date is not None
    assert fake.message_text(USER, sent.message_id) == "new"
    assert fake.message_markup(USER, sent.message_id) is None  # no markup passed: removed


async def test_edit_reply_markup_and_unknown_message(bot: Bot, fake: FakeSession) -> None:
    sent = await bot.send_message(USER, "text", reply_markup=keyboard("a"))

    await bot.edit_message_reply_markup(
        chat_id=USER, message_id=sent.message_id, reply_markup=keyboard("b")
    )
    assert fake.message_markup(USER, sent.message_id)["inline_keyboard"][0][0]["text"] == "b"
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=USER, message_id=sent.message_id, reply_markup=keyboard("b")
        )
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=5)
    assert await bot.edit_message_text("x", inline_message_id="inline-1") is True


async def test_fail_next_retry_after(bot: Bot, fake: FakeSession) -> None:
    fake.fail_next("sendMessage", times=2)

    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as error:
            await bot.send_message(USER, "hi")
        assert error.value.retry_after == 3
    assert (await bot.send_message(USER, "hi")).message_id == 1000
    assert [call.ok for call in fake.sent()] == [False, False, True]


async def test_fail_next_other_errors(bot: Bot, fake: FakeSession) -> None:
    fake.fail_next("sendMessage", status=403)
    fake.fail_next("sendMessage", status=502)
    fake.fail_next("sendMessage", status=400, migrate_to_chat_id=-100999)

    with pytest.raises(TelegramForbiddenError, match="bot was kicked from the group chat"):
        await bot.send_message(-5, "hi")
    with pytest.raises(TelegramServerError):
        await bot.send_message(-5, "hi")
    with pytest.raises(TelegramMigrateToChat) as migrated:
        await bot.send_message(-5, "hi")
    assert migrated.value.migrate_to_chat_id == -100999


async def test_block_chat_until_unblocked(bot: Bot, fake: FakeSession) -> None:
    fake.block_chat(USER)
    with pytest.raises(TelegramForbiddenError, match="blocked by the user"):
        await bot.send_message(USER, "hi")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(USER, "again")
    assert (await bot.send_message(USER + 1, "other chat")).message_id == 1000

    fake.unblock_chat(USER)
    await bot.send_message(USER, "hi")
    assert fake.last_text(USER) == "hi"


@pytest.mark.parametrize("status, model", [("restricted", ChatMemberRestricted), ("left", ChatMemberLeft),
                                           ("kicked", ChatMemberBanned), ("member", ChatMemberMember)])
async def test_any_member_status_can_be_set_for_one_user_or_for_everyone_else(bot: Bot, fake: FakeSession,
                                                                            status: str, model: type) -> None:
    fake.set_chat_member(-100123, USER, status=status)
    assert isinstance(await bot.get_chat_member(-100123, USER), model)
    fake.set_default_member_status(status)
    assert isinstance(await bot.get_chat_member(-100123, USER + 7), model)
    fake.set_chat_member(-100123, USER, status="restricted", is_member=False)
    assert (await bot.get_chat_member(-100123, USER)).is_member is False


async def test_other_methods(bot: Bot, fake: FakeSession) -> None:
    assert (await bot.get_me()).username == "plusofon_test_bot"
    assert await bot.answer_callback_query("cb-1") is True
    assert await bot.send_chat_action(USER, "typing") is True
    assert await bot.delete_message(USER, 1) is True
    assert (await bot.get_chat(-100123)).type == "supergroup"

    assert isinstance(await bot.get_chat_member(-100123, USER), ChatMemberMember)
    fake.set_chat_member(-100123, USER, status="administrator")
    fake.set_chat_member(-100123, USER + 1, status="creator")
    assert isinstance(await bot.get_chat_member(-100123, USER), ChatMemberAdministrator)
    assert isinstance(await bot.get_chat_member(-100123, USER + 1), ChatMemberOwner)

    document = await bot.send_document(USER, BufferedInputFile(b"a;b\n", "report.csv"))
    assert document.document is not None and document.document.file_name == "report.csv"
    assert [call.method_name for call in fake.calls_of("getChatMember")] == ["getChatMember"] * 3

    fake.clear()
    assert fake.calls == []


async def test_wait_for_background_sender(bot: Bot, fake: FakeSession) -> None:
    await bot.send_message(USER, "old")

    async def later() -> None:
        await asyncio.sleep(0)  # let wait_for start waiting first
        await bot.send_message(USER, "background")

    task = asyncio.create_task(later())
    call = await fake.wait_for(lambda c: c.params.get("text") == "background", timeout=2)
    await task
    assert call.result["message_id"] == 1001
    # already recorded calls match immediately
    assert (await fake.wait_for(lambda c: c.params.get("text") == "old")).ok

    with pytest.raises(TimeoutError, match="sendMessage"):
        await fake.wait_for(lambda c: c.method_name == "never", timeout=0.05)


def list_router(replies: list[str]) -> Router:
    router = Router()

    @router.message(Command("list"))
    async def on_list(message: Message) -> None:
        replies.append(message.text or "")
        await message.answer("your list")

    @router.callback_query(F.data == "more")
    async def on_more(query: CallbackQuery) -> None:
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.edit_text("more", reply_markup=keyboard("less"))

    return router


async def test_builders_feed_dispatcher(bot: Bot, fake: FakeSession) -> None:
    replies: list[str] = []
    dp = Dispatcher()
    dp.include_router(list_router(replies))

    await dp.feed_update(bot, message_update("/list", chat_id=USER, user_id=USER))
    group_command = message_update(
        "/list@plusofon_test_bot", chat_id=-100123, user_id=USER, chat_type="supergroup"
    )
    await dp.feed_update(bot, group_command)
    await dp.feed_update(bot, message_update("/list@other_bot", chat_id=USER, user_id=USER))
    await dp.feed_update(bot, message_update("list", chat_id=USER, user_id=USER))

    assert replies == ["/list", "/list@plusofon_test_bot"]
    assert fake.last_text(-100123) == "your list"
    assert fake.sent(USER)[0].params["parse_mode"] == "HTML"

    sent = await bot.send_message(USER, "page 1", reply_markup=keyboard("more"))
    press = callback_update(
        "more", chat_id=USER, user_id=USER, message_id=sent.message_id, message_text="page 1"
    )
    await dp.feed_update(bot, press)
    assert len(fake.calls_of("answerCallbackQuery")) == 1
    assert fake.message_text(USER, sent.message_id) == "more"


def test_command_entities_and_other_builders() -> None:
    update = message_update("/start@plusofon_test_bot ref", chat_id=USER, user_id=USER)
    assert update.message is not None and update.message.entities is not None
    entity = update.message.entities[0]
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, len("/start@plusofon_test_bot"))
    assert message_update("hello", chat_id=USER, user_id=USER).message.entities is None

    a, b = (message_update("x", chat_id=USER, user_id=USER) for _ in range(2))
    assert b.update_id == a.update_id + 1

    member = my_chat_member_update(-100123, "left", "administrator", user_id=USER)
    assert member.my_chat_member is not None
    assert member.my_chat_member.new_chat_member.status == "administrator"
    migrated = migrate_update(-123, -100123)
    assert migrated.message is not None and migrated.message.migrate_to_chat_id == -100123


# ---------------------------------------------------------------- FakeBotApi


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TEST_TOKEN) as server:
        yield server


@pytest_asyncio.fixture
async def http_bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))
    bot = html_bot(session)
    yield bot
    await session.close()


async def test_http_get_me_and_send(api: FakeBotApi, http_bot: Bot) -> None:
    me = await http_bot.get_me()
    assert (me.id, me.username) == (42, "plusofon_test_bot")

    sent = await http_bot.send_message(USER, "<b>hi</b>", reply_markup=keyboard("a"))
    again = await http_bot.send_message(USER, "second")
    assert (sent.message_id, again.message_id) == (1000, 1001)
    call = api.calls_of("sendMessage")[0]
    assert call.params["chat_id"] == USER
    assert call.params["text"] == "<b>hi</b>"
    assert call.params["parse_mode"] == "HTML"
    assert call.params["reply_markup"] == {"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]}
    assert api.messages[(USER, 1000)]["text"] == "<b>hi</b>"


async def test_http_errors(api: FakeBotApi, http_bot: Bot) -> None:
    sent = await http_bot.send_message(USER, "text")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await http_bot.edit_message_text("text", chat_id=USER, message_id=sent.message_id)

    api.fail_next("sendMessage", retry_after=3)
    with pytest.raises(TelegramRetryAfter) as error:
        await http_bot.send_message(USER, "hi")
    assert error.value.retry_after == 3

    wrong_session = AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))
    wrong_token = Bot("42:WRONG", session=wrong_session)
    with pytest.raises(TelegramUnauthorizedError):
        await wrong_token.get_me()
    await wrong_session.close()

    async with aiohttp.ClientSession() as client:
        async with client.post(f"{api.base_url}/bot{TEST_TOKEN}/noSuchMethod") as response:
            assert response.status == 404
            expected = {"ok": False, "error_code": 404, "description": "Not Found"}
            assert await response.json() == expected
        # JSON bodies and case-insensitive method names are accepted too
        async with client.post(
            f"{api.base_url}/bot{TEST_TOKEN}/sendmessage", json={"chat_id": 5, "text": "json"}
        ) as response:
            assert (await response.json())["result"]["text"] == "json"


async def test_http_send_document(api: FakeBotApi, http_bot: Bot) -> None:
    message = await http_bot.send_document(
        USER, BufferedInputFile(b"id;name\n", "calls.csv"), caption="report"
    )
    assert message.document is not None and message.document.file_name == "calls.csv"
    document = api.calls_of("sendDocument")[0].params["document"]
    assert document == UploadedFile("calls.csv", b"id;name\n", document.content_type)


async def test_long_poll_wakes_on_push_and_stop_is_prompt(api: FakeBotApi) -> None:
    url = f"{api.base_url}/bot{TEST_TOKEN}/getUpdates"
    async with aiohttp.ClientSession() as client:
        since = api.cursor()
        poll = asyncio.create_task(client.post(url, data={"offset": "0", "timeout": "30"}))
        await api.wait_for("getUpdates", since=since, timeout=2)
        update_id = api.push_message("hi", chat_id=USER, user_id=USER)
        response = await asyncio.wait_for(poll, timeout=2)
        updates = (await response.json())["result"]
        assert [update["update_id"] for update in updates] == [update_id]

        # confirming with offset drops the update; the next poll waits until stop()
        since = api.cursor()
        poll = asyncio.create_task(
            client.post(url, data={"offset": str(update_id + 1), "timeout": "30"})
        )
        await api.wait_for("getUpdates", since=since, timeout=2)
        started = time.monotonic()
        await api.stop()
        assert time.monotonic() - started < 1.5
        assert (await (await asyncio.wait_for(poll, timeout=2)).json())["result"] == []
        assert api.pending_updates == 0


async def test_polling_echo_end_to_end(api: FakeBotApi, http_bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}")

    polling = asyncio.create_task(dp.start_polling(http_bot, handle_signals=False))
    try:
        await api.wait_for("getUpdates", timeout=5)  # the dispatcher is polling now
        since = api.cursor()
        api.push_message("привет", chat_id=USER, user_id=USER)
        call = await api.wait_for(
            "sendMessage", lambda p: p["chat_id"] == USER, since=since, timeout=5
        )
        assert call.params["text"] == "echo: привет"
        assert call.response is not None and call.response["ok"]
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, timeout=5)
    started = time.monotonic()
    await api.stop()
    assert time.monotonic() - started < 1.5


async def test_a_file_a_user_sent_is_served_by_get_file_and_the_download(api: FakeBotApi, http_bot: Bot,
                                                                         bot: Bot, fake: FakeSession) -> None:
    content = "телефон;описание\n79993332210;Иван\n".encode("cp1251")
    for server, client in ((api.telegram, http_bot), (fake.telegram, bot)):
        document = server.user_file(content, "leads.csv", "text/csv")
        file = await client.get_file(document["file_id"])
        assert file.file_size == len(content) and file.file_path
        downloaded = await client.download(document["file_id"], destination=io.BytesIO())
        assert isinstance(downloaded, io.BytesIO) and downloaded.getvalue() == content
        with pytest.raises(TelegramBadRequest, match="invalid file_id"):
            await client.get_file("no-such-file")


# ---------------------------------------------------------------- inline mode


def article(result_id: str, text: str = "<b>+7 977 000-54-19</b> &amp; co"):
    from aiogram.types import InlineQueryResultArticle, InputTextMessageContent

    return InlineQueryResultArticle(id=result_id, title="t", input_message_content=InputTextMessageContent(
        message_text=text))


async def test_an_inline_query_is_answered_once_and_a_chosen_result_reaches_the_chat(bot: Bot,
                                                                                     fake: FakeSession) -> None:
    from aiogram.types import InlineQueryResultsButton

    payload = fake.inline_query("иван", user_id=USER, offset="20")
    query = make_update(payload).inline_query
    assert query is not None and query.query == "иван" and query.offset == "20" and query.from_user.id == USER
    await bot.answer_inline_query(query.id, [article("1"), article("2")], is_personal=True, cache_time=5,
                                  next_offset="40")
    answer = fake.inline_answer(query.id)
    assert answer is not None and [r["id"] for r in answer["results"]] == ["1", "2"]
    assert answer["is_personal"] is True and answer["next_offset"] == "40"
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_inline_query(query.id, [])  # one answer per query
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_inline_query("123", [])  # a query Telegram never sent
    chosen = make_update(fake.choose_inline_result(query.id, "2", chat_id=-100555)).chosen_inline_result
    assert chosen is not None and chosen.result_id == "2" and chosen.query == "иван"
    (shown,) = [m for (chat, _), m in fake.messages.items() if chat == -100555]
    assert shown["text"] == "+7 977 000-54-19 & co" and shown["via_bot"]["id"] == fake.telegram.bot_id
    assert shown["entities"] == [{"type": "phone_number", "offset": 0, "length": 16}]
    other = make_update(fake.inline_query("", user_id=USER)).inline_query
    button = InlineQueryResultsButton(text="Connect", start_parameter="bad parameter!")
    with pytest.raises(TelegramBadRequest, match="BUTTON_START_PARAM_INVALID"):
        await bot.answer_inline_query(other.id, [], button=button)


@pytest.mark.parametrize(("results", "error"), [
    ([article(str(n)) for n in range(51)], "RESULTS_TOO_MUCH"),
    ([article("1"), article("1")], "RESULT_ID_DUPLICATE"),
    ([article("x" * 65)], "RESULT_ID_INVALID"),
    ([article("1", "a" * 4097)], "MESSAGE_TOO_LONG"),
])
async def test_an_inline_answer_telegram_would_refuse_is_refused(bot: Bot, fake: FakeSession, results,
                                                                 error: str) -> None:
    query = make_update(fake.inline_query("", user_id=USER)).inline_query
    with pytest.raises(TelegramBadRequest, match=error):
        await bot.answer_inline_query(query.id, results)


def test_inline_mode_is_off_in_get_me_until_switched_on(fake: FakeSession) -> None:
    assert fake.telegram.handle("getMe", {})[1]["result"]["supports_inline_queries"] is False
    fake.set_inline_mode(True)
    assert fake.telegram.handle("getMe", {})[1]["result"]["supports_inline_queries"] is True
