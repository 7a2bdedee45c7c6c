/* Migra's service worker: blank forms that open without network, and forms sent
 * without network kept on the phone until they can be sent.
 *
 * Served by migra/config/offline_views.py at /app/sw.js, after a first line that sets
 * self.MIGRA_OFFLINE (the allow-list, URLs, limits, version). Plain JavaScript, no
 * build step.
 *
 * What is kept:
 * - "migra-pages": the blank forms of the allow-list and the waiting page, each as
 *   last seen with network, marked with the login that saw it. Never a page about a
 *   person or a case. Dropped when another login (or none) uses the phone.
 * - "migra-static": CSS, JavaScript, fonts and icons the pages use.
 * - IndexedDB "migra-offline": the forms waiting to be sent ("queue") and which login
 *   uses the phone ("meta").
 *
 * How a form is sent again: the worker asks state.json who is logged in and for a
 * fresh CSRF token, posts the form as it was filled (same form number, `token`) with
 * that token, and asks state.json again which messages the view left. Only the same
 * login that saved a form sends it.
 */
"use strict";

var CONFIG = self.MIGRA_OFFLINE;
var PAGES = "migra-pages";
var STATIC = "migra-static";
var DB_NAME = "migra-offline";
var STATIC_MAX = 120;
var SENT_DAYS = 7;
var SENT_MAX = 50;
var PAGE_TEXT_MAX = 200000;
var USER_HEADER = "X-Migra-Offline-User";

var FORMS = CONFIG.forms.map(function (form) {
  return { kind: form.kind, pattern: new RegExp(form.pattern), keep: form.keep };
});
var KEEP_ALSO = CONFIG.keep.map(function (pattern) {
  return new RegExp(pattern);
});

// --------------------------------------------------------------------------- helpers

function formFor(pathname) {
  for (var i = 0; i < FORMS.length; i++) {
    if (FORMS[i].pattern.test(pathname)) {
      return FORMS[i];
    }
  }
  return null;
}

function mayKeepPage(pathname) {
  var form = formFor(pathname);
  if (form) {
    return form.keep;
  }
  return KEEP_ALSO.some(function (pattern) {
    return pattern.test(pathname);
  });
}

function sameOrigin(url) {
  return url.origin === self.location.origin;
}

// --------------------------------------------------------------------------- IndexedDB

var dbPromise = null;

function db() {
  if (!dbPromise) {
    dbPromise = new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var database = request.result;
        database.createObjectStore("queue", { keyPath: "id", autoIncrement: true });
        database.createObjectStore("meta");
      };
      request.onsuccess = function () {
        resolve(request.result);
      };
      request.onerror = function () {
        dbPromise = null;
        reject(request.error);
      };
    });
  }
  return dbPromise;
}

function withStore(name, mode, work) {
  return db().then(function (database) {
    return new Promise(function (resolve, reject) {
      var tx = database.transaction(name, mode);
      var result;
      tx.oncomplete = function () {
        resolve(result);
      };
      tx.onerror = tx.onabort = function () {
        reject(tx.error);
      };
      result = work(tx.objectStore(name));
    });
  });
}

function requestValue(request) {
  // The value of an IDBRequest once its transaction is complete.
  var box = { value: undefined };
  request.onsuccess = function () {
    box.value = request.result;
  };
  return box;
}

function allItems() {
  return withStore("queue", "readonly", function (store) {
    return requestValue(store.getAll());
  }).then(function (box) {
    return box.value || [];
  });
}

function getItem(id) {
  return withStore("queue", "readonly", function (store) {
    return requestValue(store.get(id));
  }).then(function (box) {
    return box.value || null;
  });
}

function putItem(item) {
  return withStore("queue", "readwrite", function (store) {
    return requestValue(store.put(item));
  }).then(function (box) {
    return box.value;
  });
}

function deleteItem(id) {
  return withStore("queue", "readwrite", function (store) {
    store.delete(id);
  });
}

function getMeta(key) {
  return withStore("meta", "readonly", function (store) {
    return requestValue(store.get(key));
  }).then(function (box) {
    return box.value === undefined ? null : box.value;
  });
}

function setMeta(key, value) {
  return withStore("meta", "readwrite", function (store) {
    store.put(value, key);
  });
}

