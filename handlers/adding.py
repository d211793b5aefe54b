"""/add <phone_b> <description> [--ttl 7d], and the same as a short dialogue when the arguments are missing.

Before creating, the duplicate guard looks for numbers of the same customer and asks first if there are any.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from html import escape
from typing import TYPE_CHECKING, Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, User
from aiogram.utils.callback_answer import CallbackAnswer

from bot.admins import ANONYMOUS_ADMIN_ID
from bot.durations import TTLError, local_time, parse_ttl, reminder_lead, take_ttl
from bot.mirror import Freshness, Mirror
from bot.phones import display, is_premium_rate, normalize, split_phone
from bot.plusofon import AddOutcomeUnknown, PlusofonClient, PlusofonError, SmartNumber, SmartNumberPage
from bot.settings import Settings
from handlers.callbacks import AddCallback, DuplicateCallback
from handlers.confirming import claim
from handlers.errors import describe
from handlers.expiry_views import ttl_keyboard
from handlers.filters import AuthorisedChat, GroupPolicy
from handlers.journal import Journal, plain_name
from handlers.replies import answer_now, drop_keyboard, show, typing
from handlers.texts import Texts
from handlers.views import add_keyboard, delete_button, duplicate_keyboard, number_block
from storage.chats import ChatAuth
from storage.confirmations import Confirmation, ConfirmationStore

if TYPE_CHECKING:  # bot.expirer imports handlers: a real import here would be circular
    from bot.expirer import Expirer

log = logging.getLogger(__name__)
MAX_DESCRIPTION = 255
DUPLICATES_SHOWN = 5
ACTION = "add"
NO_TTL_WORDS = frozenset({"без срока", "нет", "no", "none", "-", "—", "0"})
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class AddNumber(StatesGroup):
    phone = State()
    description = State()
    ttl = State()


class Adder:
    """Everything one add needs, gathered from the handler's data."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.bot: Bot = data["bot"]
        self.auth: ChatAuth = data["auth"]
        self.plusofon: PlusofonClient = data["plusofon"]
        self.mirror: Mirror = data["mirror"]
        self.journal: Journal = data["journal"]
        self.t: Texts = data["t"]
        self.confirmations: ConfirmationStore = data["confirmations"]
        self.expirer: Expirer = data["expirer"]

    async def request(self, chat: Chat, user: User | None, phone_b: str, description: str,
                      ttl: timedelta | None) -> None:
        """The duplicate guard, then the add: a customer who has a number already needs a ✅ first."""
        async with typing(self.bot, chat.id):
            fresh, existing = await self._same_customer(phone_b)
        partial = "" if fresh.complete else "\n\n" + self.t.duplicate_partial.format(loaded=fresh.loaded,
                                                                                       total=fresh.total)
        if not existing:
            await self.create(chat, user, phone_b, description, ttl, before=fresh.last or fresh.first, note=partial)
            return
        blocks = "\n\n".join(number_block(number, self.t) for number in existing[:DUPLICATES_SHOWN])
        if len(existing) > DUPLICATES_SHOWN:
            blocks += "\n\n" + self.t.duplicate_more.format(count=len(existing) - DUPLICATES_SHOWN)
        text = self.t.duplicate_ask.format(phone_b=display(phone_b), count=len(existing), numbers=blocks) + partial
        if user is None or user.id == ANONYMOUS_ADMIN_ID:
            await self.bot.send_message(chat.id, f"{text}\n\n{self.t.anonymous_cannot_confirm}")
            return
        key = await self.confirmations.create(
            chat_id=chat.id, user_id=user.id, action=ACTION,
            payload={"account": self.auth.user_id, "phone_b": phone_b, "description": description,
                     "ttl": ttl.total_seconds() if ttl is not None else None},
        )
        await self.bot.send_message(chat.id, text, reply_markup=duplicate_keyboard(key, self.t))

    async def _same_customer(self, phone_b: str) -> tuple[Freshness, list[SmartNumber]]:
        """The freshness check (its pages let the add skip a read), and the account's numbers that call this
        customer, newest first: from the copy, so one round trip whatever the account's size."""
        creds = self.auth.credentials
        fresh = await self.mirror.check(creds)
        return fresh, await self.mirror.of_customer(creds.user_id, phone_b)

    async def create(self, chat: Chat, user: User | None, phone_b: str, description: str,
                     ttl: timedelta | None, *, before: SmartNumberPage | None = None, note: str = "") -> None:
        """The add. A number created but not identified reaches the copy with the next freshness check (new
        numbers come at the end of the list)."""
        try:
            async with typing(self.bot, chat.id):
                result = await self.plusofon.add(self.auth.credentials, phone_b, description, before=before)
        except PlusofonError as error:
            await self.journal.number_changed(self.auth, chat, user, added=True, number=None, phone_b=phone_b,
                                              description=description, error=type(error).__name__)
            raise
        number = result.number
        expires_at = None
        if number is None:
            text = self.t.add_done_unknown + (f"\n\n{self.t.add_ttl_untracked}" if ttl is not None else "")
            await self.bot.send_message(chat.id, text)
        else:
            await self.mirror.added(self.auth.user_id, number)
            described = escape(number.description) if number.description else f"<i>{self.t.no_description}</i>"
            text = self.t.add_done.format(phone_x=display(number.phone_x), phone_b=display(number.phone_b),
                                          description=described, id=number.id)
            if ttl is not None:
                person = user if user is not None and user.id != ANONYMOUS_ADMIN_ID else None
                row = await self.expirer.schedule(number, ttl, account=self.auth.user_id, chat_id=chat.id,
                                                  user_id=person.id if person else None,
                                                  user_name=plain_name(person))
                expires_at = row.expires_at
                text += "\n\n" + self._temporary(ttl, expires_at)
            text += note
            await self.bot.send_message(chat.id, text, reply_markup=delete_button(number.id, self.t))
        await self.journal.number_changed(self.auth, chat, user, added=True, number=number, phone_b=phone_b,
                                          description=description, expires_at=expires_at)

    def _temporary(self, ttl: timedelta, expires_at: float) -> str:
        lead = reminder_lead(ttl)
        if lead is None:
            return self.t.add_temporary_no_reminder.format(when=local_time(expires_at, self.t.language))
        lead_text = self.t.lead_day if lead >= timedelta(days=1) else self.t.lead_hour
        return self.t.add_temporary.format(when=local_time(expires_at, self.t.language), lead=lead_text)


