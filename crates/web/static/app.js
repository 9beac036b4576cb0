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

  // After a change, its message stands where the change was made (the section the address
  // points to), and focus moves to it, so it is read out and seen, not left at the top of a long
  // page or behind the page's body.
  var flashes = document.querySelectorAll("main .flash");
  if (flashes.length > 0) {
    var target = null;
    if (window.location.hash.length > 1) {
      try { target = document.getElementById(decodeURIComponent(window.location.hash.slice(1))); } catch (e) { target = null; }
    }
    if (target && target.closest("main") && target.tagName !== "MAIN") {
      var heading = target.firstElementChild;
      var after = heading && /^H[1-6]$/.test(heading.tagName) ? heading : null;
      for (var i = flashes.length - 1; i >= 0; i--) {
        if (after) { after.insertAdjacentElement("afterend", flashes[i]); } else { target.insertAdjacentElement("afterbegin", flashes[i]); }
      }
    }
    var message = flashes[0];
    message.setAttribute("tabindex", "-1");
    message.focus();
    // Going to the address's #section clears the focus once the page has loaded (the browser
    // moves its starting point there): focus the message again after that.
    window.addEventListener("load", function () {
      window.setTimeout(function () { message.focus(); }, 0);
    });
  }

  // On a phone the Quick exit button floats at the bottom of the screen: a field that gets
  // focus is scrolled clear of it, so the button never covers what is being typed.
  var clearOfExit = function (el) {
    var button = exitForm ? exitForm.querySelector("button") : null;
    if (!button || !el || !el.getBoundingClientRect || exitForm.contains(el)) { return; }
    if (window.getComputedStyle(exitForm).position !== "fixed") { return; }
    var b = button.getBoundingClientRect();
    var r = el.getBoundingClientRect();
    var margin = 12;
    if (r.bottom > b.top - margin && r.top < b.bottom && r.right > b.left && r.left < b.right) {
      window.scrollBy(0, r.bottom - (b.top - margin));
    }
  };
  document.addEventListener("focusin", function (ev) {
    clearOfExit(ev.target);
    // The browser may scroll the field into view after this event: look again once it has.
    window.requestAnimationFrame(function () { clearOfExit(ev.target); });
  });

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

  // The script coach reads at most what a script can hold (data-coach-max characters): send
  // no more than that, and the length the words had, so an over-long paste is answered at once
  // with a clear word and the page never waits on a large request.
  document.addEventListener("htmx:configRequest", function (ev) {
    var el = ev.detail.elt;
    var max = el && el.getAttribute ? parseInt(el.getAttribute("data-coach-max") || "0", 10) : 0;
    if (!(max > 0)) { return; }
    var params = ev.detail.parameters;
    var usesSet = typeof params.set === "function";
    var text = String((usesSet ? params.get("script") : params.script) || "");
    if (text.length <= max) { return; }
    // Count characters as the server does (a pair of surrogates is one), noting where the
    // last one that fits ends.
    var chars = 0;
    var cut = text.length;
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      if (c >= 0xD800 && c <= 0xDBFF && i + 1 < text.length) { i++; }
      chars++;
      if (chars === max) { cut = i + 1; }
    }
    if (chars <= max) { return; }
    if (usesSet) {
      params.set("script", text.slice(0, cut));
      params.set("chars", String(chars));
    } else {
      params.script = text.slice(0, cut);
      params.chars = String(chars);
    }
  });
})();