// --------------------------------------------------------------------------- install

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(STATIC)
      .then(function (cache) {
        // One missing file must not stop the worker from installing.
        return Promise.all(
          CONFIG.static.map(function (url) {
            return cache.add(new Request(url, { cache: "reload" })).catch(function () {});
          })
        );
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name !== PAGES && name !== STATIC;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

// --------------------------------------------------------------------------- pages

function freshTokens(html) {
  // A kept form opened again is a new form: it gets a new form number, so two
  // meetings typed from the same kept page are two meetings, not one sent twice.
  return html.replace(
    /(<input type="hidden" name="token" value=")[0-9a-fA-F-]{36}(")/g,
    function (match, before, after) {
      return before + self.crypto.randomUUID() + after;
    }
  );
}

function userInPage(html) {
  // The login a page was made for (offline.js's script tag carries it).
  var found = /<script[^>]*\sdata-offline-user="([0-9]*)"/.exec(html);
  return found ? found[1] : "";
}

function staticUrlsIn(html) {
  var urls = [];
  var pattern = /\s(?:src|href)="([^"]+)"/g;
  var found;
  while ((found = pattern.exec(html)) !== null) {
    var url = new URL(found[1].replace(/&amp;/g, "&"), self.location.origin);
    if (sameOrigin(url) && url.pathname.indexOf(CONFIG.staticPrefix) === 0) {
      urls.push(url.href);
    }
  }
  return urls;
}

function keepPage(url, response) {
  // Only a plain, complete HTML page the server did not mark as not to be stored.
  var type = response.headers.get("Content-Type") || "";
  var control = response.headers.get("Cache-Control") || "";
  if (
    url.search ||
    !mayKeepPage(url.pathname) ||
    response.status !== 200 ||
    response.type !== "basic" ||
    response.redirected ||
    type.indexOf("text/html") !== 0 ||
    /no-store/i.test(control)
  ) {
    return Promise.resolve();
  }
  return response.text().then(function (html) {
    var user = userInPage(html);
    if (!user || user === "0") {
      return;
    }
    // Messages shown with the page were for that moment only.
    html = html.replace(/<ul class="messages" role="status">[\s\S]*?<\/ul>/, "");
    // The page's own headers go with it (its Content-Security-Policy above all).
    var headers = new Headers(response.headers);
    ["Content-Length", "Content-Encoding", "Set-Cookie", "Date", "ETag", "Vary"].forEach(
      function (name) {
        headers.delete(name);
      }
    );
    headers.set(USER_HEADER, user);
    var kept = new Response(html, { status: 200, headers: headers });
    var key = new Request(url.origin + url.pathname);
    return caches
      .open(PAGES)
      .then(function (cache) {
        return cache.put(key, kept);
      })
      .then(function () {
        return keepStatic(staticUrlsIn(html));
      });
  });
}

function keepStatic(urls) {
  return caches.open(STATIC).then(function (cache) {
    return Promise.all(
      urls.map(function (url) {
        return cache.match(url).then(function (found) {
          return found ? null : cache.add(url).catch(function () {});
        });
      })
    );
  });
}

function keptPage(pathname) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(self.location.origin + pathname);
  });
}

function fromKept(kept) {
  return kept.text().then(function (html) {
    var headers = new Headers(kept.headers);
    headers.delete(USER_HEADER);
    return new Response(freshTokens(html), { status: 200, headers: headers });
  });
}

function offlinePage() {
  // Any other page of the app, without network: the waiting page, which lists the
  // kept forms.
  return keptPage(CONFIG.queueUrl).then(function (kept) {
    return kept ? fromKept(kept) : Response.error();
  });
}

function navigate(event, url) {
  // A query could carry something about someone (a person to pre-fill): only the
  // plain blank form is kept.
  var keep = !url.search && mayKeepPage(url.pathname);
  return fetch(event.request)
    .then(function (response) {
      if (keep) {
        event.waitUntil(keepPage(url, response.clone()).catch(function () {}));
      }
      return response;
    })
    .catch(function () {
      if (!keep) {
        return offlinePage();
      }
      return keptPage(url.pathname).then(function (kept) {
        return kept ? fromKept(kept) : offlinePage();
      });
    });
}

function dropPages(keepUser) {
  // Kept pages of any login but `keepUser` (all of them when it is null).
  return caches.open(PAGES).then(function (cache) {
    return cache.keys().then(function (keys) {
      return Promise.all(
        keys.map(function (key) {
          return cache.match(key).then(function (kept) {
            if (!kept || keepUser === null || kept.headers.get(USER_HEADER) !== keepUser) {
              return cache.delete(key);
            }
            return null;
          });
        })
      );
    });
  });
}

