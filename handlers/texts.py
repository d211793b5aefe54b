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
                           "Этот чат пока не подключён. Подключить его может администратор бота: "
                           "пусть выполнит <code>python -m bot chats add {chat_id} --user-id …</code>.")
    help = ("<b>Команды</b>\n"
            "/list — ваши умные номера\n"
            "/find &lt;текст&gt; — найти номер по цифрам телефона или по описанию (или /list &lt;текст&gt;)\n"
            "   например: <code>/find 999 333</code>, <code>/find Иван</code>\n"
            "/export — все номера файлом CSV (открывается в Excel)\n"
            "/add &lt;телефон клиента&gt; &lt;описание&gt; — создать умный номер\n"
            "   например: <code>/add +7 999 333-22-10 Иван Петров</code>\n"
            "   временный номер: добавьте <code>--ttl 7d</code> (или 12h, 30d) — я напомню и удалю его сам\n"
            "/add — то же по шагам\n"
            "/del &lt;id&gt; — удалить умный номер (id виден в /list); /del 12 15 19 — несколько\n"
            "/import — создать номера из таблицы CSV или XLSX (телефон, описание)\n"
            "/expiring — временные номера, первыми те, что удалятся раньше; /expiring 7d — за ближайшие 7 дней\n"
            "/cancel — прервать ввод\n"
            "/history — последние действия в чате\n"
            "/login, /logout — подключить или отключить личный чат; /link, /unlink, /access — то же для группы")
    not_connected = ("Этот чат не подключён к Plusofon. Подключить его может администратор бота "
                     "(id чата: <code>{chat_id}</code>).")
    not_connected_alert = "Этот чат не подключён к Plusofon. Обратитесь к администратору бота."

    # /list
    list_header = "<b>Умные номера: {total} · стр. {page}/{pages}</b>"
    list_empty = ("Умных номеров пока нет.\n\nСоздайте первый: <code>/add &lt;телефон клиента&gt; "
                  "&lt;описание&gt;</code>, например <code>/add +7 999 333-22-10 Иван Петров</code>")
    no_description = "без описания"

    # /find, /list <text>
    find_usage = ("Что найти? Напишите цифры телефона (умного номера или клиента) или часть описания: "
                  "<code>/find 999 333</code>, <code>/find Иван</code>. То же делает <code>/list &lt;текст&gt;</code>.")
    find_header = "<b>Найдено: {total} · «{query}» · стр. {page}/{pages}</b>"
    find_nothing = ("По запросу «{query}» ничего не найдено.\n\n"
                    "Ищу по цифрам телефона (умного номера или клиента) и по описанию: попробуйте часть номера, "
                    "например <code>/find 333-22</code>, или часть имени. Весь список: /list")
    find_expired = "Поиск устарел, повторите /find"
    mirror_loading = "⏳ Загружаю список номеров: {loaded} из {total}…"
    mirror_still_loading = ("⏳ Список номеров ещё загружается ({loaded} из {total}). "
                            "Повторите команду через минуту.")
    mirror_as_of = "<i>Данные на {when}</i>"
    duplicate_partial = ("⚠️ Проверил не все номера: список ещё загружается ({loaded} из {total}), "
                         "у клиента могут быть и другие.")

    # number cards (📇 under a /list or /find page)
    card_title = "<b>Умный номер</b>"
    card_phone_x = "📞 {phone}"
    card_phone_b = "→ {phone} (клиент)"
    card_phone_a = "исходящий: {phone}"
    card_created = "создан {date}"
    card_gone = "Умный номер с id {id} не найден: возможно, его уже удалили. Обновите список: /list"
    button_copy = "📋 Скопировать номер"
    button_back = "◀ Назад"

    # inline mode (@bot in any chat), sharing a card, the daily digest
    button_share = "📤 Поделиться"
    inline_connect = "Подключите аккаунт Plusofon"
    inline_customer = "клиент {phone}"
    digest_header = "📋 <b>Сводка за {date}</b>"
    digest_added = "<b>Добавлено: {count}</b>"
    digest_deleted = "<b>Удалено: {count}</b>"
    digest_expires_today = "<b>Истекает сегодня: {count}</b>"
    digest_expires_tomorrow = "<b>Истекает завтра: {count}</b>"
    digest_total = "Номеров в аккаунте: {total}"
    digest_total_of = "Номеров в аккаунте user_id {user_id}: {total}"
    digest_expired = "по сроку"
    digest_until = "до {time}"
    digest_more = "…и ещё {count}"

    # /export
    export_caption = "Умные номера: {total} · {date}"
    export_empty = "Умных номеров пока нет: выгружать нечего."

    # /add
    add_invalid_phone = ("Не похоже на номер телефона: «{text}».\n"
                         "Пример: <code>/add +7 999 333-22-10 Иван Петров</code> "
                         "(подойдут и 8 999 333 22 10, 79993332210, +374 10 324040).")
    add_description_too_long = "Описание длиннее 255 символов ({length}). Сократите его и повторите."
    add_premium_refused = ("Номер {phone} — платный (премиум-тариф): звонки на него стоят дорого, такие номера я не "
                           "подключаю. Проверьте телефон клиента; если он верный, разрешить такие номера может "
                           "администратор бота (ALLOW_PREMIUM_NUMBERS).")
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
    add_not_your_dialogue = "Это кнопки чужого диалога /add. Чтобы добавить номер, отправьте /add сами."

    # duplicate guard
    duplicate_ask = "У клиента {phone_b} уже есть умный номер ({count}):\n\n{numbers}\n\nСоздать ещё один?"
    duplicate_more = "…и ещё {count}"
    duplicate_cancelled = "Хорошо, новый номер не создан."
    duplicate_expired = "⌛ Подтверждение устарело. Чтобы создать номер, отправьте /add заново."
    anonymous_cannot_confirm = ("У клиента уже есть умный номер, а подтвердить создание ещё одного анонимный "
                                "администратор не может: отправьте /add от своего имени.")
    button_create_another = "✅ Создать ещё один"

    # temporary numbers
    add_ttl_invalid = ("Не понял срок «{text}». Укажите часы или дни: <code>--ttl 12h</code>, <code>--ttl 7d</code>, "
                       "<code>--ttl 30d</code> (от 1 часа до 365 дней).")
    add_ask_ttl = ("Номер временный? Выберите, когда его удалить, или пришлите свой срок, например <code>3d</code> "
                   "или <code>48h</code>. «Без срока» — обычный постоянный номер.")
    add_temporary = "⏳ Временный: удалится {when}, напомню {lead}."
    add_temporary_no_reminder = "⏳ Временный: удалится {when}."
    add_ttl_untracked = ("⚠️ Срок не установлен: Plusofon не сообщил, какой номер создан. Удалите его сами, "
                         "когда он станет не нужен.")
    add_try_again = "Ничего не создано. Выберите срок ещё раз, чтобы повторить, или нажмите «Отмена»."
    lead_day = "за день"
    lead_hour = "за час"
    button_no_ttl = "Без срока"
    temporary_until = "⏳ временный, до {when}"
    reminder = ("⏰ {who}, временный умный номер удалится {when}, {left}.\n\n{number}\n\n"
                "Продлить его или удалить сейчас?")
    in_hours = "через {hours} ч"
    in_days = "через {days} дн."
    button_extend = "Продлить на 7 дней"
    button_delete_now = "Удалить сейчас"
    extended = "⏳ Продлено до {when}.\n\n{number}"
    expiry_gone = "У этого номера нет срока: он удалён или стал постоянным."
    expiry_deleting = "Срок уже истёк: номер удаляется. Если он нужен, создайте новый."
    reminder_nobody = ("⏰ Временный умный номер удалится {when}, {left}.\n\n{number}\n\n"
                       "Продлить его или удалить сейчас?")
    expired_here = "⌛ Срок истёк: временный умный номер удалён.\n{phone_x} → {phone_b}\n{description}"
    notify_expiring = ("⏰ {when} истекает срок временного умного номера\n{phone_x} → {phone_b}\n{description}\n"
                       "добавил(а): {who}")
    notify_expired = "⌛ Истёк срок: удалён временный умный номер\n{phone_x} → {phone_b}\n{description}\nдобавил(а): {who}"
    notify_extended = "⏳ {who} продлил(а) временный умный номер до {when}\n{phone_x} → {phone_b}\n{description}"
    by_the_bot = "бот"

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
    throttled = "Не так быстро… Подождите немного и повторите."

    # groups
    admins_only = "В этом чате умными номерами управляют только администраторы группы."
    members_only = "Умными номерами этой группы управляют только участники группы."
    anonymous_cannot_delete = ("Анонимный администратор не может подтвердить удаление: отправьте /del от своего "
                               "имени (отключите анонимность в настройках администратора).")
    access_state = ("Кто может управлять номерами в этом чате: {who}.\n"
                    "Изменить: <code>/access admins</code> или <code>/access all</code> (администраторы группы).")
    access_admins = "только администраторы группы"
    access_all = "все участники"
    access_changed = "Готово. Управлять номерами могут: {who}."
    group_admins_only_command = "Эту команду могут выполнить администраторы группы или бота."
    group_only = "Эта команда работает в группе."
    private_only = "Эта команда работает в личном чате со мной. Группу отключает /unlink."

    # connecting chats from Telegram
    login_usage = ("Отправьте /login — войти по e-mail и паролю Plusofon, или <code>/login &lt;API-токен&gt;</code>, "
                   "или <code>/login &lt;user_id&gt; &lt;API-токен&gt;</code> (токен — из личного кабинета Plusofon).")
    login_in_group = ("⚠️ Не отправляйте токен в группу! Я удалил сообщение, но его могли увидеть: считайте токен "
                      "скомпрометированным, выпустите новый в личном кабинете Plusofon и отправьте /login мне "
                      "в личные сообщения.")
    login_in_group_not_deleted = ("⚠️ Не отправляйте токен в группу! Удалить сообщение я не смог (нет прав): "
                                  "удалите его сами. Считайте токен скомпрометированным: выпустите новый в личном "
                                  "кабинете Plusofon и отправьте /login мне в личные сообщения.")
    delete_token_yourself = "⚠️ Удалить сообщение с токеном я не смог: удалите его сами."
    login_not_allowed = "Подключать чаты могут только администраторы бота."
    login_rejected = "Не подключено: {reason}"
    login_bad_token = "Plusofon не принял токен (неверный или просрочен)"
    login_bad_user = "user_id не подходит к этому токену"
    login_done = "✅ Чат подключён к аккаунту Plusofon user_id {user_id}. Попробуйте /list."
    link_usage = "Отправьте /link в группе, которую нужно подключить."
    link_not_connected = "Сначала подключите свой личный чат со мной: /login в личных сообщениях."
    link_done = "✅ Группа подключена к аккаунту Plusofon user_id {user_id}."
    unlink_done = "Группа отключена от Plusofon."
    logout_done = ("Личный чат отключён от Plusofon. Группы, подключённые вами через /link, остаются подключены: "
                   "отключите их командой /unlink в группе.")
    not_connected_short = "Этот чат и так не подключён."
    anonymous_cannot_link = "Анонимный администратор не может подключить группу: отправьте /link от своего имени."
    link_not_allowed = "Вам нельзя подключать группы. Попросите администратора бота."
    link_taken = ("Эту группу подключил другой человек; заменить подключение может только администратор бота. "
                  "Попросите его или того, кто подключил группу.")

    # /history
    history_empty = "В этом чате пока ничего не происходило."
    history_header = "<b>Последние действия в этом чате</b> (время {zone})"
    history_actions: ClassVar[dict[str, str]] = {
        "add": "добавил(а)", "delete": "удалил(а)", "login": "подключил(а) чат", "link": "подключил(а) группу",
        "unlink": "отключил(а) группу", "logout": "отключил(а) чат", "access": "изменил(а) доступ",
        "extend": "продлил(а)", "expire": "удалил по сроку",
    }

    commands: ClassVar[dict[str, str]] = {
        "list": "Мои умные номера",
        "find": "Найти номер",
        "add": "Создать умный номер",
        "del": "Удалить умный номер",
        "import": "Создать номера из таблицы",
        "expiring": "Временные номера",
        "export": "Выгрузить номера в CSV",
        "cancel": "Прервать ввод",
        "history": "Последние действия",
        "help": "Справка",
    }

    # signing in (/login without arguments), renewal, /chats
    signin_ask_email = ("Вход в Plusofon. Напишите e-mail, с которым вы входите в личный кабинет Plusofon "
                        "(или /cancel).")
    signin_bad_email = "Это не похоже на e-mail. Напишите адрес вида <code>name@example.com</code> или /cancel."
    signin_ask_password = ("Теперь пароль от личного кабинета Plusofon для {email}. Я удалю сообщение с ним сразу "
                           "и нигде его не сохраню (/cancel — отменить).")
    signin_private_only = "Войти в Plusofon можно только в личном чате со мной: отправьте мне /login."
    signin_wrong_password = ("Не подключено: Plusofon не принял e-mail или пароль. Проверьте их и начните заново: "
                             "/login (попыток осталось: {left}).")
    signin_too_many = "Слишком много попыток входа. Попробуйте снова через {minutes} мин."
    signin_cancelled = "Вход отменён."
    signin_password_as_text = "Пришлите пароль текстом (или /cancel)."
    signin_password_not_deleted = "⚠️ Удалить сообщение с паролем я не смог: удалите его сами и смените пароль."
    # the password step left by a command, or answered too late (issue 22, item 10)
    signin_left = ("Вход отменён: вместо пароля пришла команда. Сообщение я удалил. Чтобы войти, отправьте /login "
                   "заново, а команду — ещё раз.")
    signin_too_late = ("Вход отменён: пароль пришёл позже чем через {minutes} мин после e-mail. Сообщение я удалил. "
                       "Начните заново: /login.")
    login_done_owner = ("✅ Чат подключён к аккаунту Plusofon: {name}{email}user_id <code>{user_id}</code>. "
                        "Попробуйте /list.")
    signin_renews = "Вход продлевается сам; если он истечёт, я попрошу войти заново."
    login_no_authuser = ("Plusofon не сообщил, чей это токен. Отправьте его вместе с user_id: "
                         "<code>/login &lt;user_id&gt; &lt;API-токен&gt;</code>.")
    error_signin_expired = "Вход в Plusofon истёк: /login заново (в личном чате со мной, e-mail и пароль)."
    signin_expired_admins = ("⚠️ Вход в Plusofon истёк для аккаунта user_id {user_id}: Plusofon не продлил его. "
                             "Чаты {chats} не работают, пока кто-нибудь не выполнит /login заново.")
    chats_header = "<b>Подключённые чаты</b> (время МСК)"
    chats_empty = "Подключённых чатов нет."
    chats_admins_only = "Список чатов видят только администраторы бота, в личном чате со мной."
    chats_by_signin = "вход по e-mail"
    chats_by_token = "API-токен"
    chats_never = "ещё не проверялся"
    chats_ok = "✅ работает"
    chats_failing = "⚠️ не работает: {failure}"
    chats_line = "<code>{chat_id}</code> · user_id {user_id}{email} · {how} · принят: {accepted} · {state}"

    # bulk jobs: /import of a customers' file, the delete of many numbers (bot/services/bulk/)
    import_usage = ("Пришлите таблицу клиентов файлом CSV или XLSX: столбцы — телефон клиента, описание и, если "
                    "нужно, срок (как в /add: 7d, 12h). Строка заголовков не обязательна. Можно с подписью "
                    "/import, можно ответить /import на сообщение с файлом. /cancel — передумать.")
    import_photo = ("Это фото, а нужен файл таблицы. Сохраните её как CSV или XLSX и пришлите документом "
                    "(📎 → Файл) с подписью /import.")
    import_pdf = "PDF я не читаю: сохраните таблицу как CSV или XLSX и пришлите её с подписью /import."
    import_kind = "Такой файл я не читаю: пришлите таблицу в CSV или XLSX с подписью /import."
    import_broken = "Файл не открывается как таблица: сохраните его заново в CSV или XLSX и пришлите снова."
    import_too_big = ("Файл весит {size} КБ, а я принимаю до {limit} КБ. Разделите таблицу на части и пришлите "
                      "их по очереди.")
    import_too_many = "В файле больше {limit} строк. Разделите его на части до {limit} строк и пришлите по очереди."
    import_empty = "В файле нет строк с данными. Первый столбец — телефон клиента, второй — описание."
    import_download_failed = "Не удалось получить файл от Telegram. Пришлите его ещё раз."
    bulk_admins_only = "Массовые действия в группе доступны только её администраторам."
    import_checked = ("<b>Проверка файла</b>\nПрочитано строк: {read}\nМожно создать: {new}\n"
                      "Уже есть номер у клиента: {existing}\nС ошибками: {invalid}")
    import_wrong_rows = "\n\n<b>Ошибки</b> (все — в приложенном файле):\n{rows}"
    import_wrong_row = "строка {row}: {reason}"
    import_partial = "\n\n⚠️ Копия аккаунта ещё читается ({loaded} из {total}): существующие номера могли не найтись."
    import_nothing = "\n\nСоздавать нечего: исправьте ошибки в файле и пришлите его снова."
    import_create_new = "✅ Создать новые ({count})"
    import_create_all = "Создать для всех ({count})"
    job_cancel_button = "❌ Отмена"
    job_stop_button = "⏹ Остановить"
    job_cancelled = "Отменено: ничего не создано и не удалено."
    job_not_yours = "Ответить может только тот, кто это начал."
    job_stale = "Этот вопрос уже не актуален."
    job_stopping = "Останавливаю: строки, которые ещё не отправлены, отправлены не будут."
    row_errors: ClassVar[dict[str, str]] = {
        "phone": "не похоже на номер телефона", "premium": "платный номер — такие не создаются",
        "long": "описание длиннее 255 символов", "ttl": "срок не понят (пример: 7d, 12h)",
        "duplicate": "повтор строки {row}", "unidentified": "создан, но номер не найден в списке",
        "no_answer": "Plusofon не ответил", "gone": "уже был удалён",
        # a row's call failed: the error's class, in words
        "ServerError": "ошибка на стороне Plusofon", "MalformedResponseError": "ошибка на стороне Plusofon",
        "APIConnectionError": "Plusofon недоступен", "APITimeoutError": "Plusofon не ответил вовремя",
        "BadRequestError": "Plusofon отклонил запрос", "ValidationError": "Plusofon отклонил запрос",
        "NotFoundError": "Plusofon не нашёл номер", "UserNotFoundError": "аккаунт не найден в Plusofon",
        "RateLimitError": "Plusofon просит реже", "AuthenticationError": "токен не принят",
        "SignInExpired": "токен не принят", "APIStatusError": "ошибка Plusofon",
    }
    row_statuses: ClassVar[dict[str, str]] = {
        "pending": "ждёт", "sent": "отправлен", "created": "создан", "done": "готово", "failed": "ошибка",
        "skipped": "пропущен: номер у клиента уже есть", "invalid": "ошибка в строке", "stopped": "остановлено",
    }
    job_import_progress = "📥 Создано {done} из {total}{failed}{eta}"
    job_delete_progress = "🗑 Удалено {done} из {total}{failed}{eta}"
    job_failed_part = " · ошибок {failed}"
    job_eta_minutes = " · осталось ~{minutes} мин"
    job_eta_soon = " · осталось меньше минуты"
    job_stopped_part = " · остановлено"
    job_import_done = "📥 Импорт завершён: создано {done} из {total}, ошибок {failed}, не отправлено {stopped}."
    job_delete_done = "🗑 Удаление завершено: удалено {done} из {total}, ошибок {failed}, не отправлено {stopped}."
    job_import_team = "📥 {who} импортировал(а) из файла {done} умных номеров (ошибок {failed})"
    job_delete_team = "🗑 {who} удалил(а) {done} умных номеров разом (ошибок {failed})"
    del_many_usage = "Укажите id через пробел: <code>/del 12 15 19</code>. id показан в /list."
    del_many_confirm = "Удалить умных номеров: {count}?\n\n{numbers}{more}"
    del_many_more = "\n\n…и ещё {count}"
    del_many_missing = "\n\nНе найдены: {ids}"
    del_many_nothing = "Ни один из этих номеров не найден. Проверьте id в /list."
    del_many_button = "🗑 Удалить все {count}"
    # the Mini App (webapp/): /app, the /list button, the API's refusals, and the page's own words (app_page)
    app_open = "Все номера аккаунта одним списком, с поиском по мере ввода: откройте приложение кнопкой ниже."
    app_open_button = "📱 Открыть приложение"
    app_list_button = "📱 Открыть списком"
    app_menu_button = "Номера"
    app_off = ("Приложение (Mini App) выключено. Чтобы включить, администратор бота задаёт WEBAPP_URL — "
               "публичный https-адрес страницы /app/ (README → Set-up → Mini App).")
    app_private_only = "Приложение открывается в личном чате со мной: напишите мне /app в личные сообщения."
    app_answer_lost = ("Этот запрос уже отправлялся, но бот перезапустился, не успев ответить. Проверьте список, "
                       "прежде чем повторять.")
    app_not_connected = ("Ваш аккаунт Plusofon не подключён. Подключите его в личном чате с ботом (/login), "
                         "затем откройте приложение снова.")
    app_page: ClassVar[dict[str, str]] = {
        "title": "Умные номера",
        "search": "Поиск: цифры телефона или описание",
        "count": "Номеров: {count}",
        "found": "Найдено: {count}",
        "loading_copy": "Список ещё загружается: {loaded} из {total}",
        "nothing": "Ничего не найдено",
        "empty": "Номеров пока нет. Добавьте первый кнопкой «+».",
        "more": "Загрузка…",
        "no_description": "без описания",
        "customer": "Клиент",
        "smart": "Умный номер",
        "created": "Создан",
        "expires": "Удалится",
        "call": "Позвонить",
        "copy": "Копировать",
        "copied": "Скопировано",
        "share": "Поделиться",
        "delete": "Удалить",
        "delete_confirm": "Удалить умный номер {phone}?",
        "deleted": "Номер удалён",
        "add": "Новый номер",
        "phone": "Телефон клиента",
        "phone_hint": "Например +7 999 333-22-10",
        "phone_bad": "Не похоже на номер телефона",
        "phone_ok": "Номер в порядке",
        "description": "Описание (до 255 символов)",
        "ttl": "Срок",
        "ttl_none": "Бессрочный",
        "ttl_1d": "1 день",
        "ttl_7d": "7 дней",
        "ttl_30d": "30 дней",
        "create": "Создать",
        "created_ok": "Создан {phone}",
        "duplicate": "У клиента уже есть умный номер ({count}). Создать ещё один?",
        "select": "Выбрать",
        "selected": "Выбрано: {count}",
        "delete_selected": "Удалить ({count})",
        "delete_many_confirm": "Удалить выбранные номера ({count})?",
        "deleting": "Удаляю: {done} из {count}",
        "deleted_many": "Удалено: {count}",
        "delete_failed": "Не удалось удалить {count}: {reason}",
        "delete_stopped": "Остановлено. Удалено: {count}",
        "stop": "⏹ Остановить",
        "cancel": "Отмена",
        "retry": "Повторить",
        "offline": "Нет связи. Проверьте интернет.",
        "expired": "Сессия устарела: закройте и откройте приложение заново.",
        "slow_down": "Слишком часто. Подождите немного.",
        "failed": "Не получилось. Попробуйте ещё раз.",
        "outside": "Откройте эту страницу из Telegram: кнопкой в чате с ботом.",
    }

    # /expiring
    expiring_header = "<b>Временные номера: {total}{window} · стр. {page}/{pages}</b>\nПервыми — те, что удалятся раньше."
    expiring_window = " · удалятся до {when}"
    expiring_empty = ("Временных номеров нет.\n\nВременный номер я удалю сам в назначенный срок и напомню о нём "
                      "заранее. Создать: <code>/add &lt;телефон клиента&gt; &lt;описание&gt; --ttl 7d</code> "
                      "(или 12h, 30d), или /add и выберите срок.")
    expiring_empty_window = "До {when} не удалится ни один временный номер. Все временные номера: /expiring"
    expiring_usage = ("Не понял срок «{value}». Напишите, например, <code>/expiring 7d</code> — номера, которые "
                      "удалятся в ближайшие 7 дней (или 12h, 30d; от 1 часа до 365 дней), или просто /expiring — "
                      "все временные номера.")


