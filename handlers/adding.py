"""/add <phone_b> <description> [--ttl 7d], and the same as a short dialogue when the arguments are missing.

Before creating, the duplicate guard looks for numbers of the same customer and asks first if there are any.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import CallbackQuery, Chat, InlineKeyboardMarkup, Message, TelegramObject, User
from aiogram.utils.callback_answer import CallbackAnswer

from bot.core.durations import TTLError, local_time, parse_ttl, reminder_lead, take_ttl
from bot.core.phones import display, normalize, split_phone
from bot.plusofon import AddOutcomeUnknown, PlusofonError
from bot.services.mirror import Freshness
from bot.services.numbers import MAX_DESCRIPTION, AccountNumbers, Added, Draft, Duplicates, Refused
from handlers.callbacks import AddCallback, DuplicateCallback
from handlers.confirming import refuse
from handlers.errors import describe
from handlers.expiry_views import ttl_keyboard
from handlers.replies import alert, answer_now, drop_keyboard, show, typing
from handlers.texts import Texts
from handlers.views import add_keyboard, delete_button, duplicate_keyboard, number_block

log = logging.getLogger(__name__)
DUPLICATES_SHOWN = 5
NO_TTL_WORDS = frozenset({"без срока", "нет", "no", "none", "-", "—", "0"})
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class AddNumber(StatesGroup):
    phone = State()
    description = State()
    ttl = State()


# -- /add with its arguments, and the dialogue's steps ------------------------------------------------------

async def add_command(message: Message, command: CommandObject, dialogue: Dialogue, numbers: AccountNumbers,
                      t: Texts) -> None:
    try:
        args, ttl = take_ttl((command.args or "").strip())
    except TTLError as error:
        await message.answer(t.add_ttl_invalid.format(text=escape(_first_words(str(error) or "--ttl"))))
        return
    if not args:
        await dialogue.go(AddNumber.phone, ttl=_seconds(ttl))
        await _ask(message, t.add_ask_phone, t, skip=False)
        return
    parsed = split_phone(args)
    if parsed is None:
        await message.answer(t.add_invalid_phone.format(text=escape(_first_words(args))))
        return
    phone_b, description = parsed
    if numbers.refuses(phone_b):
        await message.answer(t.add_premium_refused.format(phone=display(phone_b)))
        return
    if not description:
        await dialogue.go(AddNumber.description, phone_b=phone_b, ttl=_seconds(ttl))
        await _ask(message, t.add_ask_description.format(phone=display(phone_b)), t, skip=True)
        return
    if len(description) > MAX_DESCRIPTION:
        await message.answer(t.add_description_too_long.format(length=len(description)))
        return
    await dialogue.state.clear()
    await request(message.bot, message.chat, message.from_user, Draft(phone_b, description, ttl), numbers, t)


async def got_phone(message: Message, dialogue: Dialogue, numbers: AccountNumbers, t: Texts) -> None:
    phone_b = normalize(message.text or "")
    if phone_b is None:
        await _ask(message, t.add_invalid_phone.format(text=escape(_first_words(message.text or ""))), t, skip=False)
        return
    if numbers.refuses(phone_b):
        await _ask(message, t.add_premium_refused.format(phone=display(phone_b)), t, skip=False)
        return
    await dialogue.go(AddNumber.description, phone_b=phone_b)
    await _ask(message, t.add_ask_description.format(phone=display(phone_b)), t, skip=True)


async def got_description(message: Message, dialogue: Dialogue, numbers: AccountNumbers, t: Texts) -> None:
    description = (message.text or "").strip()
    if len(description) > MAX_DESCRIPTION:
        await _ask(message, t.add_description_too_long.format(length=len(description)), t, skip=True)
        return
    data = await dialogue.take(AddNumber.description)
    if data is not None:
        await _described(message, message.from_user, {**data, "description": description}, dialogue, numbers, t)


async def skip_description(callback: CallbackQuery, dialogue: Dialogue, numbers: AccountNumbers, t: Texts) -> None:
    data = await dialogue.take_pressed(callback, AddNumber.description, t)
    if data is not None and isinstance(callback.message, Message):
        await _described(callback.message, callback.from_user, {**data, "description": ""}, dialogue, numbers, t)


async def got_ttl(message: Message, dialogue: Dialogue, numbers: AccountNumbers, t: Texts) -> None:
    typed = (message.text or "").strip()
    ttl = None
    if typed.casefold() not in NO_TTL_WORDS:
        try:
            ttl = parse_ttl(typed)
        except TTLError:
            await message.answer(t.add_ttl_invalid.format(text=escape(_first_words(typed))),
                                 reply_markup=ttl_keyboard(t, user=_id(message.from_user)))
            return
    data = await dialogue.take(AddNumber.ttl)
    if data is not None:
        await _finish(message.bot, message.chat, message.from_user, _draft(data, ttl), dialogue, numbers, t)


async def chose_ttl(callback: CallbackQuery, callback_data: AddCallback, dialogue: Dialogue,
                    numbers: AccountNumbers, t: Texts) -> None:
    try:
        ttl = parse_ttl(callback_data.value) if callback_data.value else None
    except TTLError:
        dialogue.alert(t.stale_button)
        return
    data = await dialogue.take_pressed(callback, AddNumber.ttl, t)
    if data is not None and isinstance(callback.message, Message):
        message = callback.message
        await _finish(callback.bot, message.chat, callback.from_user, _draft(data, ttl), dialogue, numbers, t)


async def not_yours(callback: CallbackQuery, dialogue: Dialogue, t: Texts) -> None:
    """A press on the buttons of someone else's dialogue: refused, their prompt left as it is."""
    dialogue.alert(t.add_not_your_dialogue)