// --------------------------------------------------------------------------- static

function trimStatic(cache) {
  return cache.keys().then(function (keys) {
    var extra = keys.length - STATIC_MAX;
    return Promise.all(
      keys.slice(0, Math.max(0, extra)).map(function (key) {
        return cache.delete(key);
      })
    );
  });
}

function staticFile(event) {
  // The kept copy at once, and a fresh one for next time (file names carry a hash
  // in production, so a kept copy is rarely stale).
  return caches.open(STATIC).then(function (cache) {
    return cache.match(event.request).then(function (kept) {
      var fresh = fetch(event.request).then(function (response) {
        if (response.status === 200 && response.type === "basic") {
          return cache
            .put(event.request, response.clone())
            .then(function () {
              return trimStatic(cache);
            })
            .then(function () {
              return response;
            });
        }
        return response;
      });
      if (kept) {
        event.waitUntil(fresh.catch(function () {}));
        return kept;
      }
      return fresh;
    });
  });
}

// --------------------------------------------------------------------------- keeping a form

function formBytes(entries) {
  var total = 0;
  entries.forEach(function (entry) {
    var value = entry[1];
    total += entry[0].length * 3 + (typeof value === "string" ? value.length * 3 : value.size);
  });
  return total;
}

function notKept() {
  return Response.redirect(CONFIG.queueUrl + "?kept=0", 303);
}

function keepForm(request, form, url) {
  return Promise.all([request.formData(), getMeta("user"), allItems()])
    .then(function (found) {
      var entries = [];
      found[0].forEach(function (value, name) {
        entries.push([name, value]);
      });
      var waiting = found[2].filter(function (item) {
        return item.status !== "sent";
      });
      if (formBytes(entries) > CONFIG.maxFormBytes || waiting.length >= CONFIG.maxWaiting) {
        return notKept();
      }
      return putItem({
        kind: form.kind,
        url: url.origin + url.pathname + url.search,
        user: found[1],
        entries: entries,
        savedAt: Date.now(),
        status: "waiting",
        tries: 0,
      }).then(function (id) {
        if (self.registration.sync) {
          self.registration.sync.register("migra-offline-send").catch(function () {});
        }
        broadcast();
        return Response.redirect(CONFIG.queueUrl + "?saved=" + id, 303);
      });
    })
    .catch(notKept);
}

function post(event, form, url) {
  // Sent as usual with network; kept on the phone only when the network fails.
  var copy = event.request.clone();
  return fetch(event.request).catch(function () {
    return keepForm(copy, form, url);
  });
}

// --------------------------------------------------------------------------- sending

function askState(withMessages) {
  // null: no network. {user: null}: nobody may send forms (log in first).
  var url = CONFIG.stateUrl + (withMessages ? "?messages=1" : "");
  return fetch(url, { credentials: "same-origin", cache: "no-store", redirect: "manual" })
    .then(function (response) {
      if (response.status !== 200) {
        return { user: null, csrf: "", messages: [] };
      }
      return response.json().catch(function () {
        return { user: null, csrf: "", messages: [] };
      });
    })
    .catch(function () {
      return null;
    });
}

function body(item, csrf) {
  var data = new FormData();
  item.entries.forEach(function (entry) {
    if (entry[0] === "csrfmiddlewaretoken" && csrf) {
      data.append(entry[0], csrf);
    } else {
      data.append(entry[0], entry[1]);
    }
  });
  return data;
}

function markSent(item) {
  item.status = "sent";
  item.sentAt = Date.now();
  // Once sent, the phone keeps no word of what was written.
  delete item.entries;
  delete item.page;
  delete item.reasons;
  return putItem(item);
}

function markRefused(item, reasons, page) {
  item.status = "refused";
  item.refusedAt = Date.now();
  item.reasons = reasons || [];
  item.page = page ? page.slice(0, PAGE_TEXT_MAX) : "";
  return putItem(item);
}

function markLater(item, status, problem) {
  item.status = status;
  item.problem = problem || "";
  return putItem(item);
}

var STOP = "stop";

