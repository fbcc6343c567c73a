/* speechcase web app: uploads (drag-and-drop, file picker, "Record a take"), the Talk page's figures, and
   confirmations. Talks only to this server. */
(function () {
  "use strict";
  var csrf = document.body.dataset.csrf || "";

  function $(id) { return document.getElementById(id); }

  function clock(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function sizeText(n) {
    if (n < 1e6) { return Math.round(n / 1e3) + " KB"; }
    if (n < 1e9) { return (n / 1e6).toFixed(1) + " MB"; }
    return (n / 1e9).toFixed(2) + " GB";
  }

  // ---- upload --------------------------------------------------------------------------------------------
  var form = $("upload-form");
  var current = null;

  function showError(text) {
    var box = $("upload-error");
    if (!box) { return; }
    box.textContent = text;
    box.hidden = !text;
  }

  // One multipart POST with an upload progress bar; ``accepted(answer)`` is called on HTTP 202, ``failed(text)``
  // with the server's one-line message (or why the request did not finish). Returns the request (to abort it).
  function send(url, body, label, bar, text, accepted, failed, maxText) {
    var xhr = new XMLHttpRequest();
    bar.value = 0;
    text.textContent = "Uploading " + label + "…";
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        bar.value = e.loaded / e.total;
        text.textContent = "Uploading " + label + ": " + sizeText(e.loaded) + " of " + sizeText(e.total) +
                           " (" + Math.round(100 * e.loaded / e.total) + " %)";
      }
    });
    xhr.addEventListener("load", function () {
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (err) { answer = {}; }
      if (xhr.status === 202) { accepted(answer); return; }
      failed(answer.detail || ("The upload failed (HTTP " + xhr.status + ")."));
    });
    xhr.addEventListener("error", function () {
      failed("The upload was interrupted (it may be over the server's limit of " + maxText +
             ", or the server stopped); nothing was kept.");
    });
    xhr.addEventListener("abort", function () { failed("Upload cancelled; nothing was kept."); });
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.send(body);
    return xhr;
  }

  function tooLarge(maxText) {
    return "The upload is larger than this server accepts (" + maxText + "); trim the recordings or export them " +
           "compressed (m4a, mp3 or opus), or start the server with a higher --max-upload.";
  }

  function upload(file) {
    if (!form || current) { return; }
    showError("");
    if (file.size > parseInt(form.dataset.max, 10)) { showError(tooLarge(form.dataset.maxText)); return; }
    var talk = $("talk-name");
    if (!talk.value.trim()) { talk.value = file.name.replace(/\.[^.]*$/, ""); }
    var body = new FormData();
    body.append("talk", talk.value.trim());
    body.append("framework", $("framework").value);
    body.append("file", file, file.name);
    var status = $("upload-status"), text = $("upload-text");
    status.hidden = false;
    current = send("/api/takes", body, file.name + " (" + sizeText(file.size) + ")", $("upload-progress"), text,
      function (answer) {
        current = null;
        text.textContent = "Uploaded; starting the analysis…";
        window.location.assign("/jobs/" + answer.job);
      },
      function (message) { current = null; status.hidden = true; showError(message); },
      form.dataset.maxText);
  }

  if (form) {
    var drop = $("drop-zone"), input = $("file-input");
    input.addEventListener("change", function () { if (input.files.length) { upload(input.files[0]); } });
    ["dragenter", "dragover"].forEach(function (name) {
      drop.addEventListener(name, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      drop.addEventListener(name, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) { upload(e.dataTransfer.files[0]); }
    });
    drop.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); }
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    $("upload-cancel").addEventListener("click", function () { if (current) { current.abort(); } });
    setUpRecorder();
  }

  // ---- a coach's batch: recordings and manifest ------------------------------------------------------------
  var batchForm = $("batch-form");
  if (batchForm) {
    var batchRequest = null;
    var batchError = function (message) {
      var box = $("batch-error");
      box.textContent = message;
      box.hidden = !message;
    };
    batchForm.addEventListener("submit", function (e) {
      e.preventDefault();
      if (batchRequest) { return; }
      batchError("");
      var files = $("batch-files").files, manifest = $("batch-manifest").files;
      if (!files.length || !manifest.length) { batchError("Choose the recordings and the manifest."); return; }
      if (files.length > parseInt(batchForm.dataset.maxFiles, 10)) {
        batchError("A batch takes at most " + batchForm.dataset.maxFiles + " recordings; split it in two.");
        return;
      }
      var total = manifest[0].size;
      var body = new FormData();
      body.append("framework", $("batch-framework").value);
      body.append("manifest", manifest[0], manifest[0].name);
      Array.prototype.forEach.call(files, function (f) { total += f.size; body.append("files", f, f.name); });
      if (total > parseInt(batchForm.dataset.max, 10)) { batchError(tooLarge(batchForm.dataset.maxText)); return; }
      var status = $("batch-status"), text = $("batch-text"), start = $("batch-start");
      status.hidden = false;
      start.disabled = true;
      batchRequest = send("/api/batches", body, files.length + " recording" + (files.length === 1 ? "" : "s") + " (" +
                          sizeText(total) + ")", $("batch-progress"), text,
        function (answer) {
          text.textContent = "Uploaded; starting the batch…";
          window.location.assign("/batches/" + answer.batch);
        },
        function (message) {
          batchRequest = null;
          status.hidden = true;
          start.disabled = false;
          batchError(message);
        },
        batchForm.dataset.maxText);
    });
    $("batch-cancel").addEventListener("click", function () { if (batchRequest) { batchRequest.abort(); } });
  }

  // ---- record a take -------------------------------------------------------------------------------------
  function setUpRecorder() {
    var start = $("record-start"), stop = $("record-stop"), live = $("record-live");
    var meter = $("record-level"), timer = $("record-timer");
    if (!start) { return; }
    if (!window.MediaRecorder || !navigator.mediaDevices) {
      start.disabled = true;
      start.title = "This browser cannot record (or the page is not served from localhost or https).";
      return;
    }
    var recorder = null, stream = null, chunks = [], began = 0, tick = null, context = null;

    function finish() {
      if (tick) { cancelAnimationFrame(tick); tick = null; }
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
      if (context) { context.close(); context = null; }
      live.hidden = true;
      start.hidden = false;
    }

    start.addEventListener("click", function () {
      showError("");
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (s) {
        stream = s;
        var type = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"].find(function (t) {
          return MediaRecorder.isTypeSupported(t);
        }) || "";
        recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
        chunks = [];
        recorder.addEventListener("dataavailable", function (e) { if (e.data.size) { chunks.push(e.data); } });
        recorder.addEventListener("stop", function () {
          var mime = recorder.mimeType || "audio/webm";
          var ext = mime.indexOf("ogg") >= 0 ? "ogg" : mime.indexOf("mp4") >= 0 ? "m4a" : "webm";
          var stamp = new Date().toISOString().slice(0, 16).replace("T", "-").replace(":", "");
          finish();
          upload(new File(chunks, "take-" + stamp + "." + ext, { type: mime }));
        });
        context = new (window.AudioContext || window.webkitAudioContext)();
        var analyser = context.createAnalyser();
        analyser.fftSize = 1024;
        context.createMediaStreamSource(stream).connect(analyser);
        var samples = new Float32Array(analyser.fftSize);
        began = performance.now();
        (function draw() {
          analyser.getFloatTimeDomainData(samples);
          var sum = 0;
          for (var i = 0; i < samples.length; i++) { sum += samples[i] * samples[i]; }
          meter.value = Math.min(1, Math.sqrt(sum / samples.length) * 4);
          timer.textContent = clock((performance.now() - began) / 1000);
          tick = requestAnimationFrame(draw);
        }());
        recorder.start(1000);
        start.hidden = true;
        live.hidden = false;
        stop.focus();
      }).catch(function (err) {
        showError("The microphone could not be opened (" + err.name + "); allow this page to use it and try again.");
      });
    });
    stop.addEventListener("click", function () { if (recorder && recorder.state !== "inactive") { recorder.stop(); } });
  }

  // ---- the Talk page's comparison figures -----------------------------------------------------------------
  function drawFigures() {
    var holder = $("talk-figures");
    if (!holder || !window.Plotly) { return; }
    var figures = JSON.parse(holder.textContent);
    Object.keys(figures).forEach(function (name) {
      var el = $("fig-" + name);
      if (el) { window.Plotly.newPlot(el, figures[name].data, figures[name].layout, { displaylogo: false, responsive: true }); }
    });
    document.body.setAttribute("data-figures", "1");
  }

  // ---- small things ----------------------------------------------------------------------------------------
  document.addEventListener("submit", function (e) {
    var message = e.target.dataset && e.target.dataset.confirm;
    if (message && !window.confirm(message)) { e.preventDefault(); }
  });
  document.querySelectorAll("input.invite").forEach(function (el) {
    el.addEventListener("focus", function () { el.select(); });
  });
  window.addEventListener("load", drawFigures);
}());
