/* speechcase coach review: play each flagged span, agree / dismiss with the keyboard, notes at the current time
   or on a span dragged across the timeline. Decisions are posted by htmx and saved at once. */
(function () {
  "use strict";
  var audio = document.getElementById("player");
  var card = document.getElementById("review-player");
  if (!audio || !card) { return; }
  var duration = parseFloat(card.dataset.duration) || 1;
  var timeline = document.getElementById("timeline");
  var playhead = document.getElementById("playhead");
  var selection = document.getElementById("selection");
  var now = document.getElementById("now");
  var at = document.getElementById("note-at");
  var noteText = document.getElementById("note-text");
  var error = document.getElementById("review-error");
  var stopAt = null;
  var current = -1;

  function clock(seconds) {
    var s = Math.max(0, Math.round(seconds * 10) / 10);
    var m = Math.floor(s / 60), r = s - m * 60;
    var whole = Math.floor(r);
    var tenth = Math.round((r - whole) * 10);
    return m + ":" + String(whole).padStart(2, "0") + (tenth ? "." + tenth : "");
  }

  function flags() { return Array.prototype.slice.call(document.querySelectorAll(".review-flag")); }

  function playSpan(start, end) {
    audio.currentTime = start;
    stopAt = end;
    var started = audio.play();
    if (started && started.catch) { started.catch(function () {}); }
  }

  function select(index, play) {
    var items = flags();
    if (!items.length) { return; }
    current = Math.max(0, Math.min(index, items.length - 1));
    items.forEach(function (li, k) { li.classList.toggle("current", k === current); });
    var li = items[current];
    li.focus({ preventScroll: true });
    li.scrollIntoView({ block: "nearest" });
    document.querySelectorAll(".tl-flag").forEach(function (el) {
      el.classList.toggle("current", el.dataset.flag === li.dataset.flag);
    });
    if (play) { playSpan(parseFloat(li.dataset.start), parseFloat(li.dataset.end)); }
  }

  function decide(decision) {
    var li = flags()[current];
    if (!li) { return; }
    var button = li.querySelector("button[value='" + decision + "']");
    if (button) { button.click(); }
  }

  audio.addEventListener("timeupdate", function () {
    if (stopAt !== null && audio.currentTime >= stopAt) { audio.pause(); stopAt = null; }
    now.textContent = clock(audio.currentTime);
    playhead.style.left = (100 * audio.currentTime / duration) + "%";
  });
  audio.addEventListener("seeked", function () { now.textContent = clock(audio.currentTime); });

  document.addEventListener("click", function (e) {
    var button = e.target.closest(".play-span");
    if (button) {
      var li = button.closest(".review-flag");
      if (li) { select(flags().indexOf(li), true); return; }
      playSpan(parseFloat(button.dataset.start), parseFloat(button.dataset.end));
      return;
    }
    var mark = e.target.closest(".tl-flag");
    if (mark) {
      var target = document.getElementById("rf-" + mark.dataset.flag);
      if (target) { select(flags().indexOf(target), true); }
    }
  });

  document.getElementById("note-now").addEventListener("click", function () {
    at.value = clock(audio.currentTime);
    noteText.focus();
  });

  // Drag across the timeline: the span becomes the note's time; a plain click seeks there.
  var dragFrom = null;
  function timeAt(event) {
    var box = timeline.getBoundingClientRect();
    return Math.max(0, Math.min(1, (event.clientX - box.left) / box.width)) * duration;
  }
  timeline.addEventListener("mousedown", function (e) {
    if (e.target.closest(".tl-flag")) { return; }
    dragFrom = timeAt(e);
    e.preventDefault();
  });
  document.addEventListener("mousemove", function (e) {
    if (dragFrom === null) { return; }
    var t = timeAt(e), a = Math.min(dragFrom, t), b = Math.max(dragFrom, t);
    selection.hidden = false;
    selection.style.left = (100 * a / duration) + "%";
    selection.style.width = (100 * (b - a) / duration) + "%";
  });
  document.addEventListener("mouseup", function (e) {
    if (dragFrom === null) { return; }
    var t = timeAt(e), a = Math.min(dragFrom, t), b = Math.max(dragFrom, t);
    dragFrom = null;
    if (b - a < 0.5) {
      selection.hidden = true;
      audio.currentTime = a;
      return;
    }
    at.value = clock(a) + "-" + clock(b);
    noteText.focus();
    playSpan(a, b);
  });

  document.addEventListener("keydown", function (e) {
    var typing = e.target.closest("input, textarea, select");
    if (typing || e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (e.key === " ") {
      e.preventDefault();
      stopAt = null;
      if (audio.paused) { audio.play(); } else { audio.pause(); }
    } else if (e.key === "j") { select(current + 1, true); }
    else if (e.key === "k") { select(current - 1, true); }
    else if (e.key === "a") { decide("agree"); }
    else if (e.key === "d") { decide("dismiss"); }
    else if (e.key === "n") {
      e.preventDefault();
      at.value = clock(audio.currentTime);
      noteText.focus();
    }
  });

  document.body.addEventListener("htmx:afterRequest", function (e) {
    var ok = e.detail.successful;
    error.hidden = ok;
    if (!ok) {
      var detail = "";
      try { detail = JSON.parse(e.detail.xhr.responseText).detail; } catch (err) { detail = ""; }
      error.textContent = detail || "Not saved (HTTP " + e.detail.xhr.status + "); try again.";
    } else if (e.detail.elt && e.detail.elt.id === "note-form") {
      e.detail.elt.reset();
      selection.hidden = true;
    }
  });
  // A decision swaps its flag's item for the saved one: keep that flag current and mark it on the timeline.
  document.body.addEventListener("htmx:load", function (e) {
    var li = e.detail.elt;
    if (!li.classList || !li.classList.contains("review-flag")) { return; }
    var items = flags();
    if (items[current] === li) { li.classList.add("current"); }
    var decided = li.querySelector(".decision-label").dataset.decision;
    document.querySelectorAll(".tl-flag").forEach(function (el) {
      if (el.dataset.flag === li.dataset.flag) {
        el.classList.remove("decided-agree", "decided-dismiss", "decided-unset");
        if (decided !== "none") { el.classList.add("decided-" + decided); }
      }
    });
  });
  document.addEventListener("focusin", function (e) {
    var li = e.target.closest && e.target.closest(".review-flag");
    if (li) {
      var k = flags().indexOf(li);
      if (k !== current) { current = k; flags().forEach(function (x, i) { x.classList.toggle("current", i === k); }); }
    }
  });
  if (flags().length) { select(0, false); }
}());
