"""Everything the bot says: Russian by default, English for users whose Telegram language is `en`.

Values that come from users or the API are escaped by the callers (see handlers.views); these are templates.
"""

from __future__ import annotations

from typing import ClassVar


class Texts:
    language = "ru"

    start_connected = ("Здравствуйте! Этот чат подключён к аккаунту Plusofon (user_id {user_id}).\n\n"
                       "{help}")
    start_not_connected = ("Здравствуйте! Я помогаю управлять умными номерами Plusofon.\n\n"
                           "Этот чат пока не подключён. Подключить его может администратор бота{admins}: "
                           "пусть выполнит <code>python -m bot chats add {chat_id} --user-id …</code>.")
    help = ("<b>Команды</b>\n"
            "/list — ваши умные номера\n"
            "/add &lt;телефон клиента&gt; &lt;описание&gt; — создать умный номер\n"
            "   например: <code>/add +7 999 333-22-10 Иван Петров</code>\n"
            "/add — то же по шагам\n"
            "/del &lt;id&gt; — удалить умный номер (id виден в /list)\n"
            "/cancel — прервать ввод")
    not_connected = ("Этот чат не подключён к Plusofon. Подключить его может администратор бота{admins} "
                     "(id чата: <code>{chat_id}</code>).")
    not_connected_alert = "Этот чат не подключён к Plusofon. Обратитесь к администратору бота."

    # /list
    list_header = "<b>Умные номера: {total} · стр. {page}/{pages}</b>"
    list_empty = ("Умных номеров пока нет.\n\nСоздайте первый: <code>/add &lt;телефон клиента&gt; "
                  "&lt;описание&gt;</code>, например <code>/add +7 999 333-22-10 Иван Петров</code>")
    no_description = "без описания"

    # /add
    add_invalid_phone = ("Не похоже на номер телефона: «{text}».\n"
                         "Пример: <code>/add +7 999 333-22-10 Иван Петров</code> "
                         "(подойдут и 8 999 333 22 10, 79993332210, +374 10 324040).")
    add_description_too_long = "Описание длиннее 255 символов ({length}). Сократите его и повторите."
    add_ask_phone = "Пришлите телефон клиента, например <code>+7 999 333-22-10</code>."
    add_ask_description = ("Телефон клиента: {phone}.\nТеперь пришлите описание (до 255 символов), "
                           "например имя клиента, или нажмите «Пропустить».")
    add_group_hint = "\n\n<i>В группе отвечайте на это сообщение (Ответить).</i>"
    add_done = "✅ Создан умный номер {phone_x}\n→ клиент {phone_b}\n{description}\nid {id}"
    add_done_unknown = ("✅ Умный номер создан, но Plusofon не сообщил, какой именно. "
                        "Посмотрите его в /list.")
    add_unknown_outcome = ("⚠️ Plusofon не ответил, создан ли номер. Проверьте /list, прежде чем "
                           "добавлять снова, чтобы не получить дубль.")
    add_cancelled = "Создание номера отменено."
    nothing_to_cancel = "Отменять нечего."
    button_skip = "Пропустить"
    button_cancel = "❌ Отмена"
    button_delete = "🗑 Удалить"

    # /del
    del_usage = "Укажите id номера: <code>/del 123</code>. id показан в /list под каждым номером."
    del_bad_id = "id — это целое положительное число, например <code>/del 123</code>. id показан в /list."
    del_not_found = "Умный номер с id {id} не найден. Проверьте id в /list."
    del_confirm = "Удалить умный номер?\n\n{number}"
    del_done = "🗑 Умный номер удалён.\n\n{number}"
    del_already_gone = "Этого номера уже нет: его удалили раньше.\n\n{number}"
    del_cancelled = "Удаление отменено."
    del_failed = "{error}\n\nУдалить умный номер?\n\n{number}"
    button_confirm_delete = "✅ Удалить"
    not_yours = "Это не ваше действие: подтвердить его может только тот, кто его начал."
    confirmation_expired = "Подтверждение устарело. Начните заново: /del {id}"
    confirmation_expired_text = "⌛ Подтверждение устарело. Чтобы удалить номер, отправьте /del {id}."
    confirmation_used = "Это уже сделано."
    stale_button = "Кнопка устарела. Отправьте команду заново."

    # errors
    error_auth = ("Plusofon не принимает токен этого чата: он недействителен или просрочен. "
                  "Попросите администратора бота подключить чат заново.")
    error_user = ("Plusofon не нашёл аккаунт этого чата: user_id не подходит к токену. "
                  "Попросите администратора бота проверить подключение.")
    error_unavailable = "Plusofon не отвечает. Попробуйте ещё раз через минуту."
    error_rate_limited = "Plusofon просит не спешить: слишком много запросов. Повторите через минуту."
    error_validation = "Plusofon не принял данные: {message}"
    error_other = "Plusofon ответил ошибкой. Попробуйте позже; если повторится, сообщите администратору."
    error_internal = "Что-то пошло не так. Попробуйте ещё раз."

    # team notifications
    notify_added = "➕ {who} добавил(а) умный номер\n{phone_x} → {phone_b}\n{description}\nчат: {chat}"
    notify_deleted = "➖ {who} удалил(а) умный номер\n{phone_x} → {phone_b}\n{description}\nчат: {chat}"
    private_chat = "личный чат"
    and_admins = " ({admins})"

    commands: ClassVar[dict[str, str]] = {
        "list": "Мои умные номера",
        "add": "Создать умный номер",
        "del": "Удалить умный номер",
        "cancel": "Прервать ввод",
        "help": "Справка",
    }