async def _with_adder(handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
    data["adder"] = Adder(data)
    return await handler(event, data)


def create_add_router() -> Router:
    router = Router(name="add")
    router.message.filter(AuthorisedChat())
    router.callback_query.filter(AuthorisedChat())
    router.message.middleware(GroupPolicy())
    router.callback_query.middleware(GroupPolicy())
    router.message.middleware(_with_adder)
    router.callback_query.middleware(_with_adder)

    steps = Steps()

    @router.message(Command("add"))
    async def add_command(message: Message, command: CommandObject, state: FSMContext, adder: Adder,
                          settings: Settings, t: Texts) -> None:
        try:
            args, ttl = take_ttl((command.args or "").strip())
        except TTLError as error:
            await message.answer(t.add_ttl_invalid.format(text=escape(_first_words(str(error) or "--ttl"))))
            return
        if not args:
            await state.set_state(AddNumber.phone)
            await state.update_data(ttl=_seconds(ttl))
            await _ask(message, t.add_ask_phone, t, skip=False)
            return
        parsed = split_phone(args)
        if parsed is None:
            await message.answer(t.add_invalid_phone.format(text=escape(_first_words(args))))
            return
        phone_b, description = parsed
        if _refused_premium(phone_b, settings):
            await message.answer(t.add_premium_refused.format(phone=display(phone_b)))
            return
        if not description:
            await state.set_state(AddNumber.description)
            await state.update_data(phone_b=phone_b, ttl=_seconds(ttl))
            await _ask(message, t.add_ask_description.format(phone=display(phone_b)), t, skip=True)
            return
        if len(description) > MAX_DESCRIPTION:
            await message.answer(t.add_description_too_long.format(length=len(description)))
            return
        await state.clear()
        await adder.request(message.chat, message.from_user, phone_b, description, ttl)

    @router.message(AddNumber.phone, F.text, ~F.text.startswith("/"))
    async def got_phone(message: Message, state: FSMContext, settings: Settings, t: Texts) -> None:
        phone_b = normalize(message.text or "")
        if phone_b is None:
            await _ask(message, t.add_invalid_phone.format(text=escape(_first_words(message.text or ""))), t,
                       skip=False)
            return
        if _refused_premium(phone_b, settings):
            await _ask(message, t.add_premium_refused.format(phone=display(phone_b)), t, skip=False)
            return
        await state.set_state(AddNumber.description)
        await state.update_data(phone_b=phone_b)
        await _ask(message, t.add_ask_description.format(phone=display(phone_b)), t, skip=True)

    @router.message(AddNumber.description, F.text, ~F.text.startswith("/"))
    async def got_description(message: Message, state: FSMContext, adder: Adder, t: Texts) -> None:
        description = (message.text or "").strip()
        if len(description) > MAX_DESCRIPTION:
            await _ask(message, t.add_description_too_long.format(length=len(description)), t, skip=True)
            return
        data = await steps.take(state, AddNumber.description)
        if data is not None:
            await _described(message, message.from_user, {**data, "description": description}, state, adder, t)

    @router.callback_query(AddCallback.filter(F.action == "skip"), AddNumber.description)
    async def skip_description(callback: CallbackQuery, callback_answer: CallbackAnswer, state: FSMContext,
                               adder: Adder, t: Texts) -> None:
        data = await steps.take_pressed(callback, callback_answer, state, AddNumber.description, t)
        if data is not None and isinstance(callback.message, Message):
            await _described(callback.message, callback.from_user, {**data, "description": ""}, state, adder, t)

    @router.message(AddNumber.ttl, F.text, ~F.text.startswith("/"))
    async def got_ttl(message: Message, state: FSMContext, adder: Adder, t: Texts) -> None:
        typed = (message.text or "").strip()
        ttl = None
        if typed.casefold() not in NO_TTL_WORDS:
            try:
                ttl = parse_ttl(typed)
            except TTLError:
                await message.answer(t.add_ttl_invalid.format(text=escape(_first_words(typed))),
                                     reply_markup=ttl_keyboard(t))
                return
        data = await steps.take(state, AddNumber.ttl)
        if data is not None:
            await _finish(message.chat, message.from_user, data, ttl, state, adder, t)

    @router.callback_query(AddCallback.filter(F.action == "ttl"), AddNumber.ttl)
    async def chose_ttl(callback: CallbackQuery, callback_data: AddCallback, callback_answer: CallbackAnswer,
                        state: FSMContext, adder: Adder, t: Texts) -> None:
        try:
            ttl = parse_ttl(callback_data.value) if callback_data.value else None
        except TTLError:
            callback_answer.text, callback_answer.show_alert = t.stale_button, True
            return
        data = await steps.take_pressed(callback, callback_answer, state, AddNumber.ttl, t)
        if data is not None and isinstance(callback.message, Message):
            await _finish(callback.message.chat, callback.from_user, data, ttl, state, adder, t)

    @router.callback_query(AddCallback.filter(F.action == "cancel"), AddNumber.phone)
    @router.callback_query(AddCallback.filter(F.action == "cancel"), AddNumber.description)
    @router.callback_query(AddCallback.filter(F.action == "cancel"), AddNumber.ttl)
    async def cancel_button(callback: CallbackQuery, state: FSMContext, t: Texts) -> None:
        await state.clear()
        await show(callback, t.add_cancelled)

    @router.message(Command("cancel"))
    async def cancel_command(message: Message, state: FSMContext, t: Texts) -> None:
        if await state.get_state() is None:
            await message.answer(t.nothing_to_cancel)
            return
        await state.clear()
        await message.answer(t.add_cancelled)

    @router.callback_query(DuplicateCallback.filter())
    async def confirm_duplicate(callback: CallbackQuery, callback_data: DuplicateCallback,
                                callback_answer: CallbackAnswer, adder: Adder, confirmations: ConfirmationStore,
                                t: Texts) -> None:
        async def expired(_: Confirmation) -> None:
            callback_answer.text, callback_answer.show_alert = t.duplicate_expired, True
            await show(callback, t.duplicate_expired)

        pending = await claim(callback, callback_answer, callback_data.key, action=ACTION,
                              account=adder.auth.user_id, confirmations=confirmations, t=t, on_expired=expired)
        if pending is None or not isinstance(callback.message, Message):
            return
        if not callback_data.yes:
            await show(callback, t.duplicate_cancelled)
            return
        await answer_now(callback, callback_answer)
        payload = pending.payload
        ttl = timedelta(seconds=payload["ttl"]) if payload.get("ttl") else None
        try:
            await adder.create(callback.message.chat, callback.from_user, payload["phone_b"], payload["description"],
                               ttl)
        except PlusofonError as error:
            if not isinstance(error, AddOutcomeUnknown):  # nothing was created: the ✅ may be pressed again
                await confirmations.release(pending.key)
            raise
        await drop_keyboard(callback)

    return router


class Steps:
    """Takes the dialogue out of the FSM at a step, once: of two quick taps or messages only the first goes on
    (the second finds the step taken), so one dialogue never creates two numbers."""

    def __init__(self) -> None:
        self._taking: set[StorageKey] = set()

    async def take(self, state: FSMContext, step: State) -> dict[str, Any] | None:
        if state.key in self._taking:
            return None
        self._taking.add(state.key)
        try:
            if await state.get_state() != step.state:
                return None
            data = await state.get_data()
            await state.clear()
            return data
        finally:
            self._taking.discard(state.key)

    async def take_pressed(self, callback: CallbackQuery, callback_answer: CallbackAnswer, state: FSMContext,
                           step: State, t: Texts) -> dict[str, Any] | None:
        """`take` for a button of the step: a second tap hears it is done; the winner's buttons go away."""
        data = await self.take(state, step)
        if data is None:
            callback_answer.text = t.confirmation_used
            return None
        await answer_now(callback, callback_answer)
        await drop_keyboard(callback)
        return data


async def _described(message: Message, user: User | None, data: dict[str, Any], state: FSMContext, adder: Adder,
                     t: Texts) -> None:
    """The description is known: ask for the term, unless /add gave one already."""
    if data.get("ttl"):
        await _finish(message.chat, user, data, timedelta(seconds=data["ttl"]), state, adder, t)
        return
    await state.set_state(AddNumber.ttl)
    await state.set_data(data)
    hint = t.add_group_hint if message.chat.type != "private" else ""
    await message.answer(t.add_ask_ttl + hint, reply_markup=ttl_keyboard(t))


async def _finish(chat: Chat, user: User | None, data: dict[str, Any], ttl: timedelta | None, state: FSMContext,
                  adder: Adder, t: Texts) -> None:
    """The dialogue is complete: the add. If Plusofon fails and surely created nothing, the dialogue goes back
    to its last step, so that one tap tries again."""
    try:
        await adder.request(chat, user, data.get("phone_b", ""), data.get("description", ""), ttl)
    except PlusofonError as error:
        if isinstance(error, AddOutcomeUnknown):
            raise
        log.warning("add from the dialogue in chat %s failed: %s", chat.id, error)
        await state.set_state(AddNumber.ttl)
        await state.set_data({**data, "ttl": None})
        await adder.bot.send_message(chat.id, f"{describe(error, t)}\n\n{t.add_try_again}",
                                     reply_markup=ttl_keyboard(t))


async def _ask(message: Message, text: str, t: Texts, *, skip: bool) -> None:
    hint = t.add_group_hint if message.chat.type != "private" else ""
    await message.answer(text + hint, reply_markup=add_keyboard(t, skip=skip))


def _refused_premium(phone_b: str, settings: Settings) -> bool:
    return not settings.allow_premium_numbers and is_premium_rate(phone_b)


def _seconds(ttl: timedelta | None) -> float | None:
    return ttl.total_seconds() if ttl is not None else None


def _first_words(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
