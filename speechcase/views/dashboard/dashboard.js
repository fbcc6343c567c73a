/* speechcase dashboard: draws the two figures and ties flags, timeline, transcript and audio together.
   Reads only what the page carries (the JSON block and the DOM); never touches the network. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var audio = document.getElementById("player");
  var nowPlaying = document.getElementById("now-playing");
  var noAudio = document.getElementById("no-audio");
  var timeline = document.getElementById("timeline");
  var allocation = document.getElementById("allocation");
  var sentences = Array.prototype.slice.call(document.querySelectorAll(".transcript .sentence"));
  var sentenceStarts = sentences.map(function (li) { return parseFloat(li.dataset.start); });
  var selected = null;
  var current = null;
  var playheadAt = null;
  var hasAudio = false;

  // Always with a half: Plotly reads a bare 2- or 4-digit number on a date axis as a year (see figures.py).
  function ms(seconds) { return Math.round(seconds * 1000) + 0.5; }

  function clock(seconds) {
    var s = Math.max(0, Math.round(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(r).padStart(2, "0");
  }

  function plotConfig(name) {
    return {
      displaylogo: false, responsive: true, scrollZoom: false,
      modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines",
                               "hoverClosestCartesian", "hoverCompareCartesian"],
      toImageButtonOptions: { filename: data.download + "-" + name, scale: 2 }
    };
  }

  // ---- audio -------------------------------------------------------------------------------------------------
  function setUpAudio() {
    if (!audio) { return; }
    if (audio.dataset.embedded) {
      var holder = document.getElementById("dashboard-audio");
      var binary = atob(holder.textContent.trim());
      var bytes = new Uint8Array(binary.length);
      for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
      audio.src = URL.createObjectURL(new Blob([bytes], { type: holder.dataset.mime }));
    }
    hasAudio = Boolean(audio.getAttribute("src"));
    audio.addEventListener("error", function () { if (noAudio) { noAudio.hidden = false; } });
    audio.addEventListener("timeupdate", onTime);
    audio.addEventListener("seeked", onTime);
  }

  function seek(seconds, play) {
    if (!hasAudio) { return; }
    audio.currentTime = seconds;  // before the metadata arrives this sets where playback will start
    if (audio.readyState < 1) {
      audio.addEventListener("loadedmetadata", function () { audio.currentTime = seconds; }, { once: true });
    }
    if (play) {
      var started = audio.play();
      if (started && started.catch) { started.catch(function () { /* the browser wants a gesture first */ }); }
    }
    onTime();
  }

  function onTime() {
    playheadAt = audio.currentTime;
    placeMarks();
    markSentence(playheadAt);
  }

  function markSentence(t) {
    var lo = 0, hi = sentenceStarts.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (sentenceStarts[mid] <= t) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    var li = found >= 0 && t <= parseFloat(sentences[found].dataset.end) + 0.5 ? sentences[found] : null;
    if (li !== current) {
      if (current) { current.classList.remove("now"); }
      if (li) { li.classList.add("now"); }
      current = li;
    }
  }

  // ---- marks over the timeline: the selected flag and the playhead, plain elements placed on the x axis --------
  var flagMark = document.getElementById("flag-mark");
  var playhead = document.getElementById("playhead");

  function place(el, start, end) {
    var layout = timeline._fullLayout;
    if (!layout || !layout.xaxis) { return; }
    var xa = layout.xaxis, size = layout._size;
    var left = xa._offset + xa.l2p(ms(start)), right = xa._offset + xa.l2p(ms(end));
    var lo = Math.max(left, size.l), hi = Math.min(right, size.l + size.w);
    el.hidden = hi < lo;
    el.style.left = lo + "px";
    el.style.top = size.t + "px";
    el.style.height = size.h + "px";
    if (el !== playhead) { el.style.width = Math.max(hi - lo, 3) + "px"; }
  }

  function placeMarks() {
    if (selected !== null) {
      var f = data.flags[selected];
      place(flagMark, f.start, Math.max(f.end, f.start + 0.5));
    }
    if (playheadAt !== null) { place(playhead, playheadAt, playheadAt); }
  }

  function selectFlag(index, play) {
    var f = data.flags[index];
    if (!f) { return; }
    selected = index;
    document.querySelectorAll(".flag.selected").forEach(function (el) {
      el.classList.remove("selected");
      el.removeAttribute("aria-current");
    });
    var item = document.getElementById("flag-" + index);
    if (item) {
      item.classList.add("selected");
      item.setAttribute("aria-current", "true");
      var list = item.parentElement;
      if (item.offsetTop < list.scrollTop || item.offsetTop + item.offsetHeight > list.scrollTop + list.clientHeight) {
        list.scrollTop = item.offsetTop - 8;
      }
    }
    sentences.forEach(function (li) {
      var inside = parseFloat(li.dataset.start) < f.end && parseFloat(li.dataset.end) > f.start;
      li.classList.toggle("in-flag", inside);
    });
    flagMark.style.color = f.colour;
    flagMark.style.borderColor = f.colour;
    flagMark.dataset.flag = String(index);
    if (data.duration >= data.zoom.from) {
      Plotly.relayout(timeline, { "xaxis.range": [ms(Math.max(0, f.start - data.zoom.context)),
                                                  ms(f.end + data.zoom.context)] });
    }
    placeMarks();
    if (nowPlaying) { nowPlaying.textContent = f.id + " \u00b7 " + f.title + " \u00b7 " + clock(f.start) + "\u2013" + clock(f.end); }
    seek(f.start, play);
  }

  // ---- wiring ------------------------------------------------------------------------------------------------
  function wire() {
    timeline.on("plotly_click", function (event) {
      var point = event && event.points && event.points[0];
      if (!point) { return; }
      if (point.data.meta === "flag") { selectFlag(point.customdata, true); }
      else if (point.data.meta === "seek") { seek(point.customdata, true); }
    });
    var list = document.querySelector(".flag-list");
    if (list) {
      list.addEventListener("click", function (event) {
        var item = event.target.closest(".flag");
        if (!item || String(window.getSelection() || "")) { return; }
        var moment = event.target.closest(".ts");  // one of the flag's moments: listen from there
        selectFlag(parseInt(item.dataset.flag, 10), !moment);
        if (moment) { seek(parseFloat(moment.dataset.t), true); }
      });
    }
    document.querySelectorAll(".transcript, .coach-notes").forEach(function (list) {
      list.addEventListener("click", function (event) {
        var button = event.target.closest(".ts");
        if (button) { seek(parseFloat(button.dataset.t), true); }
      });
    });
  }

  setUpAudio();
  Promise.all([
    Plotly.newPlot(timeline, data.timeline.data, data.timeline.layout, plotConfig("timeline")),
    Plotly.newPlot(allocation, data.allocation.data, data.allocation.layout, plotConfig("sections"))
  ]).then(function () {
    wire();
    timeline.on("plotly_afterplot", placeMarks);
    timeline.on("plotly_relayout", placeMarks);
    document.body.setAttribute("data-ready", "1");
  });
  window.speechcaseDashboard = { selectFlag: selectFlag, seek: seek };
}());