class EnglishTexts(Texts):
    language = "en"

    start_connected = "Hello! This chat is connected to Plusofon account user_id {user_id}.\n\n{help}"
    start_not_connected = ("Hello! I manage Plusofon smart numbers.\n\n"
                           "This chat is not connected yet. A bot admin{admins} can connect it with "
                           "<code>python -m bot chats add {chat_id} --user-id …</code>.")
    help = ("<b>Commands</b>\n"
            "/list — your smart numbers\n"
            "/add &lt;customer phone&gt; &lt;description&gt; — create a smart number\n"
            "   e.g. <code>/add +7 999 333-22-10 Ivan Petrov</code>\n"
            "/add — the same step by step\n"
            "/del &lt;id&gt; — delete a smart number (ids are shown in /list)\n"
            "/cancel — stop the current input")
    not_connected = ("This chat is not connected to Plusofon. A bot admin{admins} can connect it "
                     "(chat id: <code>{chat_id}</code>).")
    not_connected_alert = "This chat is not connected to Plusofon. Ask a bot admin."
    list_header = "<b>Smart numbers: {total} · page {page}/{pages}</b>"
    list_empty = ("No smart numbers yet.\n\nCreate one: <code>/add &lt;customer phone&gt; "
                  "&lt;description&gt;</code>, e.g. <code>/add +7 999 333-22-10 Ivan Petrov</code>")
    no_description = "no description"
    add_invalid_phone = ("That does not look like a phone number: “{text}”.\n"
                         "Example: <code>/add +7 999 333-22-10 Ivan Petrov</code> "
                         "(8 999 333 22 10, 79993332210, +374 10 324040 work too).")
    add_description_too_long = "The description is longer than 255 characters ({length}). Shorten it and retry."
    add_ask_phone = "Send the customer's phone, e.g. <code>+7 999 333-22-10</code>."
    add_ask_description = ("Customer's phone: {phone}.\nNow send a description (up to 255 characters), "
                           "e.g. the customer's name, or press “Skip”.")
    add_group_hint = "\n\n<i>In a group, reply to this message.</i>"
    add_done = "✅ Smart number {phone_x} created\n→ customer {phone_b}\n{description}\nid {id}"
    add_done_unknown = "✅ The smart number was created, but Plusofon did not say which one. See /list."
    add_unknown_outcome = ("⚠️ Plusofon did not confirm whether the number was created. Check /list before "
                           "adding again, to avoid a duplicate.")
    add_cancelled = "Cancelled."
    nothing_to_cancel = "Nothing to cancel."
    button_skip = "Skip"
    button_cancel = "❌ Cancel"
    button_delete = "🗑 Delete"
    del_usage = "Give the number's id: <code>/del 123</code>. Ids are shown in /list."
    del_bad_id = "The id is a positive whole number, e.g. <code>/del 123</code>. Ids are shown in /list."
    del_not_found = "No smart number with id {id}. Check the id in /list."
    del_confirm = "Delete this smart number?\n\n{number}"
    del_done = "🗑 Smart number deleted.\n\n{number}"
    del_already_gone = "This number is gone already: it was deleted before.\n\n{number}"
    del_cancelled = "Deletion cancelled."
    del_failed = "{error}\n\nDelete this smart number?\n\n{number}"
    button_confirm_delete = "✅ Delete"
    not_yours = "This is not your action: only the person who started it can confirm it."
    confirmation_expired = "This confirmation has expired. Start again: /del {id}"
    confirmation_expired_text = "⌛ This confirmation has expired. To delete the number, send /del {id}."
    confirmation_used = "Already done."
    stale_button = "This button is out of date. Send the command again."
    error_auth = ("Plusofon no longer accepts this chat's token: it is invalid or expired. "
                  "Ask a bot admin to connect the chat again.")
    error_user = ("Plusofon found no account for this chat: the user_id does not match the token. "
                  "Ask a bot admin to check the connection.")
    error_unavailable = "Plusofon is not answering. Try again in a minute."
    error_rate_limited = "Plusofon asks us to slow down: too many requests. Try again in a minute."
    error_validation = "Plusofon rejected the data: {message}"
    error_other = "Plusofon answered with an error. Try again later; tell an admin if it persists."
    error_internal = "Something went wrong. Please try again."
    commands: ClassVar[dict[str, str]] = {
        "list": "My smart numbers",
        "add": "Create a smart number",
        "del": "Delete a smart number",
        "cancel": "Stop the current input",
        "help": "Help",
    }


RUSSIAN = Texts()
ENGLISH = EnglishTexts()


def texts_for(language_code: str | None) -> Texts:
    return ENGLISH if (language_code or "").lower().startswith("en") else RUSSIAN