def _pressed_by_another(callback: CallbackQuery, callback_data: AddCallback) -> bool:
    return callback_data.user != callback.from_user.id


async def cancel_button(callback: CallbackQuery, state: FSMContext, t: Texts) -> None:
    await state.clear()
    await show(callback, t.add_cancelled)


async def cancel_command(message: Message, state: FSMContext, t: Texts) -> None:
    if await state.get_state() is None:
        await message.answer(t.nothing_to_cancel)
        return
    await state.clear()
    await message.answer(t.add_cancelled)


async def confirm_duplicate(callback: CallbackQuery, callback_data: DuplicateCallback,
                            callback_answer: CallbackAnswer, numbers: AccountNumbers, t: Texts) -> None:
    message = callback.message
    if not isinstance(message, Message):
        alert(callback_answer, t.stale_button)
        return

    async def claimed() -> None:
        await answer_now(callback, callback_answer)

    async with typing(callback.bot, message.chat.id):
        done = await numbers.confirm_add(message.chat, callback.from_user, callback_data.key,
                                         yes=callback_data.yes, claimed=claimed)
    if isinstance(done, Refused):
        await refuse(callback, callback_answer, done.refusal, t, expired=(t.duplicate_expired, t.duplicate_expired))
    elif done is None:
        await show(callback, t.duplicate_cancelled)
    else:
        text, markup = _added(done, t)
        await message.answer(text, reply_markup=markup)
        await drop_keyboard(callback)


