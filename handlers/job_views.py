"""How bulk jobs look: the check of an /import file, the question before a delete of many, the progress
message with its stop button, the summary, the team chat's line (bot.services.bulk.JobSay), and the words of
the files' status column. A job speaks on its own, after the update that started it: in Russian, as the
team-chat notifications do."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.core.models import SmartNumber
from bot.services.bulk import ALL, CANCEL, IMPORT, NEW, DeleteAsked, ImportAsked
from handlers.callbacks import JobCallback
from handlers.texts import RUSSIAN, Texts
from handlers.views import number_block
from storage.jobs import DONE, FAILED, INVALID, PENDING, SENT, STOPPED, Job, JobRow

WRONG_SHOWN = 5      # wrong rows listed in the check's message (all of them are in its file)
NUMBERS_SHOWN = 3    # numbers shown in the question before a delete of many
IDS_SHOWN = 20


class JobViews:
    def __init__(self, t: Texts = RUSSIAN) -> None:
        self.t = t

    def job_progress(self, job: Job, counts: Mapping[str, int], eta: float | None) -> tuple[str, object]:
        t = self.t
        total = sum(n for status, n in counts.items() if status not in ("invalid", "skipped"))
        failed = t.job_failed_part.format(failed=counts[FAILED]) if counts.get(FAILED) else ""
        if eta is None:
            tail = t.job_stopped_part if counts.get(STOPPED) else ""
        else:
            tail = t.job_eta_soon if eta < 60 else t.job_eta_minutes.format(minutes=round(eta / 60))
        template = t.job_import_progress if job.kind == IMPORT else t.job_delete_progress
        text = template.format(done=counts.get(DONE, 0), total=total, failed=failed, eta=tail)
        running = job.state == "running" and (counts.get(PENDING) or counts.get(SENT))
        return text, stop_keyboard(job.id, t) if running else None

    def job_finished(self, job: Job, counts: Mapping[str, int]) -> str:
        template = self.t.job_import_done if job.kind == IMPORT else self.t.job_delete_done
        total = sum(n for status, n in counts.items() if status not in ("invalid", "skipped"))
        return template.format(done=counts.get(DONE, 0), total=total, failed=counts.get(FAILED, 0),
                               stopped=counts.get(STOPPED, 0))

    def job_team_line(self, job: Job, counts: Mapping[str, int]) -> str:
        template = self.t.job_import_team if job.kind == IMPORT else self.t.job_delete_team
        return template.format(who=escape(job.user_name or str(job.user_id)), done=counts.get(DONE, 0),
                               failed=counts.get(FAILED, 0))

    def job_row_status(self, row: JobRow) -> str:
        return row_reason(row, self.t) if row.error else self.t.row_statuses.get(row.status, row.status)

    def job_file_name(self, job: Job) -> str:
        return f"{job.kind}-{job.id}-result.csv"


def row_reason(row: JobRow, t: Texts) -> str:
    code, _, argument = (row.error or "").partition(":")
    template = t.row_errors.get(code)
    return template.format(row=argument) if template is not None else (row.error or "")


def import_checked(asked: ImportAsked, t: Texts) -> tuple[str, InlineKeyboardMarkup | None]:
    """The answer to a file: what was read, what can be created, the first wrong rows; and the buttons."""
    new, existing = asked.count(status=PENDING, existing=False), asked.count(status=PENDING, existing=True)
    invalid = asked.count(status=INVALID)
    text = t.import_checked.format(read=len(asked.rows), new=new, existing=existing, invalid=invalid)
    if invalid:
        wrong = [row for row in asked.rows if row.status == INVALID][:WRONG_SHOWN]
        text += t.import_wrong_rows.format(rows="\n".join(
            t.import_wrong_row.format(row=row.row, reason=escape(row_reason(row, t))) for row in wrong))
    if asked.partial is not None:
        text += t.import_partial.format(loaded=asked.partial.loaded, total=asked.partial.total)
    if asked.job_id is None:
        return text + t.import_nothing, None
    builder = InlineKeyboardBuilder()
    if new:
        builder.button(text=t.import_create_new.format(count=new), callback_data=JobCallback(action=NEW,
                                                                                             job=asked.job_id))
    if existing:
        builder.button(text=t.import_create_all.format(count=new + existing),
                       callback_data=JobCallback(action=ALL, job=asked.job_id))
    builder.button(text=t.job_cancel_button, callback_data=JobCallback(action=CANCEL, job=asked.job_id))
    builder.adjust(1)
    return text, builder.as_markup()


def delete_asked(asked: DeleteAsked, t: Texts) -> tuple[str, InlineKeyboardMarkup | None]:
    """The question before a delete of many: how many, a few of them, the ids not found."""
    missing = t.del_many_missing.format(ids=", ".join(map(str, asked.missing[:IDS_SHOWN]))) if asked.missing else ""
    if asked.job_id is None:
        return t.del_many_nothing + missing, None
    shown: list[SmartNumber] = asked.numbers[:NUMBERS_SHOWN]
    more = len(asked.numbers) - len(shown)
    text = t.del_many_confirm.format(count=len(asked.numbers), numbers="\n\n".join(number_block(n, t) for n in shown),
                                     more=t.del_many_more.format(count=more) if more else "") + missing
    builder = InlineKeyboardBuilder()
    builder.button(text=t.del_many_button.format(count=len(asked.numbers)),
                   callback_data=JobCallback(action=ALL, job=asked.job_id))
    builder.button(text=t.job_cancel_button, callback_data=JobCallback(action=CANCEL, job=asked.job_id))
    return text, builder.as_markup()


def with_delete_all(markup: InlineKeyboardMarkup | None, data: CallbackData, count: int, t: Texts
                    ) -> InlineKeyboardMarkup:
    """A /find or /expiring result's buttons, and under them 🗑 Удалить все N (that presses `data`)."""
    button = InlineKeyboardButton(text=t.del_many_button.format(count=count), callback_data=data.pack())
    rows = list(markup.inline_keyboard) if markup is not None else []
    return InlineKeyboardMarkup(inline_keyboard=[*rows, [button]])


def stop_keyboard(job_id: int, t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t.job_stop_button, callback_data=JobCallback(action="stop", job=job_id))
    return builder.as_markup()


