// Shturman's service worker: shows a Web Push (JSON {title, body, url, tag}, decrypted by the
// browser) and opens its page of this app on click. Nothing is cached; no other work.
"use strict";

function sameOrigin(url) {
  try {
    var target = new URL(url || "/notifications", self.location.origin);
    return target.origin === self.location.origin ? target.href
      : new URL("/notifications", self.location.origin).href;
  } catch (e) {
    return new URL("/notifications", self.location.origin).href;
  }
}

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  var title = data.title || "Shturman";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    tag: data.tag || undefined,
    data: { url: sameOrigin(data.url) }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || sameOrigin("/");
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true })
    .then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if (windows[i].url === url && "focus" in windows[i]) return windows[i].focus();
      }
      return self.clients.openWindow(url);
    }));
});
