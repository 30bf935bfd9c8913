"""Web Push: the settings block that subscribes a browser, and the API's refusals."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # key: (ru, en)
    "push.title": ("Push-уведомления", "Push notifications"),
    "push.hint": ("Браузер покажет уведомление о новой задаче, которую может взять агент, и о "
                  "запросе подтверждения — даже когда эта страница закрыта. Подписка — для "
                  "этого устройства и этого браузера.",
                  "The browser shows a notification when the agent can take a new task and "
                  "when a command waits for approval, even with this page closed. The "
                  "subscription is for this device and this browser."),
    "push.needs_js": ("Push-уведомлениям нужен JavaScript: включите его, чтобы подписаться.",
                      "Push notifications need JavaScript: enable it to subscribe."),
    "push.subscribe": ("Подписаться на этом устройстве", "Subscribe on this device"),
    "push.unsubscribe": ("Отписать это устройство", "Unsubscribe this device"),
    "push.on": ("Это устройство подписано.", "This device is subscribed."),
    "push.off": ("Это устройство не подписано.", "This device is not subscribed."),
    "push.unsupported": ("Этот браузер не поддерживает push-уведомления (или страница открыта "
                         "не по HTTPS).",
                         "This browser does not support push notifications (or the page is "
                         "not served over HTTPS)."),
    "push.denied": ("Уведомления запрещены в настройках браузера для этого сайта.",
                    "Notifications are blocked in this browser's settings for this site."),
    "push.failed": ("Не удалось подписаться: {error}", "Could not subscribe: {error}"),
    "push.devices": ("Подписанных устройств: {count}", "Subscribed devices: {count}"),
    "push.err.taken": ("Это устройство уже подписано другим пользователем.",
                       "This device is subscribed by another user."),
    "push.err.endpoint": ("Адрес push-сервиса должен начинаться с https://.",
                          "The push service's address must start with https://."),
}
