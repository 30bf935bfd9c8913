"""The message catalogue shared by all interfaces: Russian and English side by side."""

from __future__ import annotations

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
    "approval.noninteractive": ("нет терминала для подтверждения — отказ",
                                "no terminal to ask for approval — denied"),
}


def t(key: str, lang: str = "ru", **values: object) -> str:
    ru, en = CATALOGUE[key]
    return (ru if lang == "ru" else en).format(**values)
