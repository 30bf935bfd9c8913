"""Monitoring: the log check's alerts, the health pages of the web app (issue 12)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # key: (ru, en)
    "monitor.alert.log_error": ("{server}: новая ошибка в логах ({source})",
                                "{server}: a new error in the logs ({source})"),
    "monitor.alert.log_more": ("…и ещё новых ошибок: {count}", "…and {count} more new errors"),
    "monitor.check.logs": ("ошибки в логах", "errors in logs"),
    "web.nav.health": ("Здоровье", "Health"),
    "web.health.title": ("Здоровье серверов", "Server health"),
    "web.health.server_title": ("Здоровье: {server}", "Health: {server}"),
    "web.health.none": ("Проверок ещё не было: их запускает shturman serve или shturman "
                        "monitor.",
                        "No checks have run yet: shturman serve or shturman monitor runs "
                        "them."),
    "web.health.checks": ("Проверки", "Checks"),
    "web.health.chart": ("За последние {hours} ч", "The last {hours} h"),
    "web.health.no_data": ("нет данных", "no data"),
    "web.health.series.disk": ("диск, % занято", "disk, % used"),
    "web.health.series.memory": ("память, % занято", "memory, % used"),
    "web.health.series.load": ("нагрузка на ядро (15 мин)", "load per core (15 min)"),
    "web.health.series.latency": ("задержка проверки, с", "check latency, s"),
    "web.health.latest": ("последнее: {value}", "latest: {value}"),
    "web.health.range": ("мин. {low}, макс. {high}", "min {low}, max {high}"),
    "web.health.history": ("Последние результаты", "Latest results"),
    "web.health.all": ("все серверы", "all servers"),
}