class EnglishTexts(Texts):
    language = "en"

    start_connected = "Hello! This chat is connected to Plusofon account user_id {user_id}.\n\n{help}"
    start_not_connected = ("Hello! I manage Plusofon smart numbers.\n\n"
                           "This chat is not connected yet. A bot admin can connect it with "
                           "<code>python -m bot chats add {chat_id} --user-id …</code>.")
    help = ("<b>Commands</b>\n"
            "/list — your smart numbers\n"
            "/find &lt;text&gt; — find numbers by phone digits or description (or /list &lt;text&gt;)\n"
            "   e.g. <code>/find 999 333</code>, <code>/find Ivan</code>\n"
            "/export — all numbers as a CSV file (opens in Excel)\n"
            "/add &lt;customer phone&gt; &lt;description&gt; — create a smart number\n"
            "   e.g. <code>/add +7 999 333-22-10 Ivan Petrov</code>\n"
            "   a temporary number: add <code>--ttl 7d</code> (or 12h, 30d): I will remind you and delete it\n"
            "/add — the same step by step\n"
            "/del &lt;id&gt; — delete a smart number (ids are shown in /list); /del 12 15 19 — several\n"
            "/import — create numbers from a CSV or XLSX table (phone, description)\n"
            "/expiring — temporary numbers, the soonest to go first; /expiring 7d — within the next 7 days\n"
            "/cancel — stop the current input\n"
            "/history — latest actions in this chat\n"
            "/login, /logout — connect or disconnect a private chat; /link, /unlink, /access — the same for a group")
    not_connected = ("This chat is not connected to Plusofon. A bot admin can connect it "
                     "(chat id: <code>{chat_id}</code>).")
    not_connected_alert = "This chat is not connected to Plusofon. Ask a bot admin."
    list_header = "<b>Smart numbers: {total} · page {page}/{pages}</b>"
    list_empty = ("No smart numbers yet.\n\nCreate one: <code>/add &lt;customer phone&gt; "
                  "&lt;description&gt;</code>, e.g. <code>/add +7 999 333-22-10 Ivan Petrov</code>")
    no_description = "no description"
    find_usage = ("What should I look for? Send phone digits (of the smart number or the customer) or part of a "
                  "description: <code>/find 999 333</code>, <code>/find Ivan</code>. "
                  "<code>/list &lt;text&gt;</code> does the same.")
    find_header = "<b>Found: {total} · “{query}” · page {page}/{pages}</b>"
    find_nothing = ("Nothing found for “{query}”.\n\n"
                    "I look in phone digits (the smart number's or the customer's) and descriptions: try part of a "
                    "number, e.g. <code>/find 333-22</code>, or part of a name. The whole list: /list")
    find_expired = "This search is out of date, send /find again"
    mirror_loading = "⏳ Loading the list of numbers: {loaded} of {total}…"
    mirror_still_loading = "⏳ The list of numbers is still loading ({loaded} of {total}). Try again in a minute."
    mirror_as_of = "<i>As of {when}</i>"
    duplicate_partial = ("⚠️ Not every number was checked: the list is still loading ({loaded} of {total}), "
                         "the customer may have others.")
    card_title = "<b>Smart number</b>"
    card_phone_b = "→ {phone} (customer)"
    card_phone_a = "outgoing: {phone}"
    card_created = "created {date}"
    card_gone = "No smart number with id {id}: it may have been deleted already. Refresh the list: /list"
    button_copy = "📋 Copy number"
    button_back = "◀ Back"

    button_share = "📤 Share"
    inline_connect = "Connect your Plusofon account"
    inline_customer = "customer {phone}"
    digest_header = "📋 <b>Digest for {date}</b>"
    digest_added = "<b>Added: {count}</b>"
    digest_deleted = "<b>Deleted: {count}</b>"
    digest_expires_today = "<b>Expiring today: {count}</b>"
    digest_expires_tomorrow = "<b>Expiring tomorrow: {count}</b>"
    digest_total = "Numbers in the account: {total}"
    digest_total_of = "Numbers in account user_id {user_id}: {total}"
    digest_expired = "at expiry"
    digest_until = "at {time}"
    digest_more = "…and {count} more"
    export_caption = "Smart numbers: {total} · {date}"
    export_empty = "No smart numbers yet: nothing to export."
    add_invalid_phone = ("That does not look like a phone number: “{text}”.\n"
                         "Example: <code>/add +7 999 333-22-10 Ivan Petrov</code> "
                         "(8 999 333 22 10, 79993332210, +374 10 324040 work too).")
    add_description_too_long = "The description is longer than 255 characters ({length}). Shorten it and retry."
    add_premium_refused = ("{phone} is a premium-rate number: calls to it are expensive, so I do not connect such "
                           "numbers. Check the customer's phone; if it is right, a bot admin can allow such numbers "
                           "(ALLOW_PREMIUM_NUMBERS).")
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
    add_not_your_dialogue = "These are the buttons of someone else's /add. To add a number, send /add yourself."
    error_auth = ("Plusofon no longer accepts this chat's token: it is invalid or expired. "
                  "Ask a bot admin to connect the chat again.")
    error_user = ("Plusofon found no account for this chat: the user_id does not match the token. "
                  "Ask a bot admin to check the connection.")
    error_unavailable = "Plusofon is not answering. Try again in a minute."
    error_rate_limited = "Plusofon asks us to slow down: too many requests. Try again in a minute."
    error_validation = "Plusofon rejected the data: {message}"
    error_other = "Plusofon answered with an error. Try again later; tell an admin if it persists."
    error_internal = "Something went wrong. Please try again."
    duplicate_ask = "Customer {phone_b} has a smart number already ({count}):\n\n{numbers}\n\nCreate another one?"
    duplicate_more = "…and {count} more"
    duplicate_cancelled = "OK, no new number was created."
    duplicate_expired = "⌛ This confirmation has expired. To create the number, send /add again."
    anonymous_cannot_confirm = ("The customer has a smart number already, and an anonymous administrator cannot "
                                "confirm another one: send /add as yourself.")
    button_create_another = "✅ Create another"
    add_ttl_invalid = ("I could not read the term “{text}”. Give hours or days: <code>--ttl 12h</code>, "
                       "<code>--ttl 7d</code>, <code>--ttl 30d</code> (1 hour to 365 days).")
    add_ask_ttl = ("Is the number temporary? Choose when to delete it, or send your own term, e.g. <code>3d</code> "
                   "or <code>48h</code>. “No expiry” makes a usual permanent number.")
    add_temporary = "⏳ Temporary: it will be deleted on {when}; I will remind you {lead}."
    add_temporary_no_reminder = "⏳ Temporary: it will be deleted on {when}."
    add_ttl_untracked = ("⚠️ No expiry was set: Plusofon did not say which number was created. Delete it yourself "
                         "when it is no longer needed.")
    add_try_again = "Nothing was created. Choose the term again to retry, or press “Cancel”."
    lead_day = "a day before"
    lead_hour = "an hour before"
    button_no_ttl = "No expiry"
    temporary_until = "⏳ temporary, until {when}"
    extended = "⏳ Extended until {when}.\n\n{number}"
    expiry_gone = "This number has no expiry: it is deleted or permanent."
    expiry_deleting = "Its term is over: the number is being deleted. If you need it, create a new one."
    button_extend = "Extend by 7 days"
    button_delete_now = "Delete now"
    admins_only = "In this chat only the group's administrators manage smart numbers."
    members_only = "Only the group's members manage its smart numbers."
    anonymous_cannot_delete = ("An anonymous administrator cannot confirm a deletion: send /del as yourself "
                               "(turn off anonymity in your administrator settings).")
    access_state = ("Who may manage numbers in this chat: {who}.\n"
                    "Change it: <code>/access admins</code> or <code>/access all</code> (group administrators).")
    access_admins = "the group's administrators only"
    access_all = "every member"
    access_changed = "Done. Numbers can be managed by: {who}."
    group_admins_only_command = "Only the group's or the bot's administrators can do this."
    group_only = "This command works in a group."
    private_only = "This command works in a private chat with me. /unlink disconnects a group."
    login_usage = ("Send /login to sign in with your Plusofon e-mail and password, or <code>/login &lt;API token&gt;</code>, "
                   "or <code>/login &lt;user_id&gt; &lt;API token&gt;</code> (the token is in your Plusofon account).")
    login_in_group = ("⚠️ Never send a token to a group! I deleted the message, but it may have been seen: treat the "
                      "token as leaked, issue a new one in your Plusofon account and send /login to me privately.")
    login_not_allowed = "Only the bot's administrators can connect chats."
    login_rejected = "Not connected: {reason}"
    login_bad_token = "Plusofon rejected the token (invalid or expired)"
    login_bad_user = "the user_id does not match this token"
    login_done = "✅ This chat is connected to Plusofon account user_id {user_id}. Try /list."
    login_in_group_not_deleted = ("⚠️ Never send a token to a group! I could not delete the message (no rights): "
                                  "delete it yourself. Treat the token as leaked: issue a new one in your Plusofon "
                                  "account and send /login to me privately.")
    delete_token_yourself = "⚠️ I could not delete the message with the token: delete it yourself."
    link_usage = "Send /link in the group you want to connect."
    link_not_connected = "First connect your private chat with me: /login in a private message."
    link_done = "✅ The group is connected to Plusofon account user_id {user_id}."
    unlink_done = "The group is disconnected from Plusofon."
    logout_done = ("This private chat is disconnected from Plusofon. Groups you connected with /link stay "
                   "connected: send /unlink there.")
    not_connected_short = "This chat is not connected anyway."
    anonymous_cannot_link = "An anonymous administrator cannot connect the group: send /link as yourself."
    link_not_allowed = "You may not connect groups. Ask a bot admin."
    link_taken = ("Someone else connected this group; only a bot admin may replace the connection. Ask them, or "
                  "whoever connected the group.")
    throttled = "Not so fast… Wait a moment and try again."
    history_empty = "Nothing has happened in this chat yet."
    history_header = "<b>Latest actions in this chat</b> (time {zone})"
    history_actions: ClassVar[dict[str, str]] = {
        "add": "added", "delete": "deleted", "login": "connected the chat", "link": "connected the group",
        "unlink": "disconnected the group", "logout": "disconnected the chat", "access": "changed access",
        "extend": "extended", "expire": "deleted at expiry",
    }
    commands: ClassVar[dict[str, str]] = {
        "list": "My smart numbers",
        "find": "Find a number",
        "add": "Create a smart number",
        "del": "Delete a smart number",
        "import": "Create numbers from a table",
        "expiring": "Temporary numbers",
        "export": "Export numbers as CSV",
        "cancel": "Stop the current input",
        "history": "Latest actions",
        "help": "Help",
    }

    signin_ask_email = "Signing in to Plusofon. Send the e-mail you use for your Plusofon account (or /cancel)."
    signin_bad_email = "This does not look like an e-mail. Send an address like <code>name@example.com</code> or /cancel."
    signin_ask_password = ("Now the password of your Plusofon account for {email}. I delete the message at once and "
                           "store it nowhere (/cancel to stop).")
    signin_private_only = "Sign in to Plusofon only in a private chat with me: send me /login."
    signin_wrong_password = ("Not connected: Plusofon rejected the e-mail or password. Check them and start again: "
                             "/login (attempts left: {left}).")
    signin_too_many = "Too many sign-in attempts. Try again in {minutes} min."
    signin_cancelled = "Sign-in cancelled."
    signin_password_as_text = "Send the password as text (or /cancel)."
    signin_password_not_deleted = ("⚠️ I could not delete the message with the password: delete it yourself and "
                                   "change the password.")
    signin_left = ("Sign-in cancelled: a command came instead of the password. I deleted the message. To sign in, "
                   "send /login again, and send the command once more.")
    signin_too_late = ("Sign-in cancelled: the password came more than {minutes} min after the e-mail. I deleted "
                       "the message. Start again: /login.")
    login_done_owner = ("✅ This chat is connected to Plusofon account {name}{email}user_id <code>{user_id}</code>. "
                        "Try /list.")
    signin_renews = "The sign-in renews itself; if it expires, I will ask you to sign in again."
    login_no_authuser = ("Plusofon did not say whose token this is. Send it with the user_id: "
                         "<code>/login &lt;user_id&gt; &lt;API token&gt;</code>.")
    error_signin_expired = "The Plusofon sign-in has expired: /login again (privately with me, e-mail and password)."
    chats_header = "<b>Connected chats</b> (Moscow time)"
    chats_empty = "No chats are connected."
    chats_admins_only = "Only the bot's administrators see the chats, in a private chat with me."
    chats_by_signin = "e-mail sign-in"
    chats_by_token = "API token"
    chats_never = "not checked yet"
    chats_ok = "✅ works"
    chats_failing = "⚠️ failing: {failure}"
    chats_line = "<code>{chat_id}</code> · user_id {user_id}{email} · {how} · accepted: {accepted} · {state}"

    import_usage = ("Send the customers' table as a CSV or XLSX file: columns are the customer's phone, a "
                    "description and, if needed, a term (as in /add: 7d, 12h). A header row is optional. Add the "
                    "caption /import, or reply /import to the message with the file. /cancel to stop.")
    import_photo = ("This is a photo; I need the table's file. Save it as CSV or XLSX and send it as a document "
                    "(📎 → File) with the caption /import.")
    import_pdf = "I cannot read PDF: save the table as CSV or XLSX and send it with the caption /import."
    import_kind = "I cannot read this kind of file: send the table as CSV or XLSX with the caption /import."
    import_broken = "The file does not open as a table: save it again as CSV or XLSX and send it again."
    import_too_big = "The file is {size} KB; I take up to {limit} KB. Split the table and send the parts one by one."
    import_too_many = "The file has more than {limit} rows. Split it into parts of up to {limit} rows."
    import_empty = "The file has no rows with data. The first column is the customer's phone, the second a description."
    import_download_failed = "Could not get the file from Telegram. Send it again."
    bulk_admins_only = "In a group, bulk actions are for its administrators only."
    import_checked = ("<b>File checked</b>\nRows read: {read}\nCan be created: {new}\n"
                      "Customer has a number already: {existing}\nWith errors: {invalid}")
    import_wrong_rows = "\n\n<b>Errors</b> (all of them in the attached file):\n{rows}"
    import_wrong_row = "row {row}: {reason}"
    import_partial = ("\n\n⚠️ The account's copy is still being read ({loaded} of {total}): existing numbers may "
                      "have been missed.")
    import_nothing = "\n\nNothing to create: fix the errors in the file and send it again."
    import_create_new = "✅ Create the new ones ({count})"
    import_create_all = "Create for all ({count})"
    job_cancel_button = "❌ Cancel"
    job_stop_button = "⏹ Stop"
    job_cancelled = "Cancelled: nothing was created or deleted."
    job_not_yours = "Only whoever started this can answer."
    job_stale = "This question is no longer current."
    job_stopping = "Stopping: rows not sent yet will not be sent."
    row_errors: ClassVar[dict[str, str]] = {
        "phone": "not a phone number", "premium": "a premium-rate number: not created",
        "long": "description over 255 characters", "ttl": "term not understood (e.g. 7d, 12h)",
        "duplicate": "repeats row {row}", "unidentified": "created, but not found in the list",
        "no_answer": "Plusofon did not answer", "gone": "was deleted already",
        "ServerError": "an error on Plusofon's side", "MalformedResponseError": "an error on Plusofon's side",
        "APIConnectionError": "Plusofon is unreachable", "APITimeoutError": "Plusofon did not answer in time",
        "BadRequestError": "Plusofon refused the request", "ValidationError": "Plusofon refused the request",
        "NotFoundError": "Plusofon did not find the number", "UserNotFoundError": "the account is not in Plusofon",
        "RateLimitError": "Plusofon asks to slow down", "AuthenticationError": "the token was refused",
        "SignInExpired": "the token was refused", "APIStatusError": "a Plusofon error",
    }
    row_statuses: ClassVar[dict[str, str]] = {
        "pending": "waiting", "sent": "sent", "created": "created", "done": "done", "failed": "error",
        "skipped": "skipped: the customer has a number", "invalid": "wrong row", "stopped": "stopped",
    }
    job_import_progress = "📥 Created {done} of {total}{failed}{eta}"
    job_delete_progress = "🗑 Deleted {done} of {total}{failed}{eta}"
    job_failed_part = " · {failed} errors"
    job_eta_minutes = " · ~{minutes} min left"
    job_eta_soon = " · under a minute left"
    job_stopped_part = " · stopped"
    job_import_done = "📥 Import finished: {done} of {total} created, {failed} errors, {stopped} not sent."
    job_delete_done = "🗑 Delete finished: {done} of {total} deleted, {failed} errors, {stopped} not sent."
    job_import_team = "📥 {who} imported {done} smart numbers from a file ({failed} errors)"
    job_delete_team = "🗑 {who} deleted {done} smart numbers at once ({failed} errors)"
    del_many_usage = "Give the ids separated by spaces: <code>/del 12 15 19</code>. Ids are shown in /list."
    del_many_confirm = "Delete {count} smart numbers?\n\n{numbers}{more}"
    del_many_more = "\n\n…and {count} more"
    del_many_missing = "\n\nNot found: {ids}"
    del_many_nothing = "None of these numbers was found. Check the ids in /list."
    del_many_button = "🗑 Delete all {count}"
    # the texts that fell back to Russian until English had them (tests/test_texts.py now requires each one)
    card_phone_x = "📞 {phone}"
    reminder = ("⏰ {who}, the temporary smart number will be deleted on {when}, {left}.\n\n{number}\n\n"
                "Extend it or delete it now?")
    in_hours = "in {hours} h"
    in_days = "in {days} days"
    reminder_nobody = ("⏰ The temporary smart number will be deleted on {when}, {left}.\n\n{number}\n\n"
                       "Extend it or delete it now?")
    expired_here = "⌛ Its term is over: the temporary smart number was deleted.\n{phone_x} → {phone_b}\n{description}"
    notify_expiring = ("⏰ The temporary smart number expires on {when}\n{phone_x} → {phone_b}\n{description}\n"
                       "added by: {who}")
    notify_expired = ("⌛ Expired: the temporary smart number was deleted\n{phone_x} → {phone_b}\n{description}\n"
                      "added by: {who}")
    notify_extended = "⏳ {who} extended the temporary smart number until {when}\n{phone_x} → {phone_b}\n{description}"
    by_the_bot = "the bot"
    notify_added = "➕ {who} added a smart number\n{phone_x} → {phone_b}\n{description}\nchat: {chat}"
    notify_deleted = "➖ {who} deleted a smart number\n{phone_x} → {phone_b}\n{description}\nchat: {chat}"
    private_chat = "private chat"
    signin_expired_admins = ("⚠️ The Plusofon sign-in of account user_id {user_id} has expired: Plusofon did not "
                             "renew it. Chats {chats} do not work until someone sends /login again.")
    app_open = "Every number of the account in one list, searched as you type: open the app with the button below."
    app_open_button = "📱 Open the app"
    app_list_button = "📱 Open as a list"
    app_menu_button = "Numbers"
    app_off = ("The app (Mini App) is off. To switch it on, the bot's admin sets WEBAPP_URL, the public https "
               "address of the /app/ page (README → Set-up → Mini App).")
    app_private_only = "The app opens in a private chat with me: send me /app privately."
    app_answer_lost = ("This request was sent already, but the bot restarted before it answered. Check the list "
                       "before trying again.")
    app_not_connected = ("Your Plusofon account is not connected. Connect it in the private chat with the bot "
                         "(/login), then open the app again.")
    app_page: ClassVar[dict[str, str]] = {
        "title": "Smart numbers",
        "search": "Search: phone digits or description",
        "count": "Numbers: {count}",
        "found": "Found: {count}",
        "loading_copy": "The list is still loading: {loaded} of {total}",
        "nothing": "Nothing found",
        "empty": "No numbers yet. Add the first one with “+”.",
        "more": "Loading…",
        "no_description": "no description",
        "customer": "Customer",
        "smart": "Smart number",
        "created": "Created",
        "expires": "Deleted on",
        "call": "Call",
        "copy": "Copy",
        "copied": "Copied",
        "share": "Share",
        "delete": "Delete",
        "delete_confirm": "Delete smart number {phone}?",
        "deleted": "Number deleted",
        "add": "New number",
        "phone": "Customer phone",
        "phone_hint": "E.g. +7 999 333-22-10",
        "phone_bad": "That does not look like a phone number",
        "phone_ok": "The number is fine",
        "description": "Description (up to 255 characters)",
        "ttl": "Term",
        "ttl_none": "No expiry",
        "ttl_1d": "1 day",
        "ttl_7d": "7 days",
        "ttl_30d": "30 days",
        "create": "Create",
        "created_ok": "Created {phone}",
        "duplicate": "The customer has a smart number already ({count}). Create another one?",
        "select": "Select",
        "selected": "Selected: {count}",
        "delete_selected": "Delete ({count})",
        "delete_many_confirm": "Delete the selected numbers ({count})?",
        "deleting": "Deleting: {done} of {count}",
        "deleted_many": "Deleted: {count}",
        "delete_failed": "Could not delete {count}: {reason}",
        "delete_stopped": "Stopped. Deleted: {count}",
        "stop": "⏹ Stop",
        "cancel": "Cancel",
        "retry": "Retry",
        "offline": "No connection. Check the internet.",
        "expired": "The session is too old: close the app and open it again.",
        "slow_down": "Too fast. Wait a moment.",
        "failed": "That did not work. Try again.",
        "outside": "Open this page from Telegram: with the button in the chat with the bot.",
    }

    expiring_header = "<b>Temporary numbers: {total}{window} · page {page}/{pages}</b>\nThe soonest to go first."
    expiring_window = " · going before {when}"
    expiring_empty = ("No temporary numbers.\n\nI delete a temporary number at its term, with a reminder before. "
                      "Create one: <code>/add &lt;customer phone&gt; &lt;description&gt; --ttl 7d</code> (or 12h, "
                      "30d), or /add and pick a term.")
    expiring_empty_window = "No temporary number goes before {when}. All temporary numbers: /expiring"
    expiring_usage = ("I could not read the term “{value}”. Send e.g. <code>/expiring 7d</code> for the numbers "
                      "going within 7 days (or 12h, 30d; from 1 hour to 365 days), or just /expiring for all "
                      "temporary numbers.")


RUSSIAN = Texts()
ENGLISH = EnglishTexts()


def texts_for(language_code: str | None) -> Texts:
    return ENGLISH if (language_code or "").lower().startswith("en") else RUSSIAN
