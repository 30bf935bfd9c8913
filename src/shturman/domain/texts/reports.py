"""What a run's report says: outcomes the loop reports, and the title of each routine request."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # key: (ru, en)
    "report.unknown": (
        "Неизвестный сервер: {names}. Известные: {known}.",
        "Unknown server: {names}. Known: {known}.",
    ),
    "report.nothing": (
        "Не вижу в запросе задачи для серверов. Например: «сколько места на диске», «перезапусти "
        "nginx на проде».",
        'I see no server task in this request. Try: "disk usage", "restart nginx on prod".',
    ),
    "report.no_model": (
        "Эта задача требует языковой модели, а она не настроена. Задайте SHTURMAN_LLM__PROVIDER "
        "(openai|anthropic), SHTURMAN_LLM__MODEL, SHTURMAN_LLM__BASE_URL и SHTURMAN_LLM__API_KEY "
        "или раздел llm: в shturman.yaml. Рутинные запросы работают и без модели.",
        "This task needs a language model and none is configured. Set SHTURMAN_LLM__PROVIDER "
        "(openai|anthropic), SHTURMAN_LLM__MODEL, SHTURMAN_LLM__BASE_URL and "
        "SHTURMAN_LLM__API_KEY, or the llm: section of shturman.yaml. Routine requests work "
        "without a model.",
    ),
    "report.limit": (
        "Остановлено: {why}. Сделанное сохранено в журнале.",
        "Stopped: {why}. What was done is in the audit log.",
    ),
    "report.escalated": (
        "Нужен человек: после нескольких попыток задача не решена.\n{report}",
        "A human is needed: the task is not solved after several attempts.\n{report}",
    ),
    "report.model_failed": (
        "Модель не дала пригодного ответа: {why}. Ничего не изменено после этого.",
        "The model gave no usable answer: {why}. Nothing more was changed.",
    ),
    "report.status": (
        "Статус: {status}{verified}",
        "Status: {status}{verified}",
    ),
    "report.verified": (
        ", проверено",
        ", verified",
    ),
    "report.not_verified": (
        ", НЕ подтверждено проверкой",
        ", NOT verified",
    ),
    "report.ask_service": (
        "Под «{part}» подходят несколько сервисов: {candidates}. Уточните, какой именно, — "
        "ничего не запускалось.",
        "Several services match '{part}': {candidates}. Say which one; nothing was run.",
    ),
    "report.ask_servers": (
        "Не ясно, какие серверы имеются в виду: подходят {candidates}. Назовите их явно, — "
        "ничего не запускалось.",
        "It is not clear which servers you mean: {candidates} fit. Name them; nothing was run.",
    ),
    "report.blocked": (
        "заблокировано политикой",
        "blocked by the policy",
    ),
    "report.denied": (
        "не одобрено",
        "not approved",
    ),
    "report.unprovable": (
        "Команда выполнена, но проверки, подтверждающей её результат, нет: {what}. Статус "
        "«escalated» — проверьте результат сами.",
        "The command ran, but no probe can confirm what it did: {what}. Status 'escalated': "
        "check the result yourself.",
    ),
    "intent.disk_usage": (
        "Место на диске",
        "Disk usage",
    ),
    "intent.memory_usage": (
        "Память",
        "Memory",
    ),
    "intent.cpu_load": (
        "Нагрузка",
        "Load",
    ),
    "intent.uptime": (
        "Время работы",
        "Uptime",
    ),
    "intent.service_status": (
        "Состояние сервиса",
        "Service status",
    ),
    "intent.service_logs": (
        "Логи сервиса",
        "Service logs",
    ),
    "intent.service_start": (
        "Запуск сервиса",
        "Service start",
    ),
    "intent.service_stop": (
        "Остановка сервиса",
        "Service stop",
    ),
    "intent.service_restart": (
        "Перезапуск сервиса",
        "Service restart",
    ),
    "intent.service_repair": (
        "Ремонт сервиса",
        "Service repair",
    ),
    "intent.open_ports": (
        "Открытые порты",
        "Open ports",
    ),
    "intent.port_owner": (
        "Кто слушает порт",
        "Port owner",
    ),
    "intent.docker_ps": (
        "Контейнеры",
        "Containers",
    ),
    "intent.docker_logs": (
        "Логи контейнера",
        "Container logs",
    ),
    "intent.docker_restart": (
        "Перезапуск контейнера",
        "Container restart",
    ),
    "intent.health_overview": (
        "Общее состояние",
        "Health overview",
    ),
    "intent.error_scan": (
        "Ошибки в логах",
        "Errors in logs",
    ),
    "intent.reboot_host": (
        "Перезагрузка",
        "Reboot",
    ),
    "intent.process_list": (
        "Процессы",
        "Processes",
    ),
    "intent.run_command": (
        "Команда",
        "Command",
    ),
}
