// Web Push on this device (the block of templates/_push.html on /settings): registers the
// service worker (static/sw.js), subscribes with the server's VAPID public key and hands the
// subscription to /api/push/subscriptions (the session's CSRF token in X-CSRF-Token).
(function () {
  "use strict";

  var box = document.getElementById("push");
  if (!box) return;
  var state = document.getElementById("push-state");
  var on = document.getElementById("push-subscribe");
  var off = document.getElementById("push-unsubscribe");

  function say(text) { state.textContent = text; state.hidden = false; }

  function show(subscribed) {
    say(subscribed ? box.dataset.on : box.dataset.off);
    on.hidden = subscribed;
    off.hidden = !subscribed;
  }

  function failed(err) {
    say(box.dataset.failed.replace("{error}", String(err && err.message || err)));
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !window.isSecureContext) {
    say(box.dataset.unsupported);
    return;
  }

  function api(path, body) {
    return fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": box.dataset.csrf },
      body: JSON.stringify(body)
    });
  }

  function key(text) {  // base64url -> Uint8Array (applicationServerKey)
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    b64 += "===".slice((b64.length + 3) % 4);
    var raw = atob(b64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  var ready = navigator.serviceWorker.register("/static/sw.js", { scope: "/static/" })
    .then(function () { return navigator.serviceWorker.getRegistration("/static/"); });

  function store(sub) {
    return api("/api/push/subscriptions", sub.toJSON()).then(function (r) {
      if (r.status === 409) {  // this browser's subscription is another user's: get a new one
        return sub.unsubscribe().then(subscribe);
      }
      if (!r.ok) throw new Error("HTTP " + r.status);
      show(true);
    });
  }

  function subscribe() {
    return Notification.requestPermission().then(function (answer) {
      if (answer !== "granted") { say(box.dataset.denied); return; }
      return Promise.all([ready, fetch("/api/push/key", { credentials: "same-origin" })
        .then(function (r) { return r.json(); })])
        .then(function (both) {
          return both[0].pushManager.subscribe({
            userVisibleOnly: true, applicationServerKey: key(both[1].public_key) });
        })
        .then(store);
    });
  }

  function unsubscribe() {
    return ready.then(function (reg) { return reg.pushManager.getSubscription(); })
      .then(function (sub) {
        if (!sub) { show(false); return; }
        return api("/api/push/unsubscribe", { endpoint: sub.endpoint })
          .then(function () { return sub.unsubscribe(); })
          .then(function () { show(false); });
      });
  }

  on.addEventListener("click", function () { subscribe().catch(failed); });
  off.addEventListener("click", function () { unsubscribe().catch(failed); });
  ready.then(function (reg) { return reg.pushManager.getSubscription(); })
    .then(function (sub) {
      if (Notification.permission === "denied") { say(box.dataset.denied); return; }
      show(Boolean(sub));
    })
    .catch(failed);
})();
