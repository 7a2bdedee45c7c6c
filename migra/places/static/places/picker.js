/* Place picker: type-ahead over places:search (search.json).
 *
 * Markup comes from places/widgets/place_picker.html. One place: a text box and a
 * hidden input with the chosen code. Several places: a ticked checkbox per chosen
 * place (untick to remove) and a text box to add more. Without this script the form
 * still works: the server resolves a typed code or exact name.
 *
 * A picker with data-detail-url (the places page) opens the chosen place instead.
 *
 * Keyboard: Down/Up move through the list, Enter chooses, Escape closes.
 */
(function () {
  "use strict";

  var DELAY_MS = 150;
  var MIN_LENGTH = 1;
  var MAX_LENGTH = 100;

  function setUp(root) {
    var input = root.querySelector(".place-picker-input");
    var list = root.querySelector(".place-picker-list");
    var status = root.querySelector(".place-picker-status");
    var hidden = root.querySelector(".place-picker-value");
    var current = root.querySelector(".place-picker-current");
    var chosen = root.querySelector(".place-picker-chosen");
    var url = root.getAttribute("data-search-url");
    if (!input || !list || !url) {
      return;
    }
    var multiple = root.classList.contains("place-picker-multiple");
    // On the places page, choosing a place opens it.
    var detailUrl = root.getAttribute("data-detail-url");
    var name = root.getAttribute("data-name");
    var kinds = root.getAttribute("data-kinds") || "";
    var within = root.getAttribute("data-within") || "";
    var results = [];
    var active = -1;
    var timer = null;
    var controller = null;
    var lastQuery = null;

    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }

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
        if (options[index].scrollIntoView) {
          options[index].scrollIntoView({ block: "nearest" });
        }
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function alreadyChosen(code) {
      if (!chosen) {
        return false;
      }
      var boxes = chosen.querySelectorAll("input[type=checkbox]");
      for (var i = 0; i < boxes.length; i++) {
        if (boxes[i].value === code) {
          boxes[i].checked = true;
          return true;
        }
      }
      return false;
    }

    function choose(index) {
      var place = results[index];
      if (!place) {
        return;
      }
      if (detailUrl) {
        window.location.assign(detailUrl.replace("__code__", encodeURIComponent(place.code)));
        return;
      }
      if (multiple) {
        if (!alreadyChosen(place.code)) {
          var item = document.createElement("li");
          var label = document.createElement("label");
          var box = document.createElement("input");
          box.type = "checkbox";
          box.name = name;
          box.value = place.code;
          box.checked = true;
          var text = document.createElement("span");
          text.textContent = place.label;
          label.appendChild(box);
          label.appendChild(document.createTextNode(" "));
          label.appendChild(text);
          item.appendChild(label);
          chosen.appendChild(item);
        }
        input.value = "";
      } else {
        if (hidden) {
          hidden.value = place.code;
        }
        input.value = place.name;
        if (current) {
          current.textContent = place.label;
        }
      }
      say(place.label);
      close();
      lastQuery = null;
    }

    function show(places) {
      list.textContent = "";
      results = places;
      active = -1;
      if (!places.length) {
        list.hidden = true;
        input.setAttribute("aria-expanded", "false");
        say(root.getAttribute("data-none-label") || "");
        return;
      }
      for (var i = 0; i < places.length; i++) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.setAttribute("data-index", String(i));
        var main = document.createElement("span");
        main.className = "place-picker-label";
        main.textContent = places[i].label;
        var kind = document.createElement("span");
        kind.className = "place-picker-kind";
        kind.textContent = places[i].kind_label + " · " + places[i].code;
        option.appendChild(main);
        option.appendChild(kind);
        list.appendChild(option);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      // On a phone the list may open below the fold: bring it into view.
      if (list.getBoundingClientRect().bottom > window.innerHeight && list.scrollIntoView) {
        list.scrollIntoView({ block: "nearest" });
      }
      say((root.getAttribute("data-count-label") || "") + " " + places.length);
    }

    function search() {
      var query = input.value.trim();
      if (query === lastQuery) {
        return;
      }
      lastQuery = query;
      if (query.length < MIN_LENGTH || query.length > MAX_LENGTH) {
        close();
        return;
      }
      if (controller) {
        controller.abort();
      }
      controller = typeof AbortController === "function" ? new AbortController() : null;
      var params = new URLSearchParams({ q: query });
      if (kinds) {
        params.set("kind", kinds);
      }
      if (within) {
        params.set("within", within);
      }
      fetch(url + "?" + params.toString(), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: controller ? controller.signal : undefined,
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("search failed: " + response.status);
          }
          return response.json();
        })
        .then(function (data) {
          if (input.value.trim() === query) {
            show(data.results || []);
          }
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") {
            return;
          }
          close();
          lastQuery = null;
          say(root.getAttribute("data-error-label") || "");
        });
    }

    input.addEventListener("input", function () {
      if (!multiple && hidden) {
        // The text no longer names the chosen place: let the server read the text.
        hidden.value = "";
        if (current) {
          current.textContent = "";
        }
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(search, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && results.length > 0;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) {
          lastQuery = null;
          search();
          return;
        }
        highlight(active + 1 >= results.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp") {
        if (open) {
          event.preventDefault();
          highlight(active <= 0 ? results.length - 1 : active - 1);
        }
      } else if (event.key === "Enter") {
        if (open) {
          event.preventDefault(); // choosing must not submit the form
          choose(active >= 0 ? active : 0);
        }
      } else if (event.key === "Escape") {
        if (open) {
          event.preventDefault();
          close();
        }
      }
    });

    // mousedown (not click) so the choice lands before the text box loses focus.
    list.addEventListener("mousedown", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) {
        event.preventDefault();
        choose(Number(option.getAttribute("data-index")));
      }
    });

    input.addEventListener("blur", function () {
      window.setTimeout(close, 100);
    });
  }

  function start() {
    var pickers = document.querySelectorAll(".place-picker");
    for (var i = 0; i < pickers.length; i++) {
      setUp(pickers[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
