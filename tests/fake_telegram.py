"""An in-process fake of the Telegram Bot API for fast tests.

`FakeTelegram` is the shared state machine: it answers Bot API calls given as
(method name, params dict) with Telegram-like JSON.  `FakeSession` plugs it
into aiogram as a session; `tests/fake_bot_api.py` serves it over HTTP.
The update builders at the bottom make real `aiogram.types.Update` objects.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Final, cast

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import (
    AcceptedGiftTypes,
    ChatMemberAdministrator,
    ChatMemberRestricted,
    InputFile,
    Update,
)

BOT_ID: Final = 42
BOT_USERNAME: Final = "plusofon_test_bot"
BOT_FIRST_NAME: Final = "Plusofon"
# aiogram takes bot.id from the token, so keep the prefix equal to BOT_ID.
TEST_TOKEN: Final = f"{BOT_ID}:TEST-TOKEN"

FIRST_BOT_MESSAGE_ID: Final = 1000

MESSAGE_NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
MESSAGE_TO_EDIT_NOT_FOUND: Final = "Bad Request: message to edit not found"
NO_TEXT_TO_EDIT: Final = "Bad Request: there is no text in the message to edit"
CHAT_NOT_FOUND: Final = "Bad Request: chat not found"
BLOCKED_BY_USER: Final = "Forbidden: bot was blocked by the user"
KICKED_FROM_GROUP: Final = "Forbidden: bot was kicked from the group chat"
KICKED_FROM_SUPERGROUP: Final = "Forbidden: bot was kicked from the supergroup chat"

_DEFAULT_DESCRIPTIONS: Final = {
    400: "Bad Request",
    401: "Unauthorized",
    403: KICKED_FROM_GROUP,
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
GROUP_UPGRADED: Final = "Bad Request: group chat was upgraded to a supergroup chat"

# Methods that a blocked chat refuses (everything that posts into the chat).
_BLOCKED_PREFIXES: Final = ("send", "edit", "copy", "forward")
_GENERIC_SENDS: Final = frozenset(
    f"send{kind}"
    for kind in ["photo", "audio", "video", "voice", "animation", "sticker", "videonote", "location", "venue", "contact", "poll", "dice"]
)

_COMMAND_RE: Final = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


class _Unset:
    def __repr__(self) -> str:
        return "<auto>"


AUTO: Final = _Unset()
"""Sentinel for "compute it like Telegram would" arguments."""


# --------------------------------------------------------------------------
# JSON builders (plain dicts shaped like the Bot API's), shared by both fakes
# --------------------------------------------------------------------------


def now() -> int:
    return int(time.time())


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def bot_user_dict(
    bot_id: int = BOT_ID, username: str = BOT_USERNAME, first_name: str = BOT_FIRST_NAME
) -> dict[str, Any]:
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": first_name,
        "username": username,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


def user_dict(
    user_id: int,
    *,
    first_name: str = "Иван",
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = None,
) -> dict[str, Any]:
    return _drop_none(
        {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "last_name": last_name,
            "username": username,
            "language_code": language_code,
        }
    )


def default_chat_type(chat_id: int) -> str:
    return "private" if chat_id > 0 else "supergroup"


def chat_dict(
    chat_id: int,
    chat_type: str | None = None,
    *,
    title: str = "Test group",
    first_name: str | None = "User",
    last_name: str | None = None,
    username: str | None = None,
) -> dict[str, Any]:
    chat_type = chat_type or default_chat_type(chat_id)
    if chat_type == "private":
        extra = {"first_name": first_name, "last_name": last_name, "username": username}
    else:
        extra = {"title": title, "username": username}
    return {"id": chat_id, "type": chat_type, **_drop_none(extra)}


def command_entities(text: str | None) -> list[dict[str, Any]]:
    """A `bot_command` entity for a leading /command or /command@bot, as Telegram adds."""
    match = _COMMAND_RE.match(text or "")
    if match is None:
        return []
    # Telegram counts offsets in UTF-16 code units.
    length = len(match.group().encode("utf-16-le")) // 2
    return [{"type": "bot_command", "offset": 0, "length": length}]


def _required_flags(model: type[Any], value: bool) -> dict[str, bool]:
    """All required boolean fields of an aiogram model, set to `value`."""
    return {
        name: value
        for name, info in model.model_fields.items()
        if info.is_required() and info.annotation is bool
    }


def chat_member_dict(user: dict[str, Any], status: str, **fields: Any) -> dict[str, Any]:
    """A ChatMember of the given status, with every required field filled in."""
    extra: dict[str, Any]
    if status == "administrator":
        extra = _required_flags(ChatMemberAdministrator, True)
        extra["can_be_edited"] = False
        extra["is_anonymous"] = False
    elif status == "creator":
        extra = {"is_anonymous": False}
    elif status == "restricted":
        extra = {**_required_flags(ChatMemberRestricted, False), "is_member": True}
        extra["until_date"] = 0
    elif status == "kicked":
        extra = {"until_date": 0}
    elif status in ("member", "left"):
        extra = {}
    else:
        raise ValueError(f"unknown chat member status {status!r}")
    return {"status": status, "user": user, **extra, **fields}


def error_payload(
    status: int,
    description: str,
    *,
    retry_after: int | None = None,
    migrate_to_chat_id: int | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    parameters = _drop_none({"retry_after": retry_after, "migrate_to_chat_id": migrate_to_chat_id})
    if parameters:
        payload["parameters"] = parameters
    return payload


def _uploaded(params: dict[str, Any]) -> dict[str, Any]:
    """Files from disk read at send time, as a real session reads them: the bytes stay with the call."""
    from aiogram.types import BufferedInputFile, FSInputFile

    for key, value in params.items():
        if isinstance(value, FSInputFile):
            with open(value.path, "rb") as file:
                params[key] = BufferedInputFile(file.read(), filename=value.filename or "file")
    return params


def _file_name(value: Any) -> str | None:
    """File name of an uploaded file: aiogram InputFile or the HTTP fake's UploadedFile."""
    return getattr(value, "filename", None)


