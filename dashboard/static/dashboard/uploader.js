// Uploads from the merchant's device into the media library, in chunks, resumably.
// Each file is declared (POST), sent a chunk at a time (PUT with Content-Range), then
// completed (POST …/complete), which checks it. A dropped connection or a chunk the server
// did not take is resumed from the offset the server reports, never from the start. In the
// composer the finished file's URL goes into the media field, as a pasted URL would; on the
// library page the page reloads to list it. Messages come translated from the page.
(function () {
  "use strict";
  var RETRIES = 8;

  function csrf() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function kindOf(file) {
    if (/^video\//.test(file.type) || /\.(mp4|mov|m4v|webm)$/i.test(file.name)) return "video";
    if (/^image\//.test(file.type) || /\.(jpe?g|png|webp|gif|heic)$/i.test(file.name)) return "image";
    return "";
  }

  function sleep(ms) { return new Promise(function (done) { setTimeout(done, ms); }); }

  // A request whose JSON answer is returned with its status; a network failure rejects.
  function call(method, url, body, headers) {
    var all = Object.assign({ "X-CSRFToken": csrf(), "X-Requested-With": "fetch" }, headers || {});
    return fetch(url, { method: method, body: body, headers: all, credentials: "same-origin" })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (json) {
          return { status: response.status, json: json };
        });
      });
  }

  function Row(zone, file) {
    this.li = document.createElement("li");
    this.name = document.createElement("span");
    this.name.textContent = file.name;
    this.name.dir = "auto";
    this.bar = document.createElement("progress");
    this.bar.max = 100;
    this.bar.value = 0;
    this.bar.setAttribute("aria-label", file.name);
    this.note = document.createElement("span");
    this.note.className = "upload-note";
    this.li.append(this.name, this.bar, this.note);
    zone.querySelector(".uploads").append(this.li);
  }
  Row.prototype.progress = function (sent, total) {
    this.bar.value = total ? Math.floor((100 * sent) / total) : 100;
  };
  Row.prototype.say = function (text, error) {
    this.note.textContent = text;
    this.li.classList.toggle("error", Boolean(error));
    if (error) this.note.setAttribute("role", "alert");
  };
  Row.prototype.done = function (media, text) {
    this.bar.value = 100;
    if (media.thumbnail_url) {
      var img = document.createElement("img");
      img.src = media.thumbnail_url;
      img.alt = "";
      img.width = 48;
      img.height = 48;
      this.li.prepend(img);
    }
    this.li.dataset.url = media.url;
    this.say(text, false);
  };

  function attach(url) {
    var field = document.querySelector("#compose [name=media_urls]");
    if (!field) return false;
    var lines = field.value.split("\n").filter(function (line) { return line.trim(); });
    if (lines.indexOf(url) === -1) lines.push(url);
    field.value = lines.join("\n");
    field.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  // Sends what the server does not have yet, from the offset it reports; a failed request
  // is tried again after a growing pause, asking the server where the upload stands.
  async function send(zone, base, file, state, row) {
    var size = file.size, offset = state.received_bytes, chunk = state.chunk_size;
    var failures = 0;
    while (offset < size) {
      var end = Math.min(offset + chunk, size);
      var answer;
      try {
        answer = await call("PUT", base, file.slice(offset, end), {
          "Content-Type": "application/octet-stream",
          "Content-Range": "bytes " + offset + "-" + (end - 1) + "/" + size,
        });
      } catch (e) {
        answer = null;
      }
      if (answer && answer.status === 200) {
        offset = answer.json.upload.received_bytes;
        failures = 0;
        row.progress(offset, size);
        continue;
      }
      var known = answer && typeof answer.json.received_bytes === "number";
      if (answer && answer.status < 500 && !known) {
        throw new Error(answer.json.error ? answer.json.error.message : zone.dataset.msgFailed);
      }
      if (++failures > RETRIES) throw new Error(zone.dataset.msgFailed);
      if (known) {  // the server says where it stands (a chunk lost or cut off): go on there
        offset = answer.json.received_bytes;
        continue;
      }
      row.say(zone.dataset.msgRetrying, false);
      await sleep(Math.min(500 * 2 ** failures, 8000));
      var where = null;
      try { where = await call("GET", base); } catch (e) { where = null; }
      if (where && where.status === 200) offset = where.json.upload.received_bytes;
      else if (where && where.status === 404) throw new Error(zone.dataset.msgFailed);
      row.say("", false);
    }
  }

  async function upload(zone, file) {
    var row = new Row(zone, file);
    var kind = kindOf(file);
    if (!kind) { row.say(zone.dataset.msgType, true); return; }
    var key = "upload:" + zone.dataset.uploadUrl + ":" + file.name + ":" + file.size + ":" + file.lastModified;
    try {
      var state = null;
      var known = sessionStorage.getItem(key);
      if (known) {  // the same file, chosen again after a failure: go on where it stopped
        var again = await call("GET", zone.dataset.uploadUrl + "/" + known);
        if (again.status === 200 && again.json.upload.status === "open") state = again.json.upload;
      }
      if (!state) {
        var form = new URLSearchParams({ type: kind, size: String(file.size), filename: file.name, content_type: file.type });
        var started = await call("POST", zone.dataset.uploadUrl, form);
        if (started.status !== 201) throw new Error(started.json.error.message);
        state = started.json.upload;
        sessionStorage.setItem(key, state.id);
      }
      var base = zone.dataset.uploadUrl + "/" + state.id;
      row.progress(state.received_bytes, file.size);
      await send(zone, base, file, state, row);
      row.say(zone.dataset.msgChecking, false);
      var finished = await call("POST", base + "/complete");
      if (finished.status !== 200) {
        sessionStorage.removeItem(key);
        throw new Error(finished.json.error ? finished.json.error.message : zone.dataset.msgFailed);
      }
      sessionStorage.removeItem(key);
      var media = finished.json.media;
      var attached = zone.dataset.attach && attach(media.url);
      row.done(media, attached ? zone.dataset.msgAttached : zone.dataset.msgSaved);
      return media;
    } catch (e) {
      row.say(e instanceof Error && e.message && e.name !== "TypeError" ? e.message : zone.dataset.msgFailed, true);
      return null;
    }
  }

  async function uploadAll(zone, files) {
    var added = 0;
    for (var i = 0; i < files.length; i++) {
      if (await upload(zone, files[i])) added++;
    }
    if (added && !zone.dataset.attach) window.location.reload();
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    var zone = input.closest && input.closest(".upload-zone");
    if (!zone || input.type !== "file" || !input.files.length) return;
    var files = Array.prototype.slice.call(input.files);
    input.value = "";
    uploadAll(zone, files);
  });

  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var zone = event.target.closest && event.target.closest(".upload-zone");
      if (!zone) return;
      event.preventDefault();
      zone.classList.add("dragging");
    });
  });
  document.addEventListener("dragleave", function (event) {
    var zone = event.target.closest && event.target.closest(".upload-zone");
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("dragging");
  });
  document.addEventListener("drop", function (event) {
    var zone = event.target.closest && event.target.closest(".upload-zone");
    if (!zone) return;
    event.preventDefault();
    zone.classList.remove("dragging");
    uploadAll(zone, Array.prototype.slice.call(event.dataTransfer.files));
  });

  // "Choose from the library" in the composer: the chosen file's URL joins the media field.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-attach-url]");
    if (!button) return;
    if (attach(button.dataset.attachUrl)) button.setAttribute("aria-pressed", "true");
  });
})();
