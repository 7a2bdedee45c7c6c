/* Migra — registers the service worker (sw.js) and shows how many forms kept on this
 * phone are not sent yet. Every page works without this file.
 *
 * Loaded on every staff page by one script tag (staff/base.html) whose data-
 * attributes carry the worker's URL, the login the page was made for ("" unknown,
 * "0" nobody) and the banner's words in the reader's language.
 */
(function () {
  "use strict";

  var script = document.querySelector("script[data-offline-sw]");
  if (!script || !("serviceWorker" in navigator)) {
    return;
  }
  var SCOPE = script.getAttribute("data-offline-scope") || "/app/";
  if (location.pathname.indexOf(SCOPE) !== 0) {
    return;
  }
  var rawUser = script.getAttribute("data-offline-user") || "";
  var user = rawUser === "" ? "" : rawUser === "0" ? null : Number(rawUser);
  // Pages of a login still owing its second factor: the app (the worker's script
  // too) answers them with a redirect, so no worker is installed from there.
  var notHere = (script.getAttribute("data-offline-not-here") || "").split(" ");
  if (notHere.indexOf(location.pathname) !== -1) {
    user = "";
  }
  var RETRY_MS = 60000;

  function ask(worker, message) {
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) {
        resolve(event.data);
      };
      worker.postMessage(message, [channel.port2]);
    });
  }

  function activeWorker() {
    if (user) {
      // Only a logged-in page installs the worker; others only talk to one there.
      return navigator.serviceWorker
        .register(script.getAttribute("data-offline-sw"), { scope: SCOPE })
        .then(function () {
          return navigator.serviceWorker.ready;
        })
        .then(function (registration) {
          return registration.active;
        });
    }
    return navigator.serviceWorker.getRegistration(SCOPE).then(function (registration) {
      return registration ? registration.active : null;
    });
  }

  function notSent(summary) {
    var counts = (summary && summary.counts) || {};
    return ["waiting", "login", "refused", "other"].reduce(function (total, status) {
      return total + (counts[status] || 0);
    }, 0);
  }

  function showBanner(summary) {
    var existing = document.getElementById("offline-banner");
    var count = notSent(summary);
    var main = document.getElementById("main");
    // The waiting page lists the forms itself.
    if (!main || document.getElementById("offline-queue")) {
      return;
    }
    if (!count) {
      if (existing) {
        existing.remove();
      }
      return;
    }
    var banner = existing;
    if (!banner) {
      banner = document.createElement("ul");
      banner.id = "offline-banner";
      banner.className = "messages";
      banner.setAttribute("role", "status");
      var item = document.createElement("li");
      item.className = "message message--warning";
      var link = document.createElement("a");
      link.href = script.getAttribute("data-offline-queue");
      item.appendChild(link);
      banner.appendChild(item);
      main.insertBefore(banner, main.firstChild);
    }
    var label = script.getAttribute("data-offline-waiting") || "";
    banner.querySelector("a").textContent = label + " " + count;
    banner.setAttribute("data-count", String(count));
  }

  activeWorker()
    .then(function (worker) {
      if (!worker) {
        return;
      }
      var waiting = 0;
      var refresh = function () {
        return ask(worker, { type: "summary" }).then(function (summary) {
          waiting = notSent(summary);
          showBanner(summary);
        });
      };
      navigator.serviceWorker.addEventListener("message", function (event) {
        if (event.data && event.data.type === "migra-offline-changed") {
          refresh();
        }
      });
      window.addEventListener("online", function () {
        // The network often comes back by steps (the phone says "online" before a
        // request gets through): try now and twice more soon after.
        [0, 3000, 10000].forEach(function (delay) {
          window.setTimeout(function () {
            if (delay === 0 || waiting) {
              worker.postMessage({ type: "send" });
            }
          }, delay);
        });
      });
      window.setInterval(function () {
        if (user && waiting && navigator.onLine && document.visibilityState === "visible") {
          worker.postMessage({ type: "send" });
        }
      }, RETRY_MS);
      var hello = { type: "hello", user: user, page: location.search ? "" : location.pathname };
      return ask(worker, hello).then(function (summary) {
        waiting = notSent(summary);
        showBanner(summary);
      });
    })
    .catch(function () {
      // No worker (private window, storage refused): the pages work as before.
    });
})();
