"""The health page of the web app and its /metrics endpoint (issue 12). The page's titles and
series names are in ``monitoring.py`` (``web.health.*``); these are the rest."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # key: (ru, en)
    "web.health.link": ("здоровье", "health"),
    "web.health.unknown_server": ("Сервер «{name}» не найден.", "No server named “{name}”."),
    "web.health.col.changed": ("изменилось", "changed"),
    "web.health.col.failures": ("сбоев подряд", "failures in a row"),
    "web.health.col.incident": ("инцидент", "incident"),
    "web.health.col.ok": ("успех", "ok"),
    "web.health.col.value": ("значение", "value"),
    "web.health.col.duration": ("длительность, с", "duration, s"),
    "web.health.run": ("прогон {run}", "run {run}"),
    "web.health.readings": ("замеров: {count}", "readings: {count}"),
    "web.health.axis.now": ("сейчас", "now"),
    "web.health.axis.hours_ago": ("−{hours} ч", "−{hours} h"),
    "web.health.updated": ("Обновлено {at} UTC", "Updated {at} UTC"),
    "web.metrics.forbidden": ("Метрики доступны по API-токену или администратору.",
                              "Metrics need an API token or an admin session."),
}