function sendOne(item, before) {
  // What to do next: STOP (no network, no login, server trouble), or the state to
  // use for the next form.
  item.tries = (item.tries || 0) + 1;
  item.triedAt = Date.now();
  return fetch(item.url, {
    method: "POST",
    body: body(item, before.csrf),
    credentials: "same-origin",
    redirect: "manual",
    cache: "no-store",
  }).then(
    function (response) {
      var redirected = response.type === "opaqueredirect";
      if (redirected || (response.status >= 200 && response.status < 300)) {
        return askState(true).then(function (after) {
          if (after === null) {
            // The answer was lost: sent again later (the form number makes it once).
            return markLater(item, "waiting", "").then(function () {
              return STOP;
            });
          }
          if (after.user !== before.user) {
            return markLater(item, "login", "").then(function () {
              return STOP;
            });
          }
          var errors = (after.messages || [])
            .filter(function (message) {
              return message.level === "error";
            })
            .map(function (message) {
              return message.text;
            });
          var done = errors.length ? markRefused(item, errors, "") : markSent(item);
          return done.then(function () {
            return after;
          });
        });
      }
      if (response.status === 408 || response.status === 429 || response.status >= 500) {
        return markLater(item, "waiting", String(response.status)).then(function () {
          return STOP;
        });
      }
      // Refused (400 with the form's errors, 403, 404 …): the page says why.
      return response
        .text()
        .catch(function () {
          return "";
        })
        .then(function (page) {
          return markRefused(item, [], page);
        })
        .then(function () {
          return before;
        });
    },
    function () {
      item.tries -= 1;
      return markLater(item, item.status === "login" ? "login" : "waiting", "").then(function () {
        return STOP;
      });
    }
  );
}

function pending(items) {
  return items.filter(function (item) {
    return item.status === "waiting" || item.status === "login";
  });
}

var sending = null;

function sendAll() {
  // One run at a time (several pages may ask at once). Resolves to true when all
  // that could be sent was, false when the network or a login is missing.
  if (sending) {
    return sending;
  }
  sending = allItems()
    .then(function (items) {
      var todo = pending(items).sort(function (a, b) {
        return a.id - b.id;
      });
      if (!todo.length) {
        return true;
      }
      return askState(false).then(function (state) {
        if (state === null) {
          return false;
        }
        if (state.user === null) {
          return Promise.all(
            todo.map(function (item) {
              return markLater(item, "login", "");
            })
          ).then(function () {
            return false;
          });
        }
        var mine = todo.filter(function (item) {
          return item.user === state.user;
        });
        var next = function (index, current) {
          if (index >= mine.length) {
            return Promise.resolve(true);
          }
          return getItem(mine[index].id).then(function (item) {
            // Removed meanwhile, or already sent by an earlier run: skip.
            if (!item || pending([item]).length === 0) {
              return next(index + 1, current);
            }
            return sendOne(item, current).then(function (result) {
              broadcast();
              return result === STOP ? false : next(index + 1, result);
            });
          });
        };
        return next(0, state);
      });
    })
    .then(function (result) {
      return pruneSent().then(function () {
        return result;
      });
    })
    .finally(function () {
      sending = null;
      broadcast();
    });
  return sending;
}

function pruneSent() {
  return allItems().then(function (items) {
    var old = Date.now() - SENT_DAYS * 24 * 60 * 60 * 1000;
    var sent = items
      .filter(function (item) {
        return item.status === "sent";
      })
      .sort(function (a, b) {
        return b.sentAt - a.sentAt;
      });
    var drop = sent.filter(function (item, index) {
      return index >= SENT_MAX || item.sentAt < old;
    });
    return Promise.all(
      drop.map(function (item) {
        return deleteItem(item.id);
      })
    );
  });
}

// --------------------------------------------------------------------------- pages ask

function shownStatus(item, user) {
  // Another login's forms show only that they are there.
  if (item.status === "sent") {
    return "sent";
  }
  return item.user === user ? item.status : "other";
}

function summary() {
  return Promise.all([allItems(), getMeta("user")]).then(function (found) {
    var counts = { waiting: 0, login: 0, refused: 0, sent: 0, other: 0 };
    found[0].forEach(function (item) {
      var status = shownStatus(item, found[1]);
      counts[status] = (counts[status] || 0) + 1;
    });
    return { counts: counts };
  });
}

