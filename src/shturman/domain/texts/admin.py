"""Servers and settings edited from the web app (admin)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # key: (ru, en)
    # --- servers: list, form, test, delete ---
    "admin.servers.add": ("Добавить сервер", "Add a server"),
    "admin.servers.actions": ("Действия", "Actions"),
    "admin.servers.edit": ("Изменить", "Edit"),
    "admin.servers.test": ("Проверить", "Test"),
    "admin.servers.delete": ("Удалить", "Delete"),
    "admin.servers.in_config": ("из файла конфигурации — правьте {where}",
                                "from the config file — edit {where}"),
    "admin.servers.viewer_hint": ("Добавлять и менять серверы может администратор.",
                                  "An admin adds and changes servers."),
    "admin.form.title_add": ("Новый сервер", "New server"),
    "admin.form.title_edit": ("Сервер {name}", "Server {name}"),
    "admin.form.name": ("Имя (латиница, цифры, . _ -)", "Name (letters, digits, . _ -)"),
    "admin.form.host": ("Адрес", "Host"),
    "admin.form.port": ("Порт SSH", "SSH port"),
    "admin.form.user": ("Пользователь SSH", "SSH user"),
    "admin.form.auth": ("Вход", "Authentication"),
    "admin.auth.key": ("ключ", "key"),
    "admin.auth.password": ("пароль", "password"),
    "admin.auth.agent": ("агент SSH (ssh-agent)", "ssh-agent"),
    "admin.auth.local": ("эта машина (без SSH)", "this machine (no SSH)"),
    "admin.form.key_path": ("Файл ключа на машине Shturman", "Key file on the Shturman machine"),
    "admin.form.key_text": ("…или текст закрытого ключа", "…or the private key's text"),
    "admin.form.passphrase": ("Пароль ключа", "Key passphrase"),
    "admin.form.password": ("Пароль SSH", "SSH password"),
    "admin.form.aliases": ("Другие имена (через запятую)", "Aliases (comma-separated)"),
    "admin.form.services": ("Сервисы (через запятую)", "Services (comma-separated)"),
    "admin.form.tags": ("Метки (через запятую)", "Tags (comma-separated)"),
    "admin.form.profile": ("Профиль доступа", "Access profile"),
    "admin.form.secrets": ("Секреты", "Secrets"),
    "admin.form.secret_hint": (
        "Секреты сразу шифруются в хранилище и больше никогда не показываются. Пустое поле — "
        "оставить сохранённое.",
        "Secrets go straight into the encrypted vault and are never shown again. An empty "
        "field keeps what is stored."),
    "admin.form.login_note": (
        "При добавлении Shturman один раз входит на сервер и закрепляет его ключ хоста; если "
        "вход не удался, сервер не добавляется.",
        "On adding, Shturman logs in once and pins the server's host key; if the login fails, "
        "nothing is added."),
    "admin.form.save": ("Сохранить", "Save"),
    "admin.form.cancel": ("Отмена", "Cancel"),
    "admin.delete.title": ("Удалить сервер {name}?", "Delete server {name}?"),
    "admin.delete.text": (
        "Сервер, его секреты в хранилище и закреплённый ключ хоста будут удалены. История "
        "запусков и журнал аудита останутся.",
        "The server, its secrets in the vault and its pinned host key are deleted. Runs and "
        "the audit log stay."),
    "admin.delete.confirm": ("Да, удалить", "Yes, delete"),
    "admin.test.title": ("Проверка {name}", "Testing {name}"),
    "admin.test.ok": ("Подключение к {name} работает.", "The connection to {name} works."),
    "admin.test.failed": ("Не удалось подключиться к {name}: {reason}",
                          "Could not connect to {name}: {reason}"),
    "admin.fact.os": ("ОС", "OS"),
    "admin.fact.kernel": ("Ядро", "Kernel"),
    "admin.fact.service_manager": ("Менеджер служб", "Service manager"),
    "admin.fact.disk": ("Диск", "Disk"),
    "admin.fact.memory": ("Память", "Memory"),
    "admin.fact.uptime": ("Время работы", "Uptime"),
    "admin.done.added": ("Сервер добавлен: вход выполнен, ключ хоста закреплён.",
                         "Server added: logged in, host key pinned."),
    "admin.done.added_local": ("Сервер добавлен.", "Server added."),
    "admin.done.saved": ("Изменения сохранены.", "Changes saved."),
    "admin.done.removed": ("Сервер удалён вместе с его секретами.",
                           "Server deleted with its secrets."),
    "admin.done.prefs": ("Личные настройки сохранены.", "Your settings are saved."),
    "admin.done.model": ("Настройки модели сохранены: они действуют со следующего запуска.",
                         "Model settings saved: they apply from the next start."),
    "admin.done.telegram": ("Доступ из Telegram изменён.", "Telegram access changed."),
    "admin.done.role": ("Роль изменена.", "Role changed."),
    "admin.done.profile": ("Профиль доступа изменён.", "Access profile changed."),
    # --- what went wrong (host errors said as what to do) ---
    "admin.hosterr.auth": ("сервер отклонил вход: проверьте пользователя и ключ или пароль",
                           "the server refused the login: check the user and the key or "
                           "password"),
    "admin.hosterr.unreachable": ("сервер недоступен ({detail})",
                                  "the server is unreachable ({detail})"),
    "admin.hosterr.host_key": (
        "ключ хоста изменился с момента закрепления — подключение отклонено; если сервер "
        "переустановлен, проверьте ключ и выполните `shturman server trust {name}`",
        "the host key changed since it was pinned — connection refused; if the server was "
        "reinstalled, check the key and run `shturman server trust {name}`"),
    "admin.hosterr.timeout": ("сервер не ответил вовремя", "the server did not answer in time"),
    "admin.err.exists": ("Имя {name} уже занято.", "The name {name} is taken."),
    "admin.err.exists_local": ("Имя local занято этой машиной.",
                               "The name local is this machine's."),
    "admin.err.exists_config": (
        "Сервер {name} задан в файле конфигурации ({where}): меняйте его там.",
        "Server {name} is defined in the config file ({where}): change it there."),
    "admin.err.unknown_server": ("Сервера {name} нет.", "There is no server {name}."),
    "admin.err.name": ("Недопустимое имя «{name}»: латиница, цифры, точка, дефис, "
                       "подчёркивание; не local.",
                       "Invalid name «{name}»: letters, digits, dot, dash, underscore; not "
                       "local."),
    "admin.err.host": ("Недопустимый адрес «{host}».", "Invalid host «{host}»."),
    "admin.err.port": ("Порт {port} вне диапазона 1–65535.", "Port {port} is not in 1–65535."),
    "admin.err.user": ("Недопустимый пользователь «{user}».", "Invalid user «{user}»."),
    "admin.err.public_key": ("Это открытый ключ: нужен закрытый.",
                             "That is a public key: the private one is needed."),
    "admin.err.not_a_key": ("Это не закрытый ключ OpenSSH/PEM.",
                            "That is not an OpenSSH/PEM private key."),
    "admin.err.password_needed": ("Для входа по паролю укажите пароль.",
                                  "Password authentication needs a password."),
    "admin.err.key_needed": ("Для входа по ключу укажите файл ключа или его текст.",
                             "Key authentication needs a key file or the key's text."),
    "admin.err.provider": ("Неизвестный провайдер «{provider}».",
                           "Unknown provider «{provider}»."),
    "admin.err.model_pair": ("Укажите и провайдера, и модель (или ни того, ни другого).",
                             "Give both a provider and a model (or neither)."),
    "admin.err.base_url": ("Адрес API должен начинаться с http:// или https://: «{url}».",
                           "The API URL must start with http:// or https://: «{url}»."),
    "admin.err.config_file": ("Файл конфигурации {path} не читается: {detail}",
                              "The config file {path} cannot be read: {detail}"),
    "admin.err.telegram_id": ("Telegram id — положительное число, а не «{value}».",
                              "A Telegram id is a positive number, not «{value}»."),
    "admin.err.last_admin": ("{name} — последний администратор: сначала назначьте другого.",
                             "{name} is the last admin: make someone else admin first."),
    "admin.err.profile": ("Неизвестный профиль «{profile}».", "Unknown profile «{profile}»."),
    "admin.err.password_short": ("Пароль должен быть не короче {length} символов.",
                                 "The password must be at least {length} characters."),
    "admin.err.password_mismatch": ("Пароли не совпадают.", "The passwords do not match."),
    # --- settings ---
    "admin.settings.personal": ("Язык и поведение", "Language and behaviour"),
    "admin.settings.delegate_ui": ("«Поручить ИИ» открывает", "«Delegate to the AI» opens"),
    "admin.delegate.chat": ("чат с агентом", "the chat with the agent"),
    "admin.delegate.task_form": ("форму задачи агента", "the agent's task form"),
    "admin.settings.voice": ("Отвечать голосом (Telegram)", "Reply by voice (Telegram)"),
    "admin.settings.admin": ("Администрирование", "Administration"),
    "admin.settings.admin_note": (
        "Эти настройки меняет только администратор; каждое изменение записывается в аудит. "
        "Агенту они недоступны.",
        "Only an admin changes these; every change is recorded in the audit log. The agent "
        "cannot reach them."),
    "admin.model.title": ("Модель", "Model"),
    "admin.model.provider": ("Провайдер", "Provider"),
    "admin.model.none": ("без модели — встроенный движок", "no model — the built-in engine"),
    "admin.model.openai": ("OpenAI-совместимый (OpenAI, Ollama, vLLM, …)",
                           "OpenAI-compatible (OpenAI, Ollama, vLLM, …)"),
    "admin.model.anthropic": ("Anthropic (облако)", "Anthropic (cloud)"),
    "admin.model.model": ("Модель", "Model"),
    "admin.model.base_url": ("Адрес API (необязательно)", "API URL (optional)"),
    "admin.model.api_key": ("Ключ API", "API key"),
    "admin.model.key_stored": ("ключ сохранён в хранилище", "a key is stored in the vault"),
    "admin.model.key_none": ("ключ не сохранён", "no key stored"),
    "admin.model.key_in_file": ("файл конфигурации сам задаёт ключ — он важнее хранилища",
                                "the config file sets a key itself — it wins over the vault"),
    "admin.model.forget_key": ("Удалить сохранённый ключ", "Remove the stored key"),
    "admin.model.note": (
        "Сохраняется в {path} (раздел llm:, без ключа; ключ — в зашифрованном хранилище) и "
        "действует со следующего запуска. Переменные SHTURMAN_LLM__* важнее файла.",
        "Saved in {path} (the llm: section, without the key; the key goes to the encrypted "
        "vault) and applies from the next start. SHTURMAN_LLM__* variables win over the file."),
    "admin.model.running": ("Сейчас работает: {what}", "Running now: {what}"),
    "admin.tg.title": ("Пользователи и доступ из Telegram", "Users and Telegram access"),
    "admin.tg.note": ("Бот отвечает только пользователям с привязанным Telegram id.",
                      "The bot answers only users with a linked Telegram id."),
    "admin.tg.user": ("Пользователь", "User"),
    "admin.tg.role": ("Роль", "Role"),
    "admin.tg.id": ("id в Telegram", "Telegram id"),
    "admin.tg.none": ("не привязан", "not linked"),
    "admin.tg.link": ("Привязать", "Link"),
    "admin.tg.unlink": ("Отвязать", "Unlink"),
    "admin.tg.set_role": ("Сменить роль", "Change role"),
    "admin.profiles.title": ("Профили доступа серверов", "Servers' access profiles"),
    "admin.profiles.note": (
        "readonly — только чтение; operator — изменения с подтверждением; admin — всё, что "
        "разрешает политика.",
        "readonly — reads only; operator — changes with approval; admin — everything the "
        "policy allows."),
    "admin.profiles.fixed": ("задан в {where}", "set in {where}"),
    "admin.profiles.set": ("Применить", "Apply"),
    # --- the first screen ---
    "admin.welcome.title": ("Добро пожаловать в Shturman", "Welcome to Shturman"),
    "admin.welcome.intro": ("Вот что стоит сделать сначала:", "Here is what to do first:"),
    "admin.welcome.server": (
        "Добавьте сервер: адрес, пользователь SSH и ключ или пароль. Shturman войдёт один раз "
        "и закрепит ключ хоста.",
        "Add a server: its address, SSH user and key or password. Shturman logs in once and "
        "pins the host key."),
    "admin.welcome.telegram": (
        "Привяжите Telegram: впишите свой Telegram id в настройках, и бот будет отвечать вам "
        "(токен бота: `shturman bot set-token`).",
        "Link Telegram: enter your Telegram id in the settings and the bot will answer you "
        "(the bot token: `shturman bot set-token`)."),
    "admin.welcome.model": (
        "Подключите модель (OpenAI-совместимую или Anthropic) — или оставьте встроенный "
        "движок: диски, память, службы, логи, порты и перезапуски работают без модели.",
        "Configure a model (OpenAI-compatible or Anthropic) — or keep the built-in engine: "
        "disks, memory, services, logs, ports and restarts work without a model."),
    "admin.welcome.done": ("готово", "done"),
    "admin.welcome.go_servers": ("К серверам", "To the servers"),
    "admin.welcome.go_settings": ("К настройкам", "To the settings"),
    "admin.welcome.skip": ("Перейти к запускам", "Go to the runs"),
    "admin.welcome.switch": ("Перейти на English", "Switch to Russian"),
    # --- the one-time setup link ---
    "admin.setup.title": ("Первый администратор", "The first admin"),
    "admin.setup.intro": (
        "Создайте учётную запись администратора. Ссылка одноразовая и скоро истечёт.",
        "Create the admin account. This link works once and expires soon."),
    "admin.setup.name": ("Имя", "Name"),
    "admin.setup.password": ("Пароль", "Password"),
    "admin.setup.password2": ("Пароль ещё раз", "Password again"),
    "admin.setup.create": ("Создать администратора", "Create the admin"),
    "admin.setup.refused": (
        "Ссылка недействительна: она уже использована или истекла, либо администратор уже "
        "есть. Войдите, или запустите `shturman serve --open` снова.",
        "This link is not valid: it was used or has expired, or an admin exists already. Log "
        "in, or run `shturman serve --open` again."),
    "admin.cli.setup_url": (
        "Первый запуск: создайте администратора по одноразовой ссылке (действует час): {url}",
        "First run: create the admin with this one-time link (valid for an hour): {url}"),
    "admin.cli.open_url": ("Веб-приложение: {url}", "The web app: {url}"),
}
