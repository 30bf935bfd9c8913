"""The message catalogue shared by all interfaces: Russian and English side by side."""

from __future__ import annotations

from typing import Literal

from shturman.domain.events import ApprovalDecided

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
    # Telegram bot (issue 10)
    "tg.cmd.start": ("начало работы", "get started"),
    "tg.cmd.help": ("что я умею", "what I can do"),
    "tg.cmd.servers": ("серверы", "servers"),
    "tg.cmd.health": ("здоровье серверов [сервер]", "server health [server]"),
    "tg.cmd.status": ("состояние Штурмана", "Shturman's status"),
    "tg.cmd.logs": ("логи сервиса: /logs сервис [сервер]", "service logs: /logs service [server]"),
    "tg.cmd.history": ("последние запуски", "recent runs"),
    "tg.cmd.approvals": ("ждущие одобрения", "approvals waiting"),
    "tg.cmd.cancel": ("отменить мою текущую задачу", "cancel my current task"),
    "tg.cmd.lang": ("язык: /lang ru или /lang en", "language: /lang ru or /lang en"),
    "tg.cmd.voice": ("голосовые ответы: /voice on или off", "spoken replies: /voice on or off"),
    "tg.start": ("Здравствуйте, {name}! Я Штурман (роль: {role}). Напишите, что сделать на "
                 "серверах, например: «покажи место на диске».",
                 "Hello, {name}! I am Shturman (role: {role}). Tell me what to do on your "
                 "servers, for example: \"disk usage\"."),
    "tg.help.intro": ("Пишите задачу обычным текстом или используйте команды:",
                      "Type a task in plain words or use a command:"),
    "tg.servers.title": ("Серверы", "Servers"),
    "tg.servers.aliases": ("псевдонимы: {names}", "aliases: {names}"),
    "tg.servers.services": ("сервисы: {names}", "services: {names}"),
    "tg.request.health": ("проверь здоровье", "health overview"),
    "tg.request.logs": ("покажи логи {service}", "show logs of {service}"),
    "tg.usage.logs": ("Укажите сервис: /logs nginx [сервер]",
                      "Name the service: /logs nginx [server]"),
    "tg.usage.lang": ("Укажите язык: /lang ru или /lang en",
                      "Choose a language: /lang ru or /lang en"),
    "tg.usage.voice": ("Голосовые ответы сейчас: {state}. Изменить: /voice on или /voice off",
                       "Spoken replies are {state}. Change: /voice on or /voice off"),
    "tg.lang.set": ("Теперь отвечаю по-русски.", "I will answer in English now."),
    "tg.voice.on": ("Голосовые ответы включены.", "Spoken replies are on."),
    "tg.voice.heard": ("🎙 Услышал: «{text}» ({language}, {seconds} с)",
                       "🎙 Heard: “{text}” ({language}, {seconds} s)"),
    "tg.voice.heard_short": ("🎙 «{text}»", "🎙 “{text}”"),
    "tg.voice.confirm": ("Это изменит состояние сервера. Выполнить именно это?",
                         "This would change a server. Run exactly this?"),
    "tg.voice.run": ("✅ Выполнить", "✅ Run"),
    "tg.voice.cancel": ("❌ Отмена", "❌ Cancel"),
    "tg.voice.confirmed": ("Подтверждено: выполняю.", "Confirmed: running it."),
    "tg.voice.cancelled": ("Отменено: ничего не запускалось.", "Cancelled: nothing was run."),
    "tg.voice.stale": ("Это подтверждение устарело или уже использовано: ничего не изменено.",
                       "This confirmation is out of date or used already: nothing changed."),
    "tg.voice.not_yours": ("Подтвердить может только тот, кто это сказал.",
                           "Only the person who said it can confirm it."),
    "tg.voice.unavailable": ("Голосовые сообщения здесь не распознаются: напишите текстом.",
                             "Voice notes are not transcribed here: please type instead."),
    "tg.voice.failed": ("Не удалось распознать голосовое сообщение: {reason}",
                        "Could not transcribe the voice note: {reason}"),
    "tg.voice.off": ("Голосовые ответы выключены.", "Spoken replies are off."),
    "tg.on": ("включены", "on"),
    "tg.off": ("выключены", "off"),
    "tg.yes": ("да", "yes"),
    "tg.no": ("нет", "no"),
    "tg.status.title": ("Штурман {version}", "Shturman {version}"),
    "tg.status.queue": ("Очередь: ждут {queued}, выполняются {running}",
                        "Queue: {queued} waiting, {running} running"),
    "tg.status.runs": ("Запусков сейчас: {count}", "Runs in progress: {count}"),
    "tg.status.model": ("Модель настроена: {answer}", "Model configured: {answer}"),
    "tg.history.title": ("Последние запуски", "Recent runs"),
    "tg.history.none": ("Запусков ещё не было.", "No runs yet."),
    "tg.unknown_command": ("Не знаю такой команды. Список: /help",
                           "I do not know that command. See /help"),
    "tg.unsupported": ("Я понимаю текст и команды. Список: /help",
                       "I understand text and commands. See /help"),
    "tg.rate_limited": ("Слишком много сообщений: не больше {limit} в минуту. Следующее приму "
                        "через {seconds} с.",
                        "Too many messages: at most {limit} a minute. I will take the next one "
                        "in {seconds} s."),
    "tg.progress.queued": ("в очереди (задание {id})…", "queued (job {id})…"),
    "tg.progress.starting": ("запускается…", "starting…"),
    "tg.progress.started": ("режим {mode}; серверы: {servers}", "mode {mode}; servers: {servers}"),
    "tg.progress.not_started": ("Задание {id} не запустилось ({status}): {error}",
                                "Job {id} did not start ({status}): {error}"),
    "tg.progress.unfollowed": ("Бот остановлен; запуск продолжается без меня.",
                               "The bot stopped; the run goes on without it."),
    "tg.progress.outputs": ("Полный вывод команд запуска {id}", "Full command output of run {id}"),
    "tg.progress.waiting_approval": ("ждёт одобрения {id}", "waiting for approval {id}"),
    "tg.progress.step_failed": ("шаг не удался", "the step failed"),
    "tg.progress.escalated": ("нужен человек", "a person is needed"),
    "tg.progress.verified": ("проверка", "check"),
    "tg.decision.confirm": ("нужно одобрение", "needs approval"),
    "tg.decision.block": ("заблокировано политикой", "blocked by policy"),
    "tg.run_status.succeeded": ("Готово", "Done"),
    "tg.run_status.failed": ("Не удалось", "Failed"),
    "tg.run_status.escalated": ("Нужен человек", "A person is needed"),
    "tg.run_status.cancelled": ("Отменено", "Cancelled"),
    "tg.run_status.interrupted": ("Прервано", "Interrupted"),
    "tg.run_status.running": ("Выполняется", "Running"),
    "tg.run_status.queued": ("В очереди", "Queued"),
    "tg.run_status.verified": ("проверено", "verified"),
    "tg.approval.title": ("Нужно одобрение · {server}", "Approval needed · {server}"),
    "tg.approval.decision": ("Решение политики: {decision} (изменяет состояние). Причины:",
                             "Policy decision: {decision} (changes state). Reasons:"),
    "tg.approval.meta": ("запрос {id} · запуск {run} · от {by} · до {expires}",
                         "request {id} · run {run} · by {by} · until {expires}"),
    "tg.approval.yes": ("✅ Одобрить", "✅ Approve"),
    "tg.approval.no": ("❌ Отклонить", "❌ Deny"),
    "tg.approval.view_only": ("Роль {role}: только просмотр, одобрять нельзя.",
                              "Role {role}: view only, cannot approve."),
    "tg.approval.diff_file": ("Изменения для запроса {id}", "Changes for request {id}"),
    "tg.approval.thanks_yes": ("Одобрено.", "Approved."),
    "tg.approval.thanks_no": ("Отклонено.", "Denied."),
    "tg.approval.stale": ("Уже решено или устарело: ничего не изменено.",
                          "Already answered or out of date: nothing changed."),
    "tg.approval.refused.unknown": ("Такого запроса нет: ничего не изменено.",
                                    "No such request: nothing changed."),
    "tg.approval.refused.expired": ("Время истекло: запрос уже отклонён.",
                                    "Too late: the request has expired and was denied."),
    "tg.approval.refused.answered": ("Уже решено: второй ответ ничего не меняет.",
                                     "Already answered: a second answer changes nothing."),
    "tg.approval.refused.abandoned": ("Запуск, ждавший ответа, остановлен: ничего не "
                                      "выполнено.", "The run that waited has stopped: "
                                      "nothing ran."),
    "tg.approval.refused.forbidden": ("Роль {role} не может одобрять команды.",
                                      "Role {role} cannot approve commands."),
    "tg.approval.settled.approved": ("Одобрено", "Approved"),
    "tg.approval.settled.denied": ("Отклонено", "Denied"),
    "tg.approval.settled.expired": ("Время истекло: отклонено", "Expired: denied"),
    "tg.approval.settled.timed_out": ("Нет ответа вовремя: отклонено",
                                      "No answer in time: denied"),
    "tg.approval.settled.cancelled": ("Запуск остановлен", "The run stopped"),
    "tg.approval.settled.abandoned": ("Запуск остановлен", "The run stopped"),
    "tg.alert.run": ("▶ Выполнить", "▶ Run it"),
    "tg.alert.show": ("📄 Отчёт", "📄 Report"),
    "tg.alert.mark_read": ("✓ Прочитано", "✓ Mark read"),
    "tg.alert.read": ("Отмечено как прочитанное.", "Marked as read."),
    "tg.alert.gone": ("Уведомления уже нет.", "That notification is gone."),
    "tg.alert.started": ("Запускаю.", "Starting."),
    "tg.alert.no_report": ("Отчёта нет.", "No report."),
    "tg.err.unknown_server": ("Неизвестный сервер «{name}». Список: /servers",
                              "Unknown server '{name}'. See /servers"),
    "tg.err.user": ("Не удалось изменить настройки.", "Could not change the settings."),
    "tg.err.nothing_to_cancel": ("Нечего отменять: у вас нет задач в работе.",
                                 "Nothing to cancel: you have no task in progress."),
    "tg.err.generic": ("Что-то пошло не так; подробности в журнале Штурмана.",
                       "Something went wrong; the details are in Shturman's log."),
    "tg.err.no_linked_users": ("бот не запущен: нет ни одного пользователя с Telegram id, а "
                               "посторонним бот не отвечает. Добавьте: shturman user add ИМЯ "
                               "--role operator --telegram-id N",
                               "the bot did not start: no user has a Telegram id, and the bot "
                               "never answers strangers. Add one: shturman user add NAME "
                               "--role operator --telegram-id N"),
    "tg.err.no_token": ("токен бота не задан: SHTURMAN_TELEGRAM__TOKEN, telegram.token в "
                        "shturman.yaml или shturman bot set-token",
                        "no bot token: set SHTURMAN_TELEGRAM__TOKEN, telegram.token in "
                        "shturman.yaml, or run shturman bot set-token"),
    "tg.err.bad_token": ("токен бота имеет неверный вид (ожидается ЧИСЛО:СТРОКА от @BotFather)",
                         "the bot token is malformed (expected NUMBER:STRING from @BotFather)"),
    "tg.err.token_rejected": ("Telegram отклонил токен бота: проверьте его у @BotFather",
                              "Telegram rejected the bot token: check it with @BotFather"),
    "tg.err.unreachable": ("Bot API недоступен ({reason}): проверьте telegram.api_url и сеть",
                           "the Bot API is unreachable ({reason}): check telegram.api_url and "
                           "the network"),
    "tg.bot.ready": ("shturman bot: бот @{username} работает (пользователей с Telegram: {users}); "
                     "остановка — SIGTERM или Ctrl-C.",
                     "shturman bot: bot @{username} is running ({users} Telegram users); "
                     "stop with SIGTERM or Ctrl-C."),
    "tg.bot.token_saved": ("Токен бота сохранён в хранилище (зашифрован).",
                           "Bot token stored in the vault (encrypted)."),
    "tg.bot.empty_token": ("Пустой токен во входном потоке.", "Empty token on stdin."),
    # monitoring: alerts, `shturman health`, `shturman monitor` (issue 12)
    "monitor.alert.down": ("{server}: {check} — не работает", "{server}: {check} is down"),
    "monitor.alert.failing": ("{server}: {check} — сбой", "{server}: {check} is failing"),
    "monitor.alert.recovered": ("{server}: {check} — снова в норме",
                                "{server}: {check} has recovered"),
    "monitor.alert.since": ("Состояние с {since}.", "In this state since {since}."),
    "monitor.alert.run_started": ("Запущена диагностика и починка (autofix: {autofix}): "
                                  "shturman runs follow {id}",
                                  "A diagnosis and repair run started (autofix: {autofix}): "
                                  "shturman runs follow {id}"),
    "monitor.alert.repair_hint": ("Автопочинка выключена. Починить: shturman run \"{text}\"",
                                  "Autofix is off. To repair: shturman run \"{text}\""),
    "monitor.check.reachability": ("доступность", "reachability"),
    "monitor.check.disk": ("диск", "disk"),
    "monitor.check.memory": ("память", "memory"),
    "monitor.check.load": ("нагрузка", "load"),
    "monitor.check.failed_units": ("упавшие юниты", "failed units"),
    "monitor.check.service": ("сервис {target}", "service {target}"),
    "monitor.check.http": ("HTTP {target}", "HTTP {target}"),
    "monitor.state.ok": ("норма", "ok"),
    "monitor.state.failing": ("сбой", "failing"),
    "monitor.state.down": ("не работает", "down"),
    "monitor.state.recovered": ("восстановлен", "recovered"),
    "health.none": ("Проверок ещё не было: их запускает shturman serve или shturman monitor "
                    "(или сейчас: shturman monitor --once).",
                    "No checks have run yet: shturman serve or shturman monitor runs them "
                    "(or now: shturman monitor --once)."),
    "health.column.server": ("сервер", "server"),
    "health.column.check": ("проверка", "check"),
    "health.column.state": ("состояние", "state"),
    "health.column.since": ("с", "since"),
    "health.column.detail": ("подробности", "detail"),
    "health.column.at": ("когда", "at"),
    "health.summary": ("Проверок: {total}; в норме: {ok}; сбой: {failing}; не работает: "
                       "{down}.",
                       "Checks: {total}; ok: {ok}; failing: {failing}; down: {down}."),
    "monitor.ready": ("shturman monitor: проверяю серверов: {servers}, каждые {interval} с; "
                      "остановка — SIGTERM или Ctrl-C.",
                      "shturman monitor: watching {servers} servers every {interval} s; stop "
                      "with SIGTERM or Ctrl-C."),
    "monitor.disabled": ("Мониторинг выключен (monitoring.enabled: false).",
                         "Monitoring is disabled (monitoring.enabled: false)."),
    # --- config backups (shturman backup …, docs/backups.md) ---
    "backup.committed": ("{server}: коммит {commit}, изменено файлов: {count}",
                         "{server}: commit {commit}, {count} file(s) changed"),
    "backup.unchanged": ("{server}: без изменений", "{server}: no change"),
    "backup.server_failed": ("{server}: копия не снята — {error}",
                             "{server}: not backed up — {error}"),
    "backup.skipped": ("пропущен {path} ({reason}: {rule})", "skipped {path} ({reason}: {rule})"),
    "backup.pushed": ("Отправлено в удалённый репозиторий.", "Pushed to the remote."),
    "backup.push_failed": ("Не удалось отправить в удалённый репозиторий: {error}. Коммиты "
                           "сохранены локально и будут отправлены в следующий раз.",
                           "Push to the remote failed: {error}. The commits are kept locally "
                           "and pushed next time."),
    "backup.none": ("Резервных копий пока нет.", "No backups yet."),
    "backup.restore_same": ("{path} уже совпадает с копией {commit}: нечего восстанавливать.",
                            "{path} already matches backup {commit}: nothing to restore."),
    "backup.restored": ("{server}:{path} восстановлен из копии {commit}.",
                        "{server}:{path} restored from backup {commit}."),
    "backup.snapshot": ("Прежнее содержимое сохранено в коммите {commit}.",
                        "The previous content is saved in commit {commit}."),
    "backup.restore_refused": ("Файл не восстановлен ({outcome}). {detail}",
                               "The file was not restored ({outcome}). {detail}"),
    "err.backup_no_backup": ("Нет резервной копии {server}:{path}{at}. Список: shturman backup "
                             "list {server}",
                             "No backup of {server}:{path}{at}. See `shturman backup list "
                             "{server}`"),
    "err.backup_unknown_commit": ("Коммит «{commit}» не найден в репозитории копий. Список: "
                                  "shturman backup list",
                                  "Commit '{commit}' is not in the backup repository. See "
                                  "`shturman backup list`"),
    "err.backup_redacted": ("Копия {server}:{path}{at} хранится с замаскированными секретами "
                            "({detail}): её нельзя восстановить. Восстановите файл вручную.",
                            "The backup of {server}:{path}{at} has secrets redacted "
                            "({detail}): it cannot be restored. Restore this file by hand."),
    "err.backup_excluded": ("{server}:{path} не копируется ({detail}): восстановить нечего.",
                            "{server}:{path} is never backed up ({detail}): nothing to "
                            "restore."),
    "err.backup_directory": ("{server}:{path} — каталог: восстанавливайте файлы по одному.",
                             "{server}:{path} is a directory: restore its files one at a "
                             "time."),
    "err.backup_not_text": ("Копия {server}:{path} не текстовый файл ({detail}): "
                            "восстановите её вручную.",
                            "The backup of {server}:{path} is not a text file ({detail}): "
                            "restore it by hand."),
    "err.backup_unreadable": ("Не удалось прочитать {server}:{path}: {detail}",
                              "Cannot read {server}:{path}: {detail}"),
    "err.backup_disabled": ("Резервное копирование выключено (backups.enabled: false).",
                            "Backups are disabled (backups.enabled: false)."),
    "err.backup_repository": ("Репозиторий резервных копий недоступен: {detail}",
                              "The backup repository is unusable: {detail}"),
    "err.backup_push": ("Не удалось отправить копии: {detail}", "Push failed: {detail}"),
    "err.backup_failed": ("Резервное копирование не удалось: {detail}",
                          "Backup failed: {detail}"),
    # web app (issue 11)
    "web.brand": ("Штурман", "Shturman"),
    "web.nav.runs": ("Запуски", "Runs"),
    "web.nav.new_run": ("Новая задача", "New run"),
    "web.nav.approvals": ("Одобрения", "Approvals"),
    "web.nav.servers": ("Серверы", "Servers"),
    "web.nav.audit": ("Журнал", "Audit"),
    "web.nav.settings": ("Настройки", "Settings"),
    "web.nav.notifications": ("Уведомления", "Notifications"),
    "web.logout": ("Выйти", "Log out"),
    "web.login.title": ("Вход", "Log in"),
    "web.login.no_users": ("Пользователей с паролем ещё нет, пароля по умолчанию тоже нет. "
                           "Создайте администратора на сервере Штурмана:",
                           "No user has a password yet, and there is no default password. "
                           "Create an admin on the Shturman machine:"),
    "web.login.name": ("Имя", "Name"),
    "web.login.password": ("Пароль", "Password"),
    "web.login.submit": ("Войти", "Log in"),
    "web.login.wrong": ("Неверное имя или пароль.", "Wrong name or password."),
    "web.login.expired": ("Форма входа устарела: попробуйте ещё раз.",
                          "The login form has expired: please try again."),
    "web.login.throttled": ("Слишком много неудачных попыток входа. Повторите через {seconds} с.",
                            "Too many failed login attempts. Try again in {seconds} s."),
    "web.runs.title": ("Запуски", "Runs"),
    "web.runs.none": ("Запусков ещё не было.", "No runs yet."),
    "web.col.when": ("Когда", "When"),
    "web.col.request": ("Запрос", "Request"),
    "web.col.servers": ("Серверы", "Servers"),
    "web.col.server": ("Сервер", "Server"),
    "web.col.mode": ("Режим", "Mode"),
    "web.col.status": ("Состояние", "Status"),
    "web.col.actor": ("Кто", "Who"),
    "web.col.command": ("Команда", "Command"),
    "web.col.decision": ("Решение", "Decision"),
    "web.col.outcome": ("Итог", "Outcome"),
    "web.run_new.title": ("Новая задача для агента", "A new task for the agent"),
    "web.run_new.text": ("Что сделать", "What to do"),
    "web.run_new.example": ("например: покажи место на диске на local",
                            "e.g. show disk usage on local"),
    "web.run_new.server": ("Сервер", "Server"),
    "web.run_new.server_auto": ("— по тексту запроса —", "— from the request —"),
    "web.run_new.mode": ("Режим", "Mode"),
    "web.run_new.submit": ("Запустить", "Start"),
    "web.mode.interactive": ("интерактивный: изменения — после одобрения",
                             "interactive: changes wait for an approval"),
    "web.mode.autonomous": ("автономный: известные изменения без вопроса",
                            "autonomous: known changes without asking"),
    "web.mode.dry_run": ("пробный: ничего не менять", "dry run: change nothing"),
    "web.mode.readonly": ("только чтение", "read only"),
    "web.run.title": ("Запуск", "Run"),
    "web.run.live": ("Выполняется — события появляются по мере записи.",
                     "Running — events appear as they are stored."),
    "web.run.commands": ("Команды (журнал)", "Commands (audit)"),
    "web.run.full_output": ("полный вывод", "full output"),
    "web.output.none": ("Команда ничего не вывела.", "The command printed nothing."),
    "web.ev.started": ("Запуск: {text}", "Started: {text}"),
    "web.ev.started_detail": ("режим {mode}, маршрут {route}, серверы: {servers}",
                              "mode {mode}, route {route}, servers: {servers}"),
    "web.ev.plan": ("План", "Plan"),
    "web.ev.step": ("Шаг: {step}", "Step: {step}"),
    "web.ev.step_ok": ("Шаг {step} выполнен", "Step {step} done"),
    "web.ev.step_failed": ("Шаг {step} не удался", "Step {step} failed"),
    "web.ev.policy": ("Политика: {decision} — {server}: {command}",
                      "Policy: {decision} — {server}: {command}"),
    "web.ev.approval_requested": ("Нужно одобрение — {server}: {command}",
                                  "Approval needed — {server}: {command}"),
    "web.ev.answer": ("ответить", "answer"),
    "web.ev.finished": ("{server}: {command} → {outcome} (код {code})",
                        "{server}: {command} → {outcome} (exit {code})"),
    "web.ev.escalated": ("Передано человеку: {reason}", "Escalated to a person: {reason}"),
    "web.ev.run_finished": ("Готово: {status}", "Finished: {status}"),
    "web.approvals.title": ("Ждут одобрения", "Waiting for approval"),
    "web.approval.title": ("Запрос одобрения", "Approval request"),
    "web.approval.requested_by": ("запросил", "requested by"),
    "web.approval.run": ("запуск", "run"),
    "web.approval.approve": ("Одобрить", "Approve"),
    "web.approval.deny": ("Отклонить", "Deny"),
    "web.approval.status.pending": ("ждёт ответа", "waiting"),
    "web.approval.status.approved": ("одобрено", "approved"),
    "web.approval.status.denied": ("отклонено", "denied"),
    "web.approval.status.expired": ("время истекло: отклонено", "expired: denied"),
    "web.approval.status.cancelled": ("запуск остановлен до ответа",
                                      "the run stopped before an answer"),
    "web.approval.status.abandoned": ("ждавший процесс остановлен",
                                      "the waiting process is gone"),
    "web.notifications.none": ("Уведомлений нет.", "No notifications."),
    "web.notifications.read_all": ("отметить все прочитанными", "mark all read"),
    "web.notifications.mark_read": ("прочитано", "mark read"),
    "web.action.answer_approval": ("Ответить", "Answer"),
    "web.action.show_run": ("Открыть запуск", "Open the run"),
    "web.action.delegate": ("Поручить агенту", "Delegate to the agent"),
    "web.servers.title": ("Серверы", "Servers"),
    "web.servers.address": ("Адрес", "Address"),
    "web.servers.aliases": ("Другие имена", "Aliases"),
    "web.servers.services": ("Сервисы", "Services"),
    "web.servers.tags": ("Метки", "Tags"),
    "web.servers.profile": ("Профиль", "Profile"),
    "web.servers.source": ("Откуда", "Source"),
    "web.servers.add_hint": ("Добавить сервер: shturman server add ИМЯ --host АДРЕС …",
                             "Add a server: shturman server add NAME --host ADDRESS …"),
    "web.audit.title": ("Журнал аудита", "Audit log"),
    "web.audit.since": ("С", "From"),
    "web.audit.until": ("По", "To"),
    "web.audit.filter": ("Показать", "Filter"),
    "web.audit.none": ("Нет записей.", "No entries."),
    "web.audit.action": ("Действие", "Action"),
    "web.audit.detail": ("Подробности", "Detail"),
    "web.settings.title": ("Мои настройки", "My settings"),
    "web.settings.language": ("Язык", "Language"),
    "web.settings.save": ("Сохранить", "Save"),
    "web.notice.approved": ("Одобрено: запуск продолжается.", "Approved: the run goes on."),
    "web.notice.denied": ("Отклонено: команда не будет выполнена.",
                          "Denied: the command will not run."),
    "web.notice.answered": ("На этот запрос уже ответили: второй ответ ничего не меняет.",
                            "This request was already answered: a second answer changes "
                            "nothing."),
    "web.notice.expired": ("Время запроса истекло: он отклонён, ничего не выполнено.",
                           "The request has expired: it was denied, nothing ran."),
    "web.notice.abandoned": ("Процесс, ждавший ответа, остановлен: ничего не выполнено.",
                             "The waiting process has stopped: nothing ran."),
    "web.notice.unknown_approval": ("Такого запроса одобрения нет.",
                                    "There is no such approval request."),
    "web.notice.forbidden": ("Ваша роль не может отвечать на запросы одобрения.",
                             "Your role cannot answer approval requests."),
    "web.notice.read": ("Отмечено прочитанным.", "Marked read."),
    "web.notice.all_read": ("Все уведомления прочитаны.", "All notifications marked read."),
    "web.notice.saved": ("Сохранено.", "Saved."),
    "web.notice.logged_out": ("Вы вышли.", "You have logged out."),
    "web.notice.run_started": ("Задача запущена.", "The run has started."),
    "web.err.login": ("Нужен вход: сессия или API-токен (shturman user token ИМЯ).",
                      "Authentication needed: a session or an API token "
                      "(shturman user token NAME)."),
    "web.err.forbidden": ("Недостаточно прав: нужна роль {role} или выше.",
                          "Not allowed: this needs the {role} role or higher."),
    "web.err.csrf": ("Запрос отклонён: нет токена формы (CSRF). Обновите страницу и повторите.",
                     "Request refused: the form token (CSRF) is missing. Reload the page and "
                     "try again."),
    "web.err.not_found": ("Страница не найдена.", "Page not found."),
    "web.err.http": ("Ошибка запроса ({status}).", "Request error ({status})."),
    "web.err.invalid": ("Неверные данные формы: {fields}.", "Invalid form data: {fields}."),
    "web.err.unknown_server": ("Неизвестный сервер «{name}». Список — на странице «Серверы».",
                               "Unknown server '{name}'. See the Servers page."),
    "web.err.unknown_run": ("Запуск «{id}» не найден.", "No run '{id}'."),
    "web.ready": ("shturman web: {url} (остановка — SIGTERM или Ctrl-C)",
                  "shturman web: {url} (stop with SIGTERM or Ctrl-C)"),
    "user.token.issued": ("API-токен для {name} (показан один раз, сохраните его):",
                          "API token for {name} (shown once, keep it safe):"),
    "user.token.revoked": ("Отозвано токенов и сессий пользователя {name}: {count}.",
                           "Tokens and sessions of {name} revoked: {count}."),
}


def t(key: str, lang: str = "ru", **values: object) -> str:
    ru, en = CATALOGUE[key]
    return (ru if lang == "ru" else en).format(**values)


def approval_line(decided: ApprovalDecided, lang: str = "ru") -> str:
    """``approval: OUTCOME (APPROVER) — NOTE`` of an ``approval_decided`` event, all in one
    language: the note is recognised by who decided and how (a closed set of approvers), and an
    unknown note is shown only in English mode."""
    outcome, approver, note = decided.outcome, decided.approver, decided.note
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
