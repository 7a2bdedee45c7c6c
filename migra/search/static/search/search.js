/* Search type-ahead over search:suggest (suggest.json), for the top bar's box and the
 * search page. Without this script both are plain forms that open the results page.
 * Keyboard: Down/Up move through the list, Enter opens, Escape closes.
 */
(function () {
  "use strict";

  var DELAY_MS = 200;

  function setUp(root) {
    var input = root.querySelector(".search-suggest-input");
    var list = root.querySelector(".search-suggest-list");
    var url = root.getAttribute("data-suggest-url");
    var noneLabel = root.getAttribute("data-none-label") || "";
    if (!input || !list || !url) {
      return;
    }
    var results = [];
    var active = -1;
    var timer = null;
    var controller = null;

    function close() {
      list.hidden = true;
      list.textContent = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      results = [];
      active = -1;
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      for (var i = 0; i < options.length; i++) {
        options[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function open(index) {
      var result = results[index];
      if (result && result.url) {
        window.location.href = result.url;
      }
    }

    function show(items) {
      results = items;
      list.textContent = "";
      if (!items.length) {
        var empty = document.createElement("li");
        empty.textContent = noneLabel;
        list.appendChild(empty);
      }
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = input.id + "-option-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = item.title;
        var type = document.createElement("span");
        type.className = "search-suggest-type";
        type.textContent = item.type_label;
        li.appendChild(type);
        li.addEventListener("mousedown", function (event) {
          event.preventDefault();
          open(i);
        });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function fetchNow() {
      var query = input.value.trim();
      if (!query) {
        close();
        return;
      }
      if (controller) {
        controller.abort();
      }
      controller = window.AbortController ? new AbortController() : null;
      fetch(url + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: controller ? controller.signal : undefined,
      })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          if (input.value.trim() === query) {
            show(data.results || []);
          }
        })
        .catch(function () {});
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchNow, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) {
        return;
      }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight(Math.min(active + 1, results.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(Math.max(active - 1, -1));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        open(active);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () {
      setTimeout(close, 150);
    });
  }

  function init() {
    var roots = document.querySelectorAll(".search-suggest");
    for (var i = 0; i < roots.length; i++) {
      setUp(roots[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
