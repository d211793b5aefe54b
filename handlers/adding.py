"""/add <phone_b> <description>, and the same as a short dialogue when the arguments are missing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, User
from aiogram.utils.callback_answer import CallbackAnswer

from bot.phones import display, normalize, split_phone
from bot.plusofon import PlusofonClient, PlusofonError
from bot.recent import RecentNumbers
from bot.search import SearchCache
from handlers.callbacks import AddCallback
from handlers.filters import AuthorisedChat, GroupPolicy
from handlers.journal import Journal
from handlers.replies import answer_now, drop_keyboard, show, typing
from handlers.texts import Texts
from handlers.views import add_keyboard, delete_button
from storage.chats import ChatAuth

MAX_DESCRIPTION = 255
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class AddNumber(StatesGroup):
    phone = State()
    description = State()


class Adder:
    """Everything one add needs, gathered from the handler's data."""

    def __init__(self, bot: Bot, auth: ChatAuth, plusofon: PlusofonClient, recent: RecentNumbers,
                 journal: Journal, t: Texts, search_cache: SearchCache) -> None:
        self.bot, self.auth, self.plusofon, self.recent, self.journal, self.t = bot, auth, plusofon, recent, journal, t
        self.search_cache = search_cache

    async def create(self, chat: Chat, user: User | None, phone_b: str, description: str) -> None:
        try:
            async with typing(self.bot, chat.id):
                result = await self.plusofon.add(self.auth.credentials, phone_b, description)
        except PlusofonError as error:
            self.search_cache.invalidate(self.auth.user_id)  # an ambiguous failure may have added it
            await self.journal.number_changed(self.auth, chat, user, added=True, number=None, phone_b=phone_b,
                                              description=description, error=type(error).__name__)
            raise
        self.search_cache.invalidate(self.auth.user_id)
        number = result.number
        if number is None:
            await self.bot.send_message(chat.id, self.t.add_done_unknown)
        else:
            self.recent.remember(self.auth.user_id, [number])
            described = escape(number.description) if number.description else f"<i>{self.t.no_description}</i>"
            text = self.t.add_done.format(phone_x=display(number.phone_x), phone_b=display(number.phone_b),
                                          description=described, id=number.id)
            await self.bot.send_message(chat.id, text, reply_markup=delete_button(number.id, self.t))
        await self.journal.number_changed(self.auth, chat, user, added=True, number=number, phone_b=phone_b,
                                          description=description)


async def _with_adder(handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
    data["adder"] = Adder(data["bot"], data["auth"], data["plusofon"], data["recent"], data["journal"], data["t"],
                           data["search_cache"])
    return await handler(event, data)


def create_add_router() -> Router:
    router = Router(name="add")
    router.message.filter(AuthorisedChat())
    router.callback_query.filter(AuthorisedChat())
    router.message.middleware(GroupPolicy())
    router.callback_query.middleware(GroupPolicy())
    router.message.middleware(_with_adder)
    router.callback_query.middleware(_with_adder)

    @router.message(Command("add"))
    async def add_command(message: Message, command: CommandObject, state: FSMContext, adder: Adder,
                          t: Texts) -> None:
        args = (command.args or "").strip()
        if not args:
            await state.set_state(AddNumber.phone)
            await _ask(message, t.add_ask_phone, t, skip=False)
            return
        parsed = split_phone(args)
        if parsed is None:
            await message.answer(t.add_invalid_phone.format(text=escape(_first_words(args))))
            return
        phone_b, description = parsed
        if not description:
            await state.set_state(AddNumber.description)
            await state.update_data(phone_b=phone_b)
            await _ask(message, t.add_ask_description.format(phone=display(phone_b)), t, skip=True)
            return
        if len(description) > MAX_DESCRIPTION:
            await message.answer(t.add_description_too_long.format(length=len(description)))
            return
        await state.clear()
        await adder.create(message.chat, message.from_user, phone_b, description)

    @router.message(AddNumber.phone, F.text, ~F.text.startswith("/"))
    async def got_phone(message: Message, state: FSMContext, t: Texts) -> None:
        phone_b = normalize(message.text or "")
        if phone_b is None:
            await _ask(message, t.add_invalid_phone.format(text=escape(_first_words(message.text or ""))), t,
                       skip=False)
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
        phone_b = (await state.get_data()).get("phone_b", "")
        await state.clear()
        await adder.create(message.chat, message.from_user, phone_b, description)

    @router.callback_query(AddCallback.filter(F.action == "skip"), AddNumber.description)
    async def skip_description(callback: CallbackQuery, callback_answer: CallbackAnswer, state: FSMContext,
                               adder: Adder) -> None:
        await answer_now(callback, callback_answer)
        phone_b = (await state.get_data()).get("phone_b", "")
        await state.clear()
        await drop_keyboard(callback)
        if callback.message is not None:
            await adder.create(callback.message.chat, callback.from_user, phone_b, "")

    @router.callback_query(AddCallback.filter(F.action == "cancel"), AddNumber.phone)
    @router.callback_query(AddCallback.filter(F.action == "cancel"), AddNumber.description)
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

    return router


async def _ask(message: Message, text: str, t: Texts, *, skip: bool) -> None:
    hint = t.add_group_hint if message.chat.type != "private" else ""
    await message.answer(text + hint, reply_markup=add_keyboard(t, skip=skip))


def _first_words(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