function listing() {
  return Promise.all([allItems(), getMeta("user"), caches.open(PAGES)]).then(function (found) {
    return found[2].keys().then(function (keys) {
      return {
        items: found[0].map(function (item) {
          // The page needs no form content: only what happened to it.
          var status = shownStatus(item, found[1]);
          var mine = status !== "other";
          return {
            id: item.id,
            kind: item.kind,
            status: status,
            mine: mine,
            savedAt: item.savedAt,
            sentAt: item.sentAt || null,
            refusedAt: mine ? item.refusedAt || null : null,
            reasons: mine ? item.reasons || [] : [],
            page: mine && item.status === "refused" ? item.page || "" : "",
            problem: mine ? item.problem || "" : "",
          };
        }),
        pages: keys
          .map(function (key) {
            return new URL(key.url).pathname;
          })
          .filter(function (pathname) {
            return formFor(pathname) !== null;
          }),
      };
    });
  });
}

function hello(data) {
  // A page tells which login it was made for ("": unknown, null: nobody).
  if (data.user === undefined || data.user === "") {
    return Promise.resolve();
  }
  return getMeta("user").then(function (known) {
    if (data.user === null) {
      // Logged out: no kept page stays (the queue does, for the next login).
      return dropPages(null);
    }
    if (known === data.user) {
      return null;
    }
    return dropPages(String(data.user)).then(function () {
      return setMeta("user", data.user);
    });
  });
}

function ensureKept(pathname) {
  // Fetch a page to keep it when it is one to keep and is not kept yet: the first
  // page a new worker sees was fetched before the worker ran, and the waiting page
  // is what opens for any page without network.
  if (typeof pathname !== "string" || pathname.charAt(0) !== "/") {
    return Promise.resolve();
  }
  var url = new URL(pathname, self.location.origin);
  if (!sameOrigin(url) || !mayKeepPage(url.pathname)) {
    return Promise.resolve();
  }
  return keptPage(url.pathname).then(function (kept) {
    if (kept) {
      return null;
    }
    return fetch(url.pathname, { credentials: "same-origin", redirect: "manual" }).then(
      function (response) {
        return keepPage(url, response);
      },
      function () {}
    );
  });
}

function broadcast() {
  self.clients.matchAll({ type: "window" }).then(function (clients) {
    clients.forEach(function (client) {
      client.postMessage({ type: "migra-offline-changed" });
    });
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var port = event.ports && event.ports[0];
  var reply = function (value) {
    if (port) {
      port.postMessage(value);
    }
  };
  var work;
  if (data.type === "hello") {
    work = hello(data)
      .then(function () {
        if (!data.user) {
          return null;
        }
        return ensureKept(CONFIG.queueUrl).then(function () {
          return ensureKept(data.page);
        });
      })
      .then(summary)
      .then(function (result) {
        reply(result);
        if (data.user && result.counts.waiting + result.counts.login > 0) {
          return sendAll();
        }
        return null;
      });
  } else if (data.type === "summary") {
    work = summary().then(reply);
  } else if (data.type === "list") {
    work = listing().then(reply);
  } else if (data.type === "send") {
    work = sendAll().then(function () {
      return listing().then(reply);
    });
  } else if (data.type === "remove" && typeof data.id === "number") {
    work = getItem(data.id)
      .then(function (item) {
        return item ? deleteItem(item.id) : null;
      })
      .then(function () {
        broadcast();
        return listing().then(reply);
      });
  } else {
    return;
  }
  event.waitUntil(
    work.catch(function () {
      reply(null);
    })
  );
});

self.addEventListener("sync", function (event) {
  if (event.tag === "migra-offline-send") {
    event.waitUntil(
      sendAll().then(function (done) {
        if (!done) {
          // The browser tries again later.
          throw new Error("not sent yet");
        }
      })
    );
  }
});

// --------------------------------------------------------------------------- fetch

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (!sameOrigin(url)) {
    return;
  }
  if (request.method === "GET" && url.pathname.indexOf(CONFIG.staticPrefix) === 0) {
    event.respondWith(staticFile(event));
    return;
  }
  if (request.mode !== "navigate" || url.pathname.indexOf(CONFIG.scope) !== 0) {
    return;
  }
  if (request.method === "GET") {
    event.respondWith(navigate(event, url));
    return;
  }
  if (request.method === "POST") {
    var form = formFor(url.pathname);
    if (form) {
      event.respondWith(post(event, form, url));
    }
  }
});
