"""The copy of a big account is still being read: say so at once, show progress in place, then the answer."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message

from bot.durations import local_time
from bot.mirror import Freshness, Mirror
from handlers.texts import Texts

WAIT_FOR_COPY = 120.0  # seconds a command waits for a first read before it says to come back
QUIET_WAIT = 1.5       # seconds of that before it shows progress (a small account is read by then)


class Progress:
    """One message that says how far the read is, edited in place, and finally replaced by the answer."""

    def __init__(self, bot: Bot, chat_id: int, t: Texts) -> None:
        self._bot, self._chat_id, self.texts = bot, chat_id, t
        self._message: Message | None = None
        self._shown: tuple[int, int] | None = None

    async def update(self, loaded: int, total: int) -> None:
        if (loaded, total) == self._shown:
            return
        self._shown = (loaded, total)
        text = self.texts.mirror_loading.format(loaded=_grouped(loaded), total=_grouped(total))
        if self._message is None:
            self._message = await self._bot.send_message(self._chat_id, text)
            return
        try:
            await self._message.edit_text(text)
        except TelegramBadRequest:  # "not modified", or the message is gone: the next update sends anew
            pass

    async def finish(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """The answer, in place of the progress message if there is one."""
        if self._message is not None:
            try:
                await self._message.edit_text(text, reply_markup=markup)
                return
            except TelegramBadRequest:
                pass
        await self._bot.send_message(self._chat_id, text, reply_markup=markup)


    async def close(self) -> None:
        """The answer went out as its own message: the progress message has done its job."""
        if self._message is not None:
            try:
                await self._message.delete()
            except TelegramBadRequest:
                pass


async def complete_copy(mirror: Mirror, fresh: Freshness, account: int, progress: Progress) -> bool:
    """Whether the account's copy is whole, waiting (with progress shown) for a first read in progress."""
    if fresh.complete:
        return True

    async def quietly(loaded: int, total: int) -> None:
        pass

    if await mirror.wait_complete(account, QUIET_WAIT, quietly):
        return True
    await progress.update(*(mirror.progress(account) or (fresh.loaded, fresh.total)))
    if await mirror.wait_complete(account, WAIT_FOR_COPY, progress.update):
        return True
    loaded, total = mirror.progress(account) or (fresh.loaded, fresh.total)
    still = progress.texts.mirror_still_loading
    await progress.finish(still.format(loaded=_grouped(loaded), total=_grouped(total)))
    return False


def as_of(fresh: Freshness, t: Texts) -> str:
    """A line saying how old the copy is, when it is older than a few minutes ("" otherwise)."""
    if fresh.as_of is None:
        return ""
    return "\n\n" + t.mirror_as_of.format(when=local_time(fresh.as_of, t.language))


def _grouped(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")  # 10 000, with a narrow no-break space
