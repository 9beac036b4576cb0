// Amends: the little the pages need from a script. No data leaves the page; no inline script.
(function () {
  "use strict";
  var body = document.body;
  var csrf = body.getAttribute("data-csrf") || "";

  // Lock and leave for a neutral page, replacing this page in the history.
  function quickExit() {
    var done = function () { window.location.replace("/away"); };
    try {
      fetch("/exit", {
        method: "POST",
        headers: { "X-CSRF-Token": csrf },
        credentials: "same-origin",
        redirect: "manual",
        keepalive: true
      }).then(done, done);
    } catch (e) { done(); }
    // Leave even if the request is slow.
    setTimeout(done, 400);
  }

  // The Back button can bring a page back from the browser's memory without asking the server
  // (the back-forward cache), even after a lock or a quick exit. Blank such a page as it is put
  // away, and ask the server again if it ever comes back: a locked app then shows the unlock page.
  window.addEventListener("pagehide", function (ev) {
    if (ev.persisted) { document.body.hidden = true; }
  });
  window.addEventListener("pageshow", function (ev) {
    if (ev.persisted) { document.body.hidden = true; window.location.reload(); }
  });

  var exitForm = document.getElementById("quick-exit-form");
  if (exitForm) {
    exitForm.addEventListener("submit", function (ev) { ev.preventDefault(); quickExit(); });
  }

  // Escape three times within two seconds: quick exit.
  var presses = [];
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape") { return; }
    var now = Date.now();
    presses = presses.filter(function (t) { return now - t < 2000; });
    presses.push(now);
    if (presses.length >= 3) { presses = []; quickExit(); }
  });

  // Auto-lock: after the idle minutes of the settings, lock and show the unlock page.
  var minutes = parseInt(body.getAttribute("data-autolock") || "0", 10);
  if (minutes > 0) {
    var timer = null;
    var lockNow = function () {
      fetch("/lock", { method: "POST", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin", redirect: "manual" })
        .then(function () { window.location.replace("/unlock"); }, function () { window.location.replace("/unlock"); });
    };
    var reset = function () {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(lockNow, minutes * 60 * 1000);
    };
    ["keydown", "pointerdown", "input", "scroll"].forEach(function (name) {
      document.addEventListener(name, reset, { passive: true });
    });
    reset();
  }

  // Copy buttons: <button data-copy="ID"> copies the text of the field with that id.
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest ? ev.target.closest("[data-copy]") : null;
    if (!b) { return; }
    var field = document.getElementById(b.getAttribute("data-copy"));
    if (!field) { return; }
    field.focus();
    field.select();
    var say = document.getElementById(field.id + "-copied");
    var done = function () { if (say) { say.textContent = "Copied."; } };
    var fallback = function () { try { if (document.execCommand("copy")) { done(); } } catch (e) { /* selected for copying by hand */ } };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(field.value).then(done, fallback);
    } else { fallback(); }
  });

  // Buttons that ask first: <button data-confirm="...">.
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest ? ev.target.closest("[data-confirm]") : null;
    if (el && !window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); }
  });

  // The board: move a card with the keyboard (buttons) or by dragging it to a column.
  document.addEventListener("dragstart", function (ev) {
    var card = ev.target.closest ? ev.target.closest("[data-party]") : null;
    if (card) { ev.dataTransfer.setData("text/plain", card.getAttribute("data-party")); }
  });
  document.addEventListener("dragover", function (ev) {
    if (ev.target.closest && ev.target.closest("[data-column]")) { ev.preventDefault(); }
  });
  document.addEventListener("drop", function (ev) {
    var col = ev.target.closest ? ev.target.closest("[data-column]") : null;
    if (!col) { return; }
    ev.preventDefault();
    var id = ev.dataTransfer.getData("text/plain");
    var form = document.getElementById("move-" + id + "-" + col.getAttribute("data-column"));
    if (form) { form.requestSubmit(); }
  });
})();
