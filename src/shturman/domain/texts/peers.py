"""Peers, the watchdog and power providers (monitoring)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # key: (ru, en)
    "monitor.check.agent": ("агент {target}", "agent {target}"),
    "peer.restart.title": ("{peer}: агент не отвечает — перезапуск {service} на {server}",
                           "{peer}: agent down — restarting {service} on {server}"),
    "peer.restart.body": ("SSH к {server} работает, агент Штурмана — нет ({detail}). "
                          "Запущен прогон {run}: перезапуск {service} через политику "
                          "(команда с подтверждением ждёт ответа).",
                          "SSH to {server} works, Shturman's agent does not ({detail}). "
                          "Run {run} restarts {service} through the policy (a command that "
                          "needs confirmation waits for an answer)."),
    "peer.power.title": ("{peer}: {server} не отвечает — перезагрузка через {provider}",
                         "{peer}: {server} is not answering — power-cycle via {provider}"),
    "peer.power.body": ("Не отвечают ни агент, ни SSH ({detail}). Действие: {command}. "
                        "{confirm}",
                        "Neither the agent nor SSH answers ({detail}). Action: {command}. "
                        "{confirm}"),
    "peer.power.confirm": ("Нужно подтверждение (запрос в списке подтверждений).",
                           "It needs an approval (see the approvals list)."),
    "peer.power.no_confirm": ("Подтверждение для этого пира отключено в конфигурации.",
                              "Confirmation is switched off for this peer in the config."),
    "peer.power.done": ("{peer}: {server} перезагружен через {provider}",
                        "{peer}: {server} power-cycled via {provider}"),
    "peer.power.failed": ("{peer}: перезагрузка {server} через {provider} не удалась",
                          "{peer}: power-cycle of {server} via {provider} failed"),
    "peer.power.denied": ("{peer}: перезагрузка {server} не подтверждена — не выполнена",
                          "{peer}: power-cycle of {server} not approved — not done"),
    "peer.held.title": ("{peer}: действие с {server} отложено",
                        "{peer}: action on {server} held back"),
    "peer.held.cooldown": ("Пауза после прошлого действия: следующее не раньше {until}.",
                           "Cool-down after the last action: the next one not before {until}."),
    "peer.held.hourly": ("Достигнут предел перезагрузок в час ({limit}): следующая не раньше "
                         "{until}.",
                         "The limit of power-cycles per hour ({limit}) is reached: the next "
                         "one not before {until}."),
    "peer.held.in_progress": ("Предыдущее действие ещё ждёт ответа или выполняется.",
                              "The previous action is still waiting or running."),
    "peer.held.no_provider": ("SSH к {server} не отвечает, а способ перезагрузки (power) для "
                              "этого пира не настроен.",
                              "SSH to {server} does not answer and no power provider is "
                              "configured for this peer."),
}
