/* Migra — the waiting page (/app/offline/): the forms kept on this phone, what
 * happened to each (waiting, sent and when, refused and why, log in first), and the
 * blank forms that open without network.
 *
 * Everything shown comes from the service worker; the words come from the page's
 * data- attributes (translated by the server), the reasons for a refusal from the
 * page the server answered with.
 */
(function () {
  "use strict";

  var root = document.getElementById("offline-queue");
  if (!root) {
    return;
  }
  var unsupported = document.getElementById("offline-unsupported");
  if (!("serviceWorker" in navigator) || !("caches" in window)) {
    return;
  }
  unsupported.hidden = true;

  var SCOPE = root.getAttribute("data-scope") || "/app/";
  var PAGES = "migra-pages";
  var itemsList = document.getElementById("offline-items");
  var pagesList = document.getElementById("offline-pages");
  var empty = document.getElementById("offline-empty");
  var noPages = document.getElementById("offline-no-pages");
  var login = document.getElementById("offline-login");
  var sendButton = document.getElementById("offline-send");
  var timeFormat = new Intl.DateTimeFormat(document.documentElement.lang || "km", {
    dateStyle: "medium",
    timeStyle: "short",
  });

  function word(name) {
    return root.getAttribute("data-" + name) || "";
  }

  var params = new URLSearchParams(location.search);
  document.getElementById("offline-saved").hidden = !params.get("saved");
  document.getElementById("offline-not-kept").hidden = params.get("kept") !== "0";

  function ask(worker, message) {
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) {
        resolve(event.data);
      };
      worker.postMessage(message, [channel.port2]);
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function reasonsIn(page) {
    // The errors the server wrote on the form it sent back ("Date: required"), or the
    // heading of its error page.
    if (!page) {
      return [];
    }
    var doc = new DOMParser().parseFromString(page, "text/html");
    var found = [];
    var add = function (text) {
      text = (text || "").replace(/\s+/g, " ").trim();
      if (text && found.indexOf(text) === -1) {
        found.push(text);
      }
    };
    doc.querySelectorAll(".form-errors p, .form-errors li, .messages .message--error").forEach(
      function (node) {
        add(node.textContent);
      }
    );
    doc.querySelectorAll(".field .error, .field .errorlist li").forEach(function (node) {
      var field = node.closest(".field");
      var label = field && field.querySelector("label, legend");
      var name = label ? label.textContent.replace(/\s+/g, " ").trim() : "";
      add(name ? name + ": " + node.textContent : node.textContent);
    });
    if (!found.length) {
      var heading = doc.querySelector("main h1");
      add(heading ? heading.textContent : "");
    }
    return found;
  }

  var STATUS_CLASS = {
    waiting: "badge--warning",
    login: "badge--warning",
    other: "badge--info",
    refused: "badge--danger",
    sent: "badge--success",
  };

  function itemRow(item, worker) {
    var status = item.status;
    var row = element("li", "offline-item");
    row.setAttribute("data-id", String(item.id));
    row.setAttribute("data-status", status);
    var head = element("p", "offline-item__head");
    head.appendChild(element("strong", "", word("kind-" + item.kind) || item.kind));
    head.appendChild(document.createTextNode(" "));
    var badge = element("span", "badge " + (STATUS_CLASS[status] || ""), word("status-" + status));
    head.appendChild(badge);
    row.appendChild(head);
    var when = element("p", "muted small");
    var stamp = function (className, label, time) {
      if (when.firstChild) {
        when.appendChild(document.createTextNode(" · "));
      }
      when.appendChild(element("span", className, label + " " + timeFormat.format(new Date(time))));
    };
    stamp("", word("saved"), item.savedAt);
    if (item.sentAt) {
      stamp("offline-item__sent", word("sent"), item.sentAt);
    }
    if (item.refusedAt) {
      stamp("", word("refused"), item.refusedAt);
    }
    row.appendChild(when);
    if (status === "refused") {
      var reasons = (item.reasons || []).concat(reasonsIn(item.page));
      if (!reasons.length) {
        reasons = [word("unknown-reason")];
      }
      row.appendChild(element("p", "", word("why")));
      var list = element("ul", "errorlist offline-item__reasons");
      reasons.forEach(function (reason) {
        list.appendChild(element("li", "", reason));
      });
      row.appendChild(list);
    }
    if (status === "waiting" && item.problem) {
      row.appendChild(element("p", "help", word("server-problem")));
    }
    if (status !== "sent") {
      var remove = element("button", "btn btn-secondary btn-small", word("remove"));
      remove.type = "button";
      remove.addEventListener("click", function () {
        if (window.confirm(word("remove-confirm"))) {
          ask(worker, { type: "remove", id: item.id }).then(draw);
        }
      });
      row.appendChild(remove);
    }
    return row;
  }

  function pageLabel(pathname) {
    // "Record a meeting — Banteay Neang SHG": the kept page's heading and the name
    // its back link gives.
    return caches
      .open(PAGES)
      .then(function (cache) {
        return cache.match(location.origin + pathname);
      })
      .then(function (kept) {
        return kept ? kept.text() : "";
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var heading = doc.querySelector("main h1");
        var back = doc.querySelector("main > p:first-child > a, main > p > a");
        var label = heading ? heading.textContent.trim() : pathname;
        if (back && back.textContent.indexOf("←") === 0) {
          label += " — " + back.textContent.replace("←", "").trim();
        }
        return label;
      });
  }

  function drawPages(pages) {
    pagesList.textContent = "";
    noPages.hidden = pages.length > 0;
    return Promise.all(pages.map(pageLabel)).then(function (labels) {
      pages.forEach(function (pathname, index) {
        var row = element("li");
        var link = element("a", "", labels[index]);
        link.href = pathname;
        row.appendChild(link);
        pagesList.appendChild(row);
      });
    });
  }

  var worker = null;

  function draw(listing) {
    if (!listing) {
      return;
    }
    var items = listing.items.slice().sort(function (a, b) {
      return b.savedAt - a.savedAt;
    });
    itemsList.textContent = "";
    items.forEach(function (item) {
      itemsList.appendChild(itemRow(item, worker));
    });
    empty.hidden = items.length > 0;
    var needLogin = items.some(function (item) {
      return item.mine && item.status === "login";
    });
    login.hidden = !needLogin;
    sendButton.hidden = !items.some(function (item) {
      return item.mine && (item.status === "waiting" || item.status === "login");
    });
    root.setAttribute("data-ready", "true");
    return drawPages(listing.pages);
  }

  function refresh() {
    return ask(worker, { type: "list" }).then(draw);
  }

  navigator.serviceWorker
    .getRegistration(SCOPE)
    .then(function (registration) {
      return registration ? navigator.serviceWorker.ready : null;
    })
    .then(function (registration) {
      if (!registration || !registration.active) {
        empty.hidden = false;
        noPages.hidden = false;
        root.setAttribute("data-ready", "true");
        return;
      }
      worker = registration.active;
      navigator.serviceWorker.addEventListener("message", function (event) {
        if (event.data && event.data.type === "migra-offline-changed") {
          refresh();
        }
      });
      sendButton.addEventListener("click", function () {
        sendButton.disabled = true;
        ask(worker, { type: "send" })
          .then(draw)
          .finally(function () {
            sendButton.disabled = false;
          });
      });
      return refresh();
    })
    .catch(function () {
      unsupported.hidden = false;
    });
})();
