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

  // A task's card while its analysis runs: fetch the card again until it is done.
  function taskCard() {
    var card = document.getElementById("task-card");
    if (!card || !card.dataset.refresh) return;
    var url = card.dataset.refresh;
    var timer = window.setInterval(function () {
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) return;
          var box = document.createElement("div");
          box.innerHTML = html;
          var fresh = box.firstElementChild;
          if (!fresh) return;
          card.replaceWith(fresh);
          card = fresh;
          if (!fresh.dataset.refresh) window.clearInterval(timer);
        })
        .catch(function () {});
    }, 1000);
  }

  // The chat: each running run's events stream in under its message (HTML fragments).
  function chatRuns() {
    if (!window.EventSource) return;
    var boxes = document.querySelectorAll("ol.chat-run[data-stream]");
    Array.prototype.forEach.call(boxes, function (box) {
      var source = new EventSource(box.dataset.stream);
      source.addEventListener("run_event", function (e) {
        if (box.querySelector('[data-seq="' + e.lastEventId + '"]')) return;  // shown already
        box.insertAdjacentHTML("beforeend", e.data);
        box.lastElementChild.scrollIntoView({ block: "nearest" });
      });
      source.addEventListener("end", function (e) {
        source.close();
        box.dataset.status = e.data || "";
        var note = document.querySelector('.chat-live[data-run="' + box.dataset.run + '"]');
        if (note) note.hidden = true;
      });
    });
  }

  // Approve/deny inside the chat: answered in place (the approvals route's fragment).
  function chatAnswers() {
    document.addEventListener("submit", function (e) {
      var form = e.target;
      if (!form.matches || !form.matches("form[data-chat-answer]")) return;
      e.preventDefault();
      var holder = form.closest(".chat-approval");
      Array.prototype.forEach.call(holder.querySelectorAll("button"), function (b) {
        b.disabled = true;
      });
      fetch(form.action, { method: "POST", body: new FormData(form),
                           credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (r) { return r.text(); })
        .then(function (html) { holder.innerHTML = html; })
        .catch(function () { form.submit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    bell(); timeline(); taskCard(); chatRuns(); chatAnswers();
  });
})();