def _file_size(value: Any) -> int | None:
    content = getattr(value, "content", None) or getattr(value, "data", None)
    return len(content) if isinstance(content, bytes) else None


def _as_chat_id(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    return None


# --------------------------------------------------------------------------
# Inline mode
# --------------------------------------------------------------------------

INLINE_QUERY_INVALID: Final = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_PHONE_RE: Final = re.compile(r"\+\d[\d\s()\-]{5,18}\d")
_TAG_RE: Final = re.compile(r"<[^>]*>")
_START_PARAMETER_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")


def phone_entities(text: str) -> list[dict[str, Any]]:
    """The `phone_number` entities Telegram finds in a message's plain text (`+7 977 000-54-19`), which
    clients show as tappable numbers: a plus, then 7 to 15 digits with spaces, dashes or brackets between."""
    entities = []
    for match in _PHONE_RE.finditer(text):
        if 7 <= sum(ch.isdigit() for ch in match.group()) <= 15:
            prefix = text[: match.start()].encode("utf-16-le")
            entities.append({"type": "phone_number", "offset": len(prefix) // 2,
                             "length": len(match.group().encode("utf-16-le")) // 2})
    return entities


def plain_text(html_text: str) -> str:
    """What a message sent with parse_mode HTML reads as."""
    import html

    return html.unescape(_TAG_RE.sub("", html_text))


class InlineMode:
    """Inline queries as Telegram handles them: it sends the bot an `inline_query` for what the user types,
    takes one answerInlineQuery per query (checked as Telegram checks it), shows the results, and when the user
    picks one, posts its message into the chat the user typed in (via the bot) and, with inline feedback on,
    sends the bot a `chosen_inline_result`."""

    MAX_RESULTS: Final = 50

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.queries: dict[str, dict[str, Any]] = {}   # id -> the InlineQuery sent to the bot
        self.answers: dict[str, dict[str, Any]] = {}   # id -> the answerInlineQuery params

    def query(self, text: str, *, user_id: int, offset: str = "", chat_type: str = "sender",
              first_name: str = "Иван", username: str | None = "ivan",
              language_code: str | None = "ru") -> dict[str, Any]:
        """The `inline_query` update payload for a user typing `@bot text` (in their chat with the bot:
        chat_type "sender"; "private", "group", "supergroup" elsewhere)."""
        query_id = str(next(self._ids) * 1_000_003)
        query = {"id": query_id, "from": user_dict(user_id, first_name=first_name, username=username,
                                                   language_code=language_code),
                 "query": text, "offset": offset, "chat_type": chat_type}
        self.queries[query_id] = query
        return {"inline_query": query}

    def answer(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("inline_query_id"))
        if query_id not in self.queries or query_id in self.answers:
            raise ApiError(400, INLINE_QUERY_INVALID)
        results = params.get("results") or []
        if len(results) > self.MAX_RESULTS:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [str(result.get("id", "")) for result in results]
        if len(set(ids)) != len(ids) or not all(0 < len(i.encode()) <= 64 for i in ids):
            raise ApiError(400, "Bad Request: RESULT_ID_DUPLICATE" if len(set(ids)) != len(ids)
                           else "Bad Request: RESULT_ID_INVALID")
        if len((params.get("next_offset") or "").encode()) > 64:
            raise ApiError(400, "Bad Request: NEXT_OFFSET_INVALID")
        for result in results:
            content = result.get("input_message_content") or {}
            if result.get("type") == "article" and not (result.get("title") and content):
                raise ApiError(400, "Bad Request: RESULT_TYPE_INVALID")
            text = content.get("message_text", "")
            if not 0 < len(plain_text(text) if content.get("parse_mode") == "HTML" else text) <= 4096:
                raise ApiError(400, "Bad Request: MESSAGE_EMPTY" if not text else "Bad Request: MESSAGE_TOO_LONG")
        button = params.get("button")
        if button and not (button.get("text") and (button.get("web_app") or _START_PARAMETER_RE.fullmatch(
                str(button.get("start_parameter", ""))))):
            raise ApiError(400, "Bad Request: BUTTON_START_PARAM_INVALID")
        self.answers[query_id] = params
        return True

    def choose(self, telegram: FakeTelegram, query_id: str, result_id: str, chat_id: int) -> dict[str, Any]:
        """The user taps result `result_id`: its message appears in `chat_id` sent by the user via the bot
        (kept in `telegram.messages`, with the entities Telegram adds); returns the `chosen_inline_result`
        update payload."""
        answer = self.answers[query_id]
        result = next(r for r in answer.get("results") or [] if str(r["id"]) == result_id)
        content = result["input_message_content"]
        text = content["message_text"]
        shown = plain_text(text) if content.get("parse_mode") == "HTML" else text
        message_id = telegram.next_message_id(chat_id)
        telegram.messages[(chat_id, message_id)] = {
            "text": shown, "caption": None, "reply_markup": result.get("reply_markup"), "html": text,
            "entities": phone_entities(shown), "via_bot": telegram.bot_user,
            "from": self.queries[query_id]["from"]}
        query = self.queries[query_id]
        return {"chosen_inline_result": {"result_id": result_id, "from": query["from"], "query": query["query"]}}


# --------------------------------------------------------------------------
# The state machine
# --------------------------------------------------------------------------


class ApiError(Exception):
    """Raised by a method handler to answer with a Telegram error."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


class FakeTelegram:
    """Answers Bot API calls like Telegram: `handle(method, params) -> (status, json)`.

    Keeps the current content of every message the bot sent (`messages`),
    per-chat message ids, chat members, injected failures and blocked chats.
    """

    def __init__(
        self,
        *,
        bot_id: int = BOT_ID,
        bot_username: str = BOT_USERNAME,
        bot_first_name: str = BOT_FIRST_NAME,
    ) -> None:
        self.bot_id = bot_id
        self.bot_user = bot_user_dict(bot_id, bot_username, bot_first_name)
        # (chat_id, message_id) -> {"text", "reply_markup"} (+ "caption" for media)
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._last_message_id: dict[int, int] = {}
        self._members: dict[tuple[int, int], dict[str, Any]] = {}
        self.default_member_status = "member"  # what getChatMember answers for users no test set
        self._failures: dict[str, deque[dict[str, Any]]] = {}
        self._blocked: dict[int, str] = {}
        self.undeletable: set[tuple[int, int]] = set()  # (chat_id, message_id) that deleteMessage refuses
        self._file_ids = itertools.count(1)
        self.files: dict[str, bytes] = {}  # file_path -> content of files users sent (getFile, the download)
        self.inline = InlineMode()
        self._handlers: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getme": lambda params: self.bot_user,
            "sendmessage": self._send_message,
            "senddocument": self._send_document,
            "editmessagetext": lambda params: self._edit(params, "text"),
            "editmessagecaption": lambda params: self._edit(params, "caption"),
            "editmessagereplymarkup": lambda params: self._edit(params, None),
            "deletemessage": self._delete_message,
            "getchatmember": self._get_chat_member,
            "getchat": self._get_chat,
            "getmycommands": lambda params: [],
            "getfile": self._get_file,
            "answerinlinequery": self.inline.answer,
            **{name: self._send_generic for name in _GENERIC_SENDS},
        }

    # ---- configuration ----

    def set_inline_mode(self, on: bool) -> None:
        """What getMe says of inline mode (BotFather's /setinline); off, as for a new bot, by default."""
        self.bot_user["supports_inline_queries"] = on

    def fail_next(
        self,
        method: str,
        *,
        times: int = 1,
        status: int = 429,
        description: str | None = None,
        retry_after: int | None | _Unset = AUTO,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` with an error.

        By default a 429 "Too Many Requests: retry after 3"; `retry_after`
        defaults to 3 only for 429 and the description to Telegram's usual one.
        """
        if isinstance(retry_after, _Unset):
            retry_after = 3 if status == 429 else None
        if description is None:
            description = self._default_description(status, retry_after, migrate_to_chat_id)
        payload = error_payload(
            status, description, retry_after=retry_after, migrate_to_chat_id=migrate_to_chat_id
        )
        self._failures.setdefault(method.lower(), deque()).extend([payload] * times)

    @staticmethod
    def _default_description(
        status: int, retry_after: int | None, migrate_to_chat_id: int | None
    ) -> str:
        if status == 429:
            return f"Too Many Requests: retry after {retry_after or 3}"
        if migrate_to_chat_id is not None:
            return GROUP_UPGRADED
        if status >= 500 and status not in _DEFAULT_DESCRIPTIONS:
            return "Internal Server Error"
        return _DEFAULT_DESCRIPTIONS.get(status, "Bad Request")

    def block_chat(self, chat_id: int, description: str | None = None) -> None:
        """Every send/edit to `chat_id` gets 403 Forbidden until `unblock_chat`."""
        if description is None:
            description = BLOCKED_BY_USER if chat_id > 0 else KICKED_FROM_SUPERGROUP
        self._blocked[chat_id] = description

    def unblock_chat(self, chat_id: int) -> None:
        self._blocked.pop(chat_id, None)

    def set_chat_member(
        self, chat_id: int, user_id: int, status: str = "member", **fields: Any
    ) -> None:
        """What getChatMember returns for (chat_id, user_id); extra fields override."""
        self._members[(chat_id, user_id)] = chat_member_dict(self._user(user_id), status, **fields)

    def user_file(self, content: bytes, file_name: str | None, mime_type: str | None = None) -> dict[str, Any]:
        """A file as a user sends it: the `document` of their message, its bytes served by getFile and the
        download (`file_path` documents/<file_id>)."""
        file_id = f"BQAD{next(self._file_ids)}"
        self.files[f"documents/{file_id}"] = content
        return _drop_none({"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": file_name,
                           "mime_type": mime_type, "file_size": len(content)})

    def file_content(self, file_path: str) -> bytes | None:
        return self.files.get(file_path)

    def next_message_id(self, chat_id: int) -> int:
        message_id = self._last_message_id.get(chat_id, FIRST_BOT_MESSAGE_ID - 1) + 1
        self._last_message_id[chat_id] = message_id
        return message_id

    # ---- dispatch ----

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one call: (HTTP status, response JSON as a dict)."""
        key = method.lower()
        failure = self.take_failure(key)
        if failure is not None:
            return failure
        blocked = self._blocked_description(key, params)
        if blocked is not None:
            return 403, error_payload(403, blocked)
        handler = self._handlers.get(key)
        if handler is None:
            return 200, {"ok": True, "result": True}
        try:
            return 200, {"ok": True, "result": handler(params)}
        except ApiError as error:
            return error.status, error_payload(error.status, error.description)

    def take_failure(self, method: str) -> tuple[int, dict[str, Any]] | None:
        """The next injected error for `method`, if any (consumed)."""
        failures = self._failures.get(method.lower())
        if not failures:
            return None
        payload = failures.popleft()
        return payload["error_code"], payload

    def _blocked_description(self, method: str, params: dict[str, Any]) -> str | None:
        if not self._blocked or not method.startswith(_BLOCKED_PREFIXES):
            return None
        chat_id = _as_chat_id(params.get("chat_id"))
        return None if chat_id is None else self._blocked.get(chat_id)

    # ---- method handlers ----

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._new_message(params, text=params.get("text"))

    def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        document = params.get("document")
        name = _file_name(document)
        file_id = document if isinstance(document, str) else f"BQAC{next(self._file_ids)}"
        info = _drop_none(
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_name": name,
                "mime_type": "application/octet-stream" if name else None,
                "file_size": _file_size(document),
            }
        )
        return self._new_message(params, caption=params.get("caption"), document=info)

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id"))
        content = self.files.get(f"documents/{file_id}")
        if content is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(content),
                "file_path": f"documents/{file_id}"}

    def _send_generic(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._new_message(params, caption=params.get("caption"))

    def _new_message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        message_id = self.next_message_id(chat_id)
        markup = params.get("reply_markup")
        self.messages[(chat_id, message_id)] = {
            "text": content.get("text"),
            "caption": content.get("caption"),
            "reply_markup": markup,
        }
        return self._message_json(chat_id, message_id, markup, **content)

    def _edit(self, params: dict[str, Any], field_name: str | None) -> dict[str, Any] | bool:
        """editMessageText/Caption (field_name) or editMessageReplyMarkup (None)."""
        if params.get("inline_message_id"):
            return True
        chat_id = self._chat_id(params)
        message_id = _as_chat_id(params.get("message_id"))
        current = self.messages.get((chat_id, message_id))  # type: ignore[arg-type]
        if current is None:
            raise ApiError(400, MESSAGE_TO_EDIT_NOT_FOUND)
        if field_name == "text" and current["text"] is None:
            raise ApiError(400, NO_TEXT_TO_EDIT)
        # Telegram removes the inline keyboard when an edit doesn't pass one.
        new_markup = params.get("reply_markup")
        new_value = params.get(field_name) if field_name else None
        same_value = field_name is None or new_value == current[field_name]
        if same_value and new_markup == current["reply_markup"]:
            raise ApiError(400, MESSAGE_NOT_MODIFIED)
        if field_name:
            current[field_name] = new_value
        current["reply_markup"] = new_markup
        content = {"text": current["text"], "caption": current["caption"]}
        return self._message_json(
            chat_id, message_id, new_markup, edit_date=now(), **content  # type: ignore[arg-type]
        )

    def _delete_message(self, params: dict[str, Any]) -> bool:
        chat_id = _as_chat_id(params.get("chat_id"))
        message_id = _as_chat_id(params.get("message_id"))
        if (chat_id, message_id) in self.undeletable:
            raise ApiError(400, "Bad Request: message can't be deleted")
        self.messages.pop((chat_id, message_id), None)  # type: ignore[arg-type]
        return True

    def _get_chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        user_id = int(params["user_id"])
        member = self._members.get((chat_id, user_id))
        return member or chat_member_dict(self._user(user_id), self.default_member_status)

    def _get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **chat_dict(self._chat_id(params)),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": _required_flags(AcceptedGiftTypes, True),
        }

    # ---- helpers ----

    def _chat_id(self, params: dict[str, Any]) -> int:
        chat_id = _as_chat_id(params.get("chat_id"))
        if chat_id is None:
            raise ApiError(400, CHAT_NOT_FOUND)
        return chat_id

    def _user(self, user_id: int) -> dict[str, Any]:
        if user_id == self.bot_id:
            return self.bot_user
        return user_dict(user_id, first_name="User")

    def _message_json(
        self, chat_id: int, message_id: int, markup: Any, **content: Any
    ) -> dict[str, Any]:
        message = {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": chat_dict(chat_id),
            "date": now(),
            **_drop_none(content),
        }
        # Only inline keyboards are echoed back in the Message object.
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message


class TelegramControls:
    """Test-facing knobs shared by FakeSession and FakeBotApi (they own `self.telegram`)."""

    telegram: FakeTelegram

    @property
    def messages(self) -> dict[tuple[int, int], dict[str, Any]]:
        """(chat_id, message_id) -> current {"text", "caption", "reply_markup"}."""
        return self.telegram.messages

    def fail_next(
        self,
        method_name: str,
        *,
        times: int = 1,
        status: int = 429,
        description: str | None = None,
        retry_after: int | None | _Unset = AUTO,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        self.telegram.fail_next(
            method_name,
            times=times,
            status=status,
            description=description,
            retry_after=retry_after,
            migrate_to_chat_id=migrate_to_chat_id,
        )

    def block_chat(self, chat_id: int, description: str | None = None) -> None:
        self.telegram.block_chat(chat_id, description)

    def unblock_chat(self, chat_id: int) -> None:
        self.telegram.unblock_chat(chat_id)

    def set_chat_member(
        self, chat_id: int, user_id: int, status: str = "member", **fields: Any
    ) -> None:
        self.telegram.set_chat_member(chat_id, user_id, status, **fields)

    def set_default_member_status(self, status: str) -> None:
        """What getChatMember answers for every user no `set_chat_member` named (by default "member")."""
        self.telegram.default_member_status = status

    def message_text(self, chat_id: int, message_id: int) -> str | None:
        """Current text of a message the bot sent (None if unknown or deleted)."""
        return self.messages.get((chat_id, message_id), {}).get("text")

    def message_markup(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        return self.messages.get((chat_id, message_id), {}).get("reply_markup")

    def set_inline_mode(self, on: bool) -> None:
        self.telegram.set_inline_mode(on)

    def inline_query(self, text: str, *, user_id: int, **options: Any) -> dict[str, Any]:
        """The `inline_query` update payload for a user typing `@bot text` (see InlineMode.query)."""
        return self.telegram.inline.query(text, user_id=user_id, **options)

    def inline_answer(self, query_id: str) -> dict[str, Any] | None:
        """The bot's answerInlineQuery for that query, if it answered."""
        return self.telegram.inline.answers.get(query_id)

    def choose_inline_result(self, query_id: str, result_id: str, chat_id: int) -> dict[str, Any]:
        """The user picks a result: its message goes to `chat_id`; the `chosen_inline_result` payload."""
        return self.telegram.inline.choose(self.telegram, query_id, result_id, chat_id)


# --------------------------------------------------------------------------
# The aiogram session
# --------------------------------------------------------------------------


@dataclass
class RecordedCall:
    method_name: str
    method: TelegramMethod[Any]
    params: dict[str, Any]
    """The method's fields after aiogram's defaults (parse_mode...) are resolved."""
    response: dict[str, Any] = field(default_factory=dict)
    """The JSON the fake answered with."""

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def result(self) -> Any:
        return self.response.get("result")

    def __str__(self) -> str:
        shown = {k: v for k, v in self.params.items() if v is not None and k != "parse_mode"}
        outcome = "ok" if self.ok else f"error {self.response.get('description')!r}"
        return f"{self.method_name}({shown}) -> {outcome}"


CallPredicate = Callable[[RecordedCall], bool]


@dataclass
class _Hold:
    """A slow call to come, see FakeSession.hold_next."""

    method: str
    chat_id: int | None
    seconds: float
    delivered: bool
    began: asyncio.Event


# aiogram's `check_response` makes `Response[T]` for the method's result type T on every call. Pydantic keeps
# that class only while something refers to it: the garbage collector takes it between tests (often between
# calls), and it is built again, 1-4 ms each time. FakeSession keeps the ones it has used, which is all it
# changes: the same classes, the same validation.
_RESPONSE_TYPES: dict[Any, Any] = {}


class FakeSession(TelegramControls, BaseSession):
    """aiogram session that answers from `FakeTelegram` and records every call."""

    def __init__(
        self,
        *,
        bot_id: int = BOT_ID,
        bot_username: str = BOT_USERNAME,
        bot_first_name: str = BOT_FIRST_NAME,
    ) -> None:
        super().__init__()
        self.telegram = FakeTelegram(
            bot_id=bot_id, bot_username=bot_username, bot_first_name=bot_first_name
        )
        self.calls: list[RecordedCall] = []
        self._waiters: list[tuple[CallPredicate, asyncio.Future[RecordedCall]]] = []
        self._holds: list[_Hold] = []

    def hold_next(
        self, method_name: str, seconds: float, *, chat_id: int | None = None, delivered: bool = True
    ) -> asyncio.Event:
        """Make the next `method_name` call (to `chat_id`, if given) slow. `delivered=True`: Telegram takes
        it at once and its answer comes `seconds` later; False: it reaches Telegram only after `seconds`.
        A call whose request timeout is shorter fails when that runs out with aiogram's "Request timeout
        error", as AiohttpSession does. Returns an Event set when the call begins."""
        hold = _Hold(method_name.lower(), chat_id, seconds, delivered, asyncio.Event())
        self._holds.append(hold)
        return hold.began

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,
    ) -> TelegramType:
        name = method.__api_method__
        params = _uploaded(self.resolve_params(bot, method))
        hold = self._take_hold(name, params)
        if hold is not None and not hold.delivered:
            await self._held(hold, method, timeout)
        status, payload = self.telegram.handle(name, params)
        self._record(RecordedCall(name, method, params, payload))
        if hold is not None and hold.delivered:
            await self._held(hold, method, timeout)
        if (returning := method.__returning__) not in _RESPONSE_TYPES:
            _RESPONSE_TYPES[returning] = Response[returning]  # type: ignore[valid-type]
        response = self.check_response(
            bot=bot, method=method, status_code=status, content=self.json_dumps(payload)
        )
        return cast(TelegramType, response.result)

    def drop_holds(self) -> None:
        """Forget slow calls set up by `hold_next` that have not happened."""
        self._holds.clear()

    def _take_hold(self, name: str, params: dict[str, Any]) -> _Hold | None:
        for hold in self._holds:
            if hold.method == name.lower() and hold.chat_id in (None, _as_chat_id(params.get("chat_id"))):
                self._holds.remove(hold)
                return hold
        return None

    @staticmethod
    async def _held(hold: _Hold, method: TelegramMethod[Any], timeout: int | None) -> None:
        hold.began.set()
        if timeout is not None and timeout < hold.seconds:
            await asyncio.sleep(timeout)
            raise TelegramNetworkError(method=method, message="Request timeout error")
        await asyncio.sleep(hold.seconds)

    def resolve_params(self, bot: Bot, method: TelegramMethod[Any]) -> dict[str, Any]:
        """Fields as plain values, `Default(...)` resolved from `bot.default` like aiogram does.

        Nested objects become dicts (without None values); files stay InputFile objects.
        """
        files: dict[str, InputFile] = {}
        params: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            if not isinstance(value, InputFile):
                value = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            # str enums (ParseMode.HTML) pass prepare_value unchanged; send their value
            params[key] = value.value if isinstance(value, Enum) else value
        return params

    async def close(self) -> None:
        pass

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        """The download of a file a user sent (see FakeTelegram.user_file), as Telegram's file server gives it."""
        file_path = url.split("/file/bot", 1)[-1].partition("/")[2]
        content = self.telegram.file_content(file_path)
        if content is None:
            raise TelegramNetworkError(method=None, message=f"no file at {file_path}")  # type: ignore[arg-type]
        for start in range(0, len(content), chunk_size):
            yield content[start:start + chunk_size]

    # ---- recording and waiting ----

    def _record(self, call: RecordedCall) -> None:
        self.calls.append(call)
        if not self._waiters:
            return
        for predicate, future in self._waiters:
            if future.done():
                continue
            try:
                if predicate(call):
                    future.set_result(call)
            except Exception as error:  # noqa: BLE001 - a broken predicate fails the waiting test
                future.set_exception(error)

    async def wait_for(
        self, predicate: CallPredicate, timeout: float = 5.0, *, since: int = 0
    ) -> RecordedCall:
        """First call (from index `since`, already recorded or future) matching `predicate`."""
        for call in itertools.islice(self.calls, since, None):
            if predicate(call):
                return call
        waiter = (predicate, asyncio.get_running_loop().create_future())
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(waiter[1], timeout)
        except TimeoutError:
            raise TimeoutError(
                f"no Telegram call matched within {timeout}s; calls seen:\n{self.describe_calls()}"
            ) from None
        finally:
            self._waiters.remove(waiter)

    def describe_calls(self, last: int = 50) -> str:
        shown = self.calls[-last:]
        lines = [f"  {call}" for call in shown] or ["  (none)"]
        if len(self.calls) > last:
            lines.insert(0, f"  ... {len(self.calls) - last} earlier calls")
        return "\n".join(lines)

    # ---- queries ----

    def calls_of(self, method_name: str) -> list[RecordedCall]:
        name = method_name.lower()
        return [call for call in self.calls if call.method_name.lower() == name]

    def sent(self, chat_id: int | None = None) -> list[RecordedCall]:
        """sendMessage calls (also failed ones: see `.ok`), optionally to one chat."""
        return [
            call
            for call in self.calls_of("sendMessage")
            if chat_id is None or _as_chat_id(call.params.get("chat_id")) == chat_id
        ]

    def last_text(self, chat_id: int) -> str | None:
        """Text of the last successfully sent message to `chat_id`."""
        delivered = [call for call in self.sent(chat_id) if call.ok]
        return delivered[-1].params.get("text") if delivered else None

    def clear(self) -> None:
        """Forget recorded calls (message contents and settings are kept)."""
        self.calls.clear()


# --------------------------------------------------------------------------
# Update builders
# --------------------------------------------------------------------------

_update_ids = itertools.count(1)
_incoming_message_ids = itertools.count(1)
_callback_ids = itertools.count(1)


def next_update_id() -> int:
    return next(_update_ids)


def make_update(payload: dict[str, Any], update_id: int | None = None) -> Update:
    """An Update from e.g. {"message": {...}}; update_id auto-increments module-wide."""
    update_id = next_update_id() if update_id is None else update_id
    return Update.model_validate({"update_id": update_id, **payload})


def user_message_dict(
    text: str | None,
    *,
    chat_id: int,
    user_id: int,
    chat_type: str = "private",
    first_name: str = "Иван",
    last_name: str | None = None,
    username: str | None = "ivan",
    language_code: str | None = "ru",
    message_id: int | None = None,
    entities: list[dict[str, Any]] | None | _Unset = AUTO,
    **extra: Any,
) -> dict[str, Any]:
    """A Message dict from a user, with bot_command entities computed like Telegram."""
    sender = user_dict(
        user_id,
        first_name=first_name,
        last_name=last_name,
        username=username,
        language_code=language_code,
    )
    if chat_type == "private":
        names = {"first_name": first_name, "last_name": last_name, "username": username}
        chat = chat_dict(chat_id, chat_type, **names)
    else:
        chat = chat_dict(chat_id, chat_type)
    if isinstance(entities, _Unset):
        entities = command_entities(text) or None
    message = {
        "message_id": next(_incoming_message_ids) if message_id is None else message_id,
        "from": sender,
        "chat": chat,
        "date": now(),
        "text": text,
        "entities": entities,
        **extra,
    }
    return _drop_none(message)


def callback_query_dict(
    data: str,
    *,
    chat_id: int,
    user_id: int,
    message_id: int,
    message_text: str = "...",
    reply_markup: dict[str, Any] | None = None,
    chat_type: str | None = None,
    first_name: str = "Иван",
    username: str | None = "ivan",
    language_code: str | None = "ru",
    callback_id: str | None = None,
    bot_user: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A CallbackQuery dict whose `message` is a message the bot sent."""
    message = {
        "message_id": message_id,
        "from": bot_user or bot_user_dict(),
        "chat": chat_dict(chat_id, chat_type or default_chat_type(chat_id)),
        "date": now(),
        "text": message_text,
        "reply_markup": reply_markup,
    }
    return {
        "id": callback_id or str(next(_callback_ids)),
        "from": user_dict(
            user_id, first_name=first_name, username=username, language_code=language_code
        ),
        "chat_instance": str(chat_id),
        "message": _drop_none(message),
        "data": data,
    }


def message_update(
    text: str | None,
    *,
    chat_id: int,
    user_id: int,
    chat_type: str = "private",
    first_name: str = "Иван",
    last_name: str | None = None,
    username: str | None = "ivan",
    language_code: str | None = "ru",
    update_id: int | None = None,
    message_id: int | None = None,
    entities: list[dict[str, Any]] | None | _Unset = AUTO,
) -> Update:
    message = user_message_dict(
        text,
        chat_id=chat_id,
        user_id=user_id,
        chat_type=chat_type,
        first_name=first_name,
        last_name=last_name,
        username=username,
        language_code=language_code,
        message_id=message_id,
        entities=entities,
    )
    return make_update({"message": message}, update_id)


def document_update(
    document: dict[str, Any] | None,
    *,
    chat_id: int,
    user_id: int,
    caption: str | None = None,
    chat_type: str = "private",
    photo: bool = False,
    reply_to: dict[str, Any] | None = None,
    update_id: int | None = None,
) -> Update:
    """A user's message with a document (see FakeTelegram.user_file) or a photo, and a caption."""
    extra: dict[str, Any] = {"caption": caption, "caption_entities": command_entities(caption) or None}
    if document is not None:
        extra["document"] = document
    if photo:
        extra["photo"] = [{"file_id": "AgAD1", "file_unique_id": "uAgAD1", "width": 90, "height": 90}]
    if reply_to is not None:
        extra["reply_to_message"] = reply_to
    message = user_message_dict(None, chat_id=chat_id, user_id=user_id, chat_type=chat_type, entities=None,
                                **extra)
    return make_update({"message": message}, update_id)


def callback_update(
    data: str,
    *,
    chat_id: int,
    user_id: int,
    message_id: int,
    message_text: str = "...",
    reply_markup: dict[str, Any] | None = None,
    chat_type: str | None = None,
    first_name: str = "Иван",
    username: str | None = "ivan",
    language_code: str | None = "ru",
    update_id: int | None = None,
    callback_id: str | None = None,
) -> Update:
    """A callback_query update; pass the id (and text) of a message the fake sent."""
    query = callback_query_dict(
        data,
        chat_id=chat_id,
        user_id=user_id,
        message_id=message_id,
        message_text=message_text,
        reply_markup=reply_markup,
        chat_type=chat_type,
        first_name=first_name,
        username=username,
        language_code=language_code,
        callback_id=callback_id,
    )
    return make_update({"callback_query": query}, update_id)


def migrate_update(
    chat_id: int,
    migrate_to_chat_id: int,
    *,
    user_id: int = 1,
    update_id: int | None = None,
) -> Update:
    """The service message in the old group telling it became supergroup `migrate_to_chat_id`."""
    message = user_message_dict(
        None, chat_id=chat_id, user_id=user_id, chat_type="group", migrate_to_chat_id=migrate_to_chat_id
    )
    return make_update({"message": message}, update_id)


def migrate_from_update(
    chat_id: int,
    migrate_from_chat_id: int,
    *,
    user_id: int = 1,
    update_id: int | None = None,
) -> Update:
    """The service message in the new supergroup naming the group it came from."""
    message = user_message_dict(
        None,
        chat_id=chat_id,
        user_id=user_id,
        chat_type="supergroup",
        migrate_from_chat_id=migrate_from_chat_id,
    )
    return make_update({"message": message}, update_id)


def my_chat_member_update(
    chat_id: int,
    old_status: str,
    new_status: str,
    *,
    user_id: int = 1,
    chat_type: str | None = None,
    first_name: str = "Иван",
    username: str | None = "ivan",
    update_id: int | None = None,
) -> Update:
    """The bot's own membership changed in `chat_id` (added, promoted, kicked...) by `user_id`."""
    bot_user = bot_user_dict()
    change = {
        "chat": chat_dict(chat_id, chat_type),
        "from": user_dict(user_id, first_name=first_name, username=username),
        "date": now(),
        "old_chat_member": chat_member_dict(bot_user, old_status),
        "new_chat_member": chat_member_dict(bot_user, new_status),
    }
    return make_update({"my_chat_member": change}, update_id)
