// Live pages: new entries appear without a reload. The page works without
// this script (a reload shows them); it only asks the page's polling
// address, which the page cache answers, every 30 seconds or so.
(function () {
  "use strict";
  var section = document.getElementById("live");
  var list = document.getElementById("live-entries");
  if (!section || !list || !window.fetch || !("content" in document.createElement("template"))) return;
  var poll = section.getAttribute("data-poll");
  var latest = parseInt(section.getAttribute("data-latest"), 10) || 0;
  var status = document.getElementById("live-status");
  var announcer = document.getElementById("live-announcer");
  var EVERY = 30000;
  var timer = null;
  var busy = false;
  var stopped = false;
  var asked = Date.now();

  function schedule() {
    if (stopped) return;
    window.clearTimeout(timer);
    // A little spread, so that readers who opened the page together do
    // not all ask in the same second.
    timer = window.setTimeout(check, EVERY + Math.floor(Math.random() * 3000));
  }

  function announce(text) {
    if (announcer) announcer.textContent = text;
  }

  // `entries` come newest first: the oldest is put on top first.
  function insert(entries) {
    var added = 0;
    for (var i = entries.length - 1; i >= 0; i--) {
      var entry = entries[i];
      if (typeof entry.id !== "number" || typeof entry.html !== "string") continue;
      if (entry.id > latest) latest = entry.id;
      if (document.getElementById("entry-" + entry.id)) continue;
      var holder = document.createElement("template");
      holder.innerHTML = entry.html;
      var node = holder.content.firstElementChild;
      if (!node) continue;
      node.classList.add("live-entry-new");
      list.insertBefore(node, list.firstChild);
      added += 1;
    }
    section.setAttribute("data-latest", String(latest));
    var empty = document.getElementById("live-empty");
    if (added && empty) empty.parentNode.removeChild(empty);
    return added;
  }

  function ended(text) {
    stopped = true;
    window.clearTimeout(timer);
    if (status && typeof text === "string") {
      status.textContent = text;
      status.classList.add("live-status-ended");
    }
    announce(typeof text === "string" ? text : "Live coverage has ended.");
  }

  function check() {
    if (busy || stopped) return;
    busy = true;
    asked = Date.now();
    fetch(poll + "?after=" + latest, {
      headers: { Accept: "application/json" },
      cache: "no-cache",
      credentials: "omit"
    })
      .then(function (res) {
        if (!res.ok) throw new Error("status " + res.status);
        return res.json();
      })
      .then(function (data) {
        busy = false;
        var added = insert(Array.isArray(data.entries) ? data.entries : []);
        if (added) announce(added === 1 ? "1 new update" : added + " new updates");
        if (data.more) announce("More new updates than shown: reload the page to see them all.");
        if (data.live === false) ended(data.ended);
        else schedule();
      })
      .catch(function () {
        busy = false;
        schedule();
      });
  }

  // Back to a tab left open: ask at once rather than at the next turn.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && Date.now() - asked > 5000) {
      window.clearTimeout(timer);
      check();
    }
  });
  schedule();
})();
