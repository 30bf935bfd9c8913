// Shturman's own script (no third-party code): live parts over server-sent events.
// Pages work without it; htmx (static/vendor, from the npm registry) adds in-place answers.
(function () {
  "use strict";

  function bell() {
    var badge = document.getElementById("bell-count");
    if (!badge) return;
    function show(n) {
      badge.dataset.count = String(n);
      badge.textContent = n > 99 ? "99+" : String(n);
      badge.hidden = n <= 0;
    }
    var timer = null;
    function poll() {
      fetch("/api/notifications/unread", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) { if (body) show(body.count); })
        .catch(function () {});
    }
    function fallback() {
      if (timer === null) { poll(); timer = window.setInterval(poll, 10000); }
    }
    if (!window.EventSource) { fallback(); return; }
    var source = new EventSource("/notifications/stream");
    source.addEventListener("count", function (e) { show(parseInt(e.data, 10) || 0); });
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) fallback();
    };
  }

  function timeline() {
    var box = document.getElementById("timeline");
    if (!box || !box.dataset.stream || !window.EventSource) return;
    var source = new EventSource(box.dataset.stream);
    source.addEventListener("run_event", function (e) {
      if (document.getElementById("ev-" + e.lastEventId)) return;  // shown already
      box.insertAdjacentHTML("beforeend", e.data);
      var status = document.getElementById("run-status");
      if (status && status.textContent === "pending") {
        status.textContent = "running";
        status.className = "status s-running";
      }
    });
    source.addEventListener("end", function (e) {
      source.close();
      var status = document.getElementById("run-status");
      if (status && e.data) {
        status.textContent = e.data;
        status.className = "status s-" + e.data;
      }
      var live = document.getElementById("run-live");
      if (live) live.hidden = true;
    });
  }

  document.addEventListener("DOMContentLoaded", function () { bell(); timeline(); });
})();