def create_add_router() -> Router:
    router = Router(name="add")
    steps = Steps()

    async def with_dialogue(handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        data["dialogue"] = Dialogue(data["state"], steps, data.get("callback_answer"))
        return await handler(event, data)

    router.message.middleware(with_dialogue)
    router.callback_query.middleware(with_dialogue)
    not_a_command = (F.text, ~F.text.startswith("/"))
    router.message.register(add_command, Command("add"))
    router.callback_query.register(not_yours, AddCallback.filter(), _pressed_by_another)
    router.message.register(got_phone, AddNumber.phone, *not_a_command)
    router.message.register(got_description, AddNumber.description, *not_a_command)
    router.callback_query.register(skip_description, AddCallback.filter(F.action == "skip"), AddNumber.description)
    router.message.register(got_ttl, AddNumber.ttl, *not_a_command)
    router.callback_query.register(chose_ttl, AddCallback.filter(F.action == "ttl"), AddNumber.ttl)
    for step in (AddNumber.phone, AddNumber.description, AddNumber.ttl):
        router.callback_query.register(cancel_button, AddCallback.filter(F.action == "cancel"), step)
    router.message.register(cancel_command, Command("cancel"))
    router.callback_query.register(confirm_duplicate, DuplicateCallback.filter())
    return router


# -- the add and its answers --------------------------------------------------------------------------------

async def request(bot: Bot, chat: Chat, user: User | None, draft: Draft, numbers: AccountNumbers,
                  t: Texts) -> None:
    """The duplicate guard, then the add; the answer says which phoneX it got, or asks about the duplicates."""
    async with typing(bot, chat.id):
        outcome = await numbers.add(chat, user, draft)
    text, markup = _added(outcome, t) if isinstance(outcome, Added) else _duplicates(outcome, t)
    await bot.send_message(chat.id, text, reply_markup=markup)


def _added(added: Added, t: Texts) -> tuple[str, InlineKeyboardMarkup | None]:
    number, draft = added.number, added.draft
    if number is None:
        return t.add_done_unknown + (f"\n\n{t.add_ttl_untracked}" if draft.ttl is not None else ""), None
    described = escape(number.description) if number.description else f"<i>{t.no_description}</i>"
    text = t.add_done.format(phone_x=display(number.phone_x), phone_b=display(number.phone_b),
                             description=described, id=number.id)
    if draft.ttl is not None and added.expires_at is not None:
        text += "\n\n" + _temporary(draft.ttl, added.expires_at, t)
    return text + _partial(added.partial, t), delete_button(number.id, t)


def _duplicates(duplicates: Duplicates, t: Texts) -> tuple[str, InlineKeyboardMarkup | None]:
    """The guard's question: the customer's numbers, and ✅/❌ (for nobody to press when it is an anonymous
    admin's add)."""
    existing = duplicates.existing
    blocks = "\n\n".join(number_block(number, t) for number in existing[:DUPLICATES_SHOWN])
    if len(existing) > DUPLICATES_SHOWN:
        blocks += "\n\n" + t.duplicate_more.format(count=len(existing) - DUPLICATES_SHOWN)
    text = t.duplicate_ask.format(phone_b=display(duplicates.draft.phone_b), count=len(existing),
                                  numbers=blocks) + _partial(duplicates.partial, t)
    if duplicates.key is None:
        return f"{text}\n\n{t.anonymous_cannot_confirm}", None
    return text, duplicate_keyboard(duplicates.key, t)


def _partial(partial: Freshness | None, t: Texts) -> str:
    """The guard saw only part of the account (its first read is going on)."""
    if partial is None:
        return ""
    return "\n\n" + t.duplicate_partial.format(loaded=partial.loaded, total=partial.total)


def _temporary(ttl: timedelta, expires_at: float, t: Texts) -> str:
    lead = reminder_lead(ttl)
    if lead is None:
        return t.add_temporary_no_reminder.format(when=local_time(expires_at, t.language))
    lead_text = t.lead_day if lead >= timedelta(days=1) else t.lead_hour
    return t.add_temporary.format(when=local_time(expires_at, t.language), lead=lead_text)


# -- the dialogue ---------------------------------------------------------------------------------------

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


class Dialogue:
    """The /add dialogue of one chat and user, for one update: its FSM state, and its steps taken once."""

    def __init__(self, state: FSMContext, steps: Steps, callback_answer: CallbackAnswer | None) -> None:
        self.state, self._steps, self._callback_answer = state, steps, callback_answer

    async def go(self, step: State, **data: Any) -> None:
        await self.state.set_state(step)
        await self.state.update_data(**data)

    async def take(self, step: State) -> dict[str, Any] | None:
        return await self._steps.take(self.state, step)

    async def take_pressed(self, callback: CallbackQuery, step: State, t: Texts) -> dict[str, Any] | None:
        """`take` for a button of the step: a second tap hears it is done; the winner's buttons go away."""
        assert self._callback_answer is not None
        data = await self.take(step)
        if data is None:
            self._callback_answer.text = t.confirmation_used
            return None
        await answer_now(callback, self._callback_answer)
        await drop_keyboard(callback)
        return data

    def alert(self, text: str) -> None:
        assert self._callback_answer is not None
        alert(self._callback_answer, text)


async def _described(message: Message, user: User | None, data: dict[str, Any], dialogue: Dialogue,
                     numbers: AccountNumbers, t: Texts) -> None:
    """The description is known: ask for the term, unless /add gave one already."""
    if data.get("ttl"):
        draft = _draft(data, timedelta(seconds=data["ttl"]))
        await _finish(message.bot, message.chat, user, draft, dialogue, numbers, t)
        return
    await dialogue.state.set_state(AddNumber.ttl)
    await dialogue.state.set_data(data)
    hint = t.add_group_hint if message.chat.type != "private" else ""
    await message.answer(t.add_ask_ttl + hint, reply_markup=ttl_keyboard(t, user=_id(user)))


async def _finish(bot: Bot, chat: Chat, user: User | None, draft: Draft, dialogue: Dialogue,
                  numbers: AccountNumbers, t: Texts) -> None:
    """The dialogue is complete: the add. If Plusofon fails and surely created nothing, the dialogue goes back
    to its last step, so that one tap tries again."""
    try:
        await request(bot, chat, user, draft, numbers, t)
    except PlusofonError as error:
        if isinstance(error, AddOutcomeUnknown):
            raise
        log.warning("add from the dialogue in chat %s failed: %s", chat.id, error)
        await dialogue.state.set_state(AddNumber.ttl)
        await dialogue.state.set_data({"phone_b": draft.phone_b, "description": draft.description, "ttl": None})
        await bot.send_message(chat.id, f"{describe(error, t)}\n\n{t.add_try_again}",
                               reply_markup=ttl_keyboard(t, user=_id(user)))


def _draft(data: dict[str, Any], ttl: timedelta | None) -> Draft:
    return Draft(data.get("phone_b", ""), data.get("description", ""), ttl)


async def _ask(message: Message, text: str, t: Texts, *, skip: bool) -> None:
    hint = t.add_group_hint if message.chat.type != "private" else ""
    await message.answer(text + hint, reply_markup=add_keyboard(t, skip=skip, user=_id(message.from_user)))


def _id(user: User | None) -> int:
    return user.id if user is not None else 0


def _seconds(ttl: timedelta | None) -> float | None:
    return ttl.total_seconds() if ttl is not None else None


def _first_words(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
