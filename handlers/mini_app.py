"""The way into the Mini App (webapp/) from the chat: /app, the menu button of private chats, and the "open as a
list" button under /list. `web_app` buttons open only in private chats; WEBAPP_URL unset, /app says so."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonDefault,
    MenuButtonWebApp,
    Message,
    WebAppInfo,
)

from bot.core.settings import Settings
from bot.services.container import Services
from handlers.texts import RUSSIAN, Texts

log = logging.getLogger(__name__)


async def app_command(message: Message, services: Services, t: Texts) -> None:
    url = services.settings.webapp_url
    if url is None:
        await message.answer(t.app_off)
    elif message.chat.type != "private":
        await message.answer(t.app_private_only)
    else:
        await message.answer(t.app_open, reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[app_button(url, t.app_open_button)]]))


def app_button(url: str, text: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, web_app=WebAppInfo(url=url))


def with_app_button(markup: InlineKeyboardMarkup | None, chat_type: str, settings: Settings,
                    t: Texts) -> InlineKeyboardMarkup | None:
    """/list's keyboard with "open as a list" on top, in a private chat while the Mini App is on."""
    if settings.webapp_url is None or chat_type != "private":
        return markup
    rows = [[app_button(settings.webapp_url, t.app_list_button)], *(markup.inline_keyboard if markup else [])]
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def set_menu_button(bot: Bot, settings: Settings) -> None:
    """Private chats' menu button: the Mini App while WEBAPP_URL is set, else Telegram's default (the commands),
    so that an app switched off leaves no button to a dead page."""
    button = (MenuButtonWebApp(text=RUSSIAN.app_menu_button, web_app=WebAppInfo(url=settings.webapp_url))
              if settings.webapp_url else MenuButtonDefault())
    try:
        await bot.set_chat_menu_button(menu_button=button)
    except TelegramAPIError as error:
        log.warning("could not set the menu button: %s", error)


def create_app_router() -> Router:
    router = Router(name="app")
    router.message.register(app_command, Command("app"))
    return router
