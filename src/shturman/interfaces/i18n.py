"""The message catalogue shared by all interfaces: Russian and English side by side."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Lang = Literal["ru", "en"]

CATALOGUE: dict[str, tuple[str, str]] = {
    # key: (ru, en)
    "error": ("Ошибка", "Error"),
    "init.config_written": ("Записан файл конфигурации: {path}", "Config written: {path}"),
    "init.config_kept": ("Конфигурация уже есть, не трогаю: {path}",
                         "Config exists, left as is: {path}"),
    "init.key_created": ("Создан ключ хранилища (0600): {path}",
                         "Vault key created (mode 0600): {path}"),
    "init.key_kept": ("Ключ хранилища уже есть: {path}", "Vault key exists: {path}"),
    "init.db_ready": ("База данных готова: {url}", "Database ready: {url}"),
    "server.added": ("Сервер {name} добавлен ({address}).", "Server {name} added ({address})."),
    "server.attached": ("Сервер {name} задан в файле конфигурации ({where}); учётные данные "
                        "сохранены в хранилище и привязаны к нему.",
                        "Server {name} is defined in the config file ({where}); its credentials "
                        "are now stored in the vault for it."),
    "server.login_ok": ("Вход на {name} проверен ({address}).",
                        "Login to {name} checked ({address})."),
    "err.unknown_server": ("Неизвестный сервер «{name}». Список: shturman server list; добавить: "
                           "shturman server add {name} --host АДРЕС …",
                           "Unknown server '{name}'. See `shturman server list`; to add it: "
                           "shturman server add {name} --host ADDRESS …"),
    "err.ambiguous_server": ("«{name}» подходит к нескольким серверам: {names}. Укажите имя.",
                             "'{name}' matches several servers: {names}. Give one name."),
    "err.server_local": ("«local» — встроенный сервер (эта машина): его нельзя добавить или "
                         "удалить. Для другой машины выберите другое имя.",
                         "'local' is built in (this machine): it cannot be added or removed. "
                         "Give another machine another name."),
    "err.server_taken": ("Сервер «{name}» уже зарегистрирован. Выберите другое имя или сначала "
                         "удалите его: shturman server rm {name}",
                         "Server '{name}' is already registered. Pick another name, or remove it "
                         "first: shturman server rm {name}"),
    "err.server_in_config_rm": ("Сервер «{name}» задан в файле конфигурации ({where}), а не в "
                                "реестре: удалите его запись там.",
                                "Server '{name}' is defined in the config file ({where}), not in "
                                "the registry: delete its entry there."),
    "err.server_in_config_add": ("Сервер «{name}» уже задан в файле конфигурации ({where}) с "
                                 "другими параметрами ({detail}). Исправьте запись там, повторите "
                                 "с теми же --host/--port/--user и способом входа, или выберите "
                                 "другое имя.",
                                 "Server '{name}' is already defined in the config file ({where}) "
                                 "with other settings ({detail}). Edit that entry, repeat with the "
                                 "same --host/--port/--user and auth, or pick another name."),
    "err.bad_server_name": ("Недопустимое имя сервера «{name}»: только латинские буквы, цифры и "
                            "«.», «_», «-», без пробелов, первой — буква или цифра (например, "
                            "web-1).",
                            "Invalid server name '{name}': letters, digits, '.', '_' and '-' only, "
                            "no spaces, starting with a letter or digit (e.g. web-1)."),
    "err.bad_server_field": ("Недопустимое значение {field}: {value!r}.",
                             "Invalid {field}: {value!r}."),
    "err.pub_key": ("{path} — открытый ключ. Укажите закрытый ключ (обычно тот же путь без "
                    ".pub): --key {private}",
                    "{path} is a public key. Give the private key (usually the same path "
                    "without .pub): --key {private}"),
    "err.not_a_key": ("{path} не похож на закрытый ключ SSH (нет строки «PRIVATE KEY»). "
                      "Укажите файл закрытого ключа.",
                      "{path} does not look like an SSH private key (no 'PRIVATE KEY' line). "
                      "Give the private key file."),
    "err.login_auth": ("Сервер отклонил вход как {user} ({auth}). Проверьте --user и что "
                       "открытый ключ есть в ~{user}/.ssh/authorized_keys на сервере (или пароль). "
                       "Сервер не добавлен; добавить без проверки: --no-connect.",
                       "The server refused the login as {user} ({auth}). Check --user "
                       "and that the public key is in ~{user}/.ssh/authorized_keys on the server "
                       "(or the password). The server was not added; to add it without the "
                       "check: --no-connect."),
    "err.login_password": ("Сервер отклонил вход как {user} по паролю. Проверьте --user и пароль. "
                           "Сервер не добавлен; добавить без проверки: --no-connect.",
                           "The server refused the password login as {user}. Check --user and "
                           "the password. The server was not added; to add it without the "
                           "check: --no-connect."),
    "err.login_unreachable": ("Не удалось подключиться к {address}: {detail}. Проверьте "
                              "--host и --port и что sshd запущен. Сервер не добавлен; добавить "
                              "без проверки: --no-connect.",
                              "Cannot connect to {address}: {detail}. Check --host and "
                              "--port and that sshd is running. The server was not added; to add "
                              "it without the check: --no-connect."),
    "err.no_run": ("Запуск «{id}» не найден. Список: shturman history.",
                   "No run '{id}'. See `shturman history`."),
    "err.ambiguous_run": ("Префикс «{id}» подходит к нескольким запускам ({ids}). Укажите больше "
                          "символов.",
                          "The prefix '{id}' matches several runs ({ids}). Give more characters."),
    "err.interrupted": ("прервано", "interrupted"),
    "interrupt.stopped": ("{server}: «{command}» остановлена и на сервере.",
                          "{server}: «{command}» was stopped on the server too."),
    "interrupt.not_stopped": ("{server}: не удалось убедиться, что «{command}» остановлена на "
                              "сервере — она может ещё выполняться. Проверьте: "
                              "shturman exec {server} -- ps -ef",
                              "{server}: could not confirm that «{command}» stopped on the "
                              "server — it may still be running. Check: "
                              "shturman exec {server} -- ps -ef"),
    "err.unknown_job": ("Задание {id} не найдено. Список: shturman jobs list.",
                        "No job {id}. See `shturman jobs list`."),
    "err.job_final": ("Задание {id} уже завершено ({status}): отменять нечего.",
                      "Job {id} has already finished ({status}): nothing to cancel."),
    "jobs.cancelled": ("Задание {id} отменено.", "Job {id} cancelled."),
    "jobs.cancel_requested": ("Задание {id} выполняется: отправлен запрос на остановку.",
                              "Job {id} is running: asked it to stop."),
    "jobs.none": ("Заданий нет.", "No jobs."),
    "worker.ready": ("shturman worker: {workers} обработчик(а) заданий, бэкенд {backend}; "
                     "остановка — SIGTERM или Ctrl-C.",
                     "shturman worker: {workers} job worker(s), backend {backend}; "
                     "stop with SIGTERM or Ctrl-C."),
    "server.removed": ("Сервер {name} удалён.", "Server {name} removed."),
    "server.pinned": ("Ключ хоста {name} закреплён: {fingerprint}",
                      "Host key of {name} pinned: {fingerprint}"),
    "server.no_pin": ("ключ хоста ещё не закреплён", "host key not pinned yet"),
    "server.test_ok": ("Соединение с {name} работает.", "Connection to {name} works."),
    "server.forgot_key": ("Закреплённый ключ {name} забыт; при следующем подключении будет "
                          "закреплён новый.", "Forgot the pinned key of {name}; the next "
                          "connection pins the new one."),
    "exec.blocked": ("ЗАБЛОКИРОВАНО политикой", "BLOCKED by policy"),
    "exec.denied": ("НЕ ОДОБРЕНО", "NOT APPROVED"),
    "exec.confirm": ("Выполнить на {server}: {command}? Причины: {reasons}",
                     "Run on {server}: {command}? Reasons: {reasons}"),
    "exec.summary": ("Успешно: {ok} из {total}", "Succeeded: {ok} of {total}"),
    "vault.rotated": ("Ключ хранилища заменён, перешифровано секретов: {count}",
                      "Vault key rotated, secrets re-encrypted: {count}"),
    "run.plan": ("План", "Plan"),
    "approval.label": ("одобрение", "approval"),
    "approval.approved": ("одобрено", "approved"),
    "approval.denied": ("отклонено", "denied"),
    "approval.timed_out": ("нет ответа вовремя", "timed out"),
    "approval.pre_approved": ("одобрено заранее", "pre-approved"),
    "approval.unavailable": ("одобрить некому", "no approver"),
    "approval.note.autonomous": ("автономный режим заранее одобряет известные ограниченные "
                                 "изменения", "autonomous mode pre-approves known, bounded "
                                 "changes"),
    "approval.note.readonly": ("режим {mode} выполняет только команды чтения",
                               "{mode} mode runs only read-only commands"),
    "approval.note.nobody": ("одобрить некому: отказ (fail closed)",
                             "no approver available: denied (fail closed)"),
    "approval.note.needs_human": ("автономный режим одобряет только известные изменения, нужен "
                                  "человек; одобрить некому: отказ (fail closed)",
                                  "autonomous mode pre-approves only known changes; a person "
                                  "is needed; no approver available: denied (fail closed)"),
    "approval.note.no_terminal": ("нет терминала: отказ (fail closed)",
                                  "no terminal: denied (fail closed)"),
    "approval.note.no_answer": ("нет ответа вовремя: отказ", "no answer in time: denied"),
    "approval.note.yes": ("одобрено заранее ключом --yes", "approved in advance with --yes"),
    "approval.noninteractive": ("нет терминала для подтверждения — отказ",
                                "no terminal to ask for approval — denied"),
    # approvals answered from any process (issue 9)
    "approvals.approved": ("Одобрено: {id} — {server}: {command}",
                           "Approved: {id} — {server}: {command}"),
    "approvals.denied": ("Отклонено: {id} — {server}: {command}",
                         "Denied: {id} — {server}: {command}"),
    "approvals.none": ("Нет запросов, ждущих одобрения.", "No approval requests are waiting."),
    "approvals.expires": ("истекает в {at}", "expires at {at}"),
    "err.approval_unknown": ("Запрос одобрения «{id}» не найден. Список: shturman approvals "
                             "list.", "No approval request '{id}'. See `shturman approvals "
                             "list`."),
    "err.approval_expired": ("Время запроса «{id}» истекло: он уже отклонён, ничего не "
                             "выполнено.", "Approval request '{id}' has expired: it was "
                             "denied, nothing ran."),
    "err.approval_answered": ("На запрос «{id}» уже ответили ({status}): второй ответ ничего "
                              "не меняет.", "Approval request '{id}' was already answered "
                              "({status}): a second answer changes nothing."),
    "err.approval_abandoned": ("Процесс, ждавший ответа на «{id}», остановлен: ответ никуда не "
                               "придёт, ничего не выполнено. Запустите задачу снова.",
                               "The process waiting for '{id}' has stopped: the answer would "
                               "reach nobody, nothing ran. Start the task again."),
    "err.approval_forbidden": ("Роль {role} не может отвечать на запросы одобрения (нужна "
                               "operator или admin).", "Role {role} cannot answer approval "
                               "requests (operator or admin needed)."),
    # users (issue 9)
    "user.added": ("Пользователь {name} добавлен ({role}).", "User {name} added ({role})."),
    "user.changed": ("Пользователь {name} изменён.", "User {name} changed."),
    "user.none": ("Пользователей нет. Добавить: shturman user add ИМЯ --role operator",
                  "No users. Add one: shturman user add NAME --role operator"),
    "err.user_unknown": ("Пользователь «{name}» не найден. Список: shturman user list.",
                         "No user '{name}'. See `shturman user list`."),
    "err.user_exists": ("Пользователь «{name}» уже есть. Изменить: shturman user set {name} …",
                        "User '{name}' already exists. To change it: shturman user set "
                        "{name} …"),
    "err.user_telegram_taken": ("Telegram id {value} уже привязан к другому пользователю.",
                                "Telegram id {value} is already linked to another user."),
    "err.user_bad_role": ("Недопустимая роль «{value}»: admin, operator или viewer.",
                          "Invalid role '{value}': admin, operator or viewer."),
    "err.user_bad_lang": ("Недопустимый язык «{value}»: ru или en.",
                          "Invalid language '{value}': ru or en."),
    "err.user_bad_name": ("Недопустимое имя пользователя «{value}»: латинские буквы, цифры, "
                          "«.», «_», «-», «@», до 64 символов.",
                          "Invalid user name '{value}': letters, digits, '.', '_', '-', '@', "
                          "up to 64 characters."),
    "err.empty_password": ("Пустой пароль во входном потоке.", "Empty password on stdin."),
    # notifications (issue 9)
    "notify.approval.title": ("Нужно одобрение: {server}", "Approval needed: {server}"),
    "notify.approval.body": ("{command}\nПричины: {reasons}\nОтветить до {expires}: "
                             "shturman approvals approve {id} (или deny {id})",
                             "{command}\nReasons: {reasons}\nAnswer by {expires}: "
                             "shturman approvals approve {id} (or deny {id})"),
    "notify.run.title": ("Запуск завершён ({status}): {request}",
                         "Run finished ({status}): {request}"),
    "notify.run.body": ("{report}\nПодробно: shturman runs show {id}",
                        "{report}\nDetails: shturman runs show {id}"),
    # runs follow (issue 9)
    "follow.answer": ("ждёт одобрения: shturman approvals approve {id} (или deny {id})",
                      "waiting for approval: shturman approvals approve {id} (or deny {id})"),
    "follow.stopped": ("Слежение остановлено; запуск продолжается.",
                       "Stopped following; the run goes on."),
}


def t(key: str, lang: str = "ru", **values: object) -> str:
    ru, en = CATALOGUE[key]
    return (ru if lang == "ru" else en).format(**values)


def approval_line(data: Mapping[str, object], lang: str = "ru") -> str:
    """``approval: OUTCOME (APPROVER) — NOTE`` of an ``approval_decided`` event, all in one
    language: the note is recognised by who decided and how (a closed set of approvers), and an
    unknown note is shown only in English mode."""
    outcome, approver = str(data.get("outcome", "")), str(data.get("approver", ""))
    note = str(data.get("note") or "")
    key = f"approval.{outcome}"
    word = t(key, lang) if key in CATALOGUE else outcome
    known = _approval_note(outcome, approver, note, lang)
    shown = known if known is not None else (note if lang != "ru" else "")
    return f"{t('approval.label', lang)}: {word} ({approver})" + (f" — {shown}" if shown else "")


def _approval_note(outcome: str, approver: str, note: str, lang: str) -> str | None:
    mode = approver.removeprefix("mode:")
    if not note:
        return ""
    if outcome == "pre_approved" and approver.startswith("mode:"):
        return t("approval.note.autonomous", lang)
    if outcome == "denied" and approver.startswith("mode:"):
        return t("approval.note.readonly", lang, mode=mode)
    if outcome == "unavailable" and approver == "none":
        return t("approval.note.needs_human" if "person" in note else "approval.note.nobody",
                 lang)
    if outcome == "unavailable" and approver == "cli":
        return t("approval.note.no_terminal", lang)
    if outcome == "timed_out":
        return t("approval.note.no_answer", lang)
    if approver == "cli:--yes":
        return t("approval.note.yes", lang)
    return None
