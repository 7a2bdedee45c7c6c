/* Resumable uploads of a story's photos, audio and video (tus, with tus-js-client).
 *
 * Markup: stories/_media_upload.html — the plain photo form (it works without this
 * script) with data-tus-endpoint, data-csrf and the texts to show in data-text-*.
 * With the script, the same form takes photos, audio and video and sends each file
 * in 5 MB parts, one file after another, showing progress with a Pause/Continue
 * button. A dropped connection is retried by itself. Each upload is remembered in
 * localStorage (tus-js-client's fingerprint: name, type, size, date and this story's
 * endpoint): after a reload, choosing the same file again carries on where it
 * stopped; the files not finished are listed by name meanwhile.
 */
(function () {
  "use strict";

  var CHUNK_SIZE = 5 * 1024 * 1024;
  var RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000];

  function text(form, name) {
    return form.getAttribute("data-text-" + name) || "";
  }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (content) {
      node.textContent = content;
    }
    return node;
  }

  function setUp(form) {
    var tus = window.tus;
    var endpoint = form.getAttribute("data-tus-endpoint");
    var input = form.querySelector("input[type=file]");
    var list = form.querySelector(".stories-uploads");
    if (!tus || !tus.isSupported || !endpoint || !input || !list) {
      return;  // the plain photo form stays as it is
    }
    var caption = form.querySelector("[name=caption]");
    var face = form.querySelector("[name=show_face]");
    var button = form.querySelector("button[type=submit]");
    var label = form.querySelector("label[for='" + input.id + "']");
    var help = document.getElementById(input.id + "_help");
    input.setAttribute("accept", form.getAttribute("data-accept"));
    input.multiple = true;
    if (label) {
      label.textContent = text(form, "label");
    }
    if (help) {
      help.textContent = text(form, "help");
    }
    if (button) {
      button.textContent = text(form, "button");
    }
    var faceLabel = face ? form.querySelector("label[for='" + face.id + "']") : null;
    if (faceLabel) {
      faceLabel.textContent = text(form, "face");
    }

    var queue = [];
    var running = null;
    var succeeded = 0;
    var failed = 0;

    function finished() {
      running = null;
      if (queue.length) {
        queue.shift()();
        return;
      }
      if (succeeded && !failed) {
        window.setTimeout(function () { window.location.reload(); }, 1500);
      } else if (succeeded) {
        var reload = element("button", "btn btn-small", text(form, "reload"));
        reload.type = "button";
        reload.addEventListener("click", function () { window.location.reload(); });
        list.appendChild(element("li")).appendChild(reload);
      }
    }

    function send(file) {
      var row = element("li", "stories-upload-row");
      row.appendChild(element("span", "stories-upload-name", file.name));
      var progress = element("progress");
      progress.max = 100;
      progress.value = 0;
      row.appendChild(progress);
      var status = element("span", "stories-upload-status", text(form, "sending"));
      row.appendChild(status);
      var toggle = element("button", "btn btn-small btn-secondary", text(form, "pause"));
      toggle.type = "button";
      row.appendChild(toggle);
      list.appendChild(row);

      var paused = false;
      var upload = new tus.Upload(file, {
        endpoint: endpoint,
        chunkSize: CHUNK_SIZE,
        retryDelays: RETRY_DELAYS,
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        headers: { "X-CSRFToken": form.getAttribute("data-csrf") },
        metadata: {
          filename: file.name,
          filetype: file.type || "",
          caption: caption ? caption.value : "",
          face: face && face.checked ? "1" : "0"
        },
        onProgress: function (sent, total) {
          var percent = total ? Math.floor(sent * 100 / total) : 0;
          progress.value = percent;
          status.textContent = percent + "%";
        },
        onShouldRetry: function (error, attempt, options) {
          status.textContent = text(form, "retrying");
          var response = error.originalResponse;
          var code = response ? response.getStatus() : 0;
          // Refusals (4xx) are final, except 409 (carry on from the right place).
          return !(code >= 400 && code < 500 && code !== 409 && code !== 423);
        },
        onSuccess: function () {
          progress.value = 100;
          status.textContent = text(form, "done");
          row.removeChild(toggle);
          succeeded += 1;
          finished();
        },
        onError: function (error) {
          var response = error.originalResponse;
          var code = response ? response.getStatus() : 0;
          if (code >= 400 && code < 500) {
            // Refused for good (not a type taken, too large …): forget it here too.
            // tus-js-client 4.3.1 has no public call for this; the version is pinned.
            if (typeof upload._removeFromUrlStorage === "function") {
              upload._removeFromUrlStorage();
            }
            status.textContent = text(form, "failed") + " " + (response.getBody() || "");
            row.removeChild(toggle);
            failed += 1;
          } else {
            status.textContent = text(form, "error");
            paused = true;
            toggle.textContent = text(form, "resume");
          }
          finished();
        }
      });

      toggle.addEventListener("click", function () {
        if (paused) {
          paused = false;
          toggle.textContent = text(form, "pause");
          status.textContent = text(form, "sending");
          upload.start();
        } else {
          paused = true;
          toggle.textContent = text(form, "resume");
          status.textContent = text(form, "paused");
          upload.abort();
        }
      });

      return function start() {
        running = upload;
        upload.findPreviousUploads().then(function (previous) {
          if (previous.length) {
            upload.resumeFromPreviousUpload(previous[0]);
          }
          upload.start();
        });
      };
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var files = Array.prototype.slice.call(input.files || []);
      files.forEach(function (file) { queue.push(send(file)); });
      input.value = "";
      if (!running && queue.length) {
        queue.shift()();
      }
    });

    // Uploads this browser started for this story and did not finish.
    tus.defaultOptions.urlStorage.findAllUploads().then(function (uploads) {
      uploads.forEach(function (previous) {
        var key = previous.urlStorageKey || "";
        var name = previous.metadata && previous.metadata.filename;
        if (key.indexOf("-" + endpoint + "::") === -1 || !name) {
          return;
        }
        var row = element("li", "stories-upload-row", text(form, "unfinished") + " ");
        row.appendChild(element("strong", "", name));
        list.appendChild(row);
      });
    });
  }

  var forms = document.querySelectorAll("form[data-tus-endpoint]");
  for (var i = 0; i < forms.length; i += 1) {
    setUp(forms[i]);
  }
})();
