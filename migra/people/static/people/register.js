/* Registration form: while a worker types names, the village and the age, show persons
 * already registered who look similar (people:candidates, candidates.json).
 *
 * The server answers only with persons this worker may see; for anyone else it says
 * "possible existing record — ask your supervisor" without details. Texts come from
 * data-* attributes of the panel (translated in the template); no inline script.
 */
(function () {
  "use strict";

  var DELAY_MS = 500;
  var FIELDS = [
    "name_km", "name_latin", "other_names", "sex", "date_of_birth", "approximate_age",
    "home_village", "phones", "document_kind", "document_number", "document2_kind",
    "document2_number"
  ];
  var PARAMS = {
    date_of_birth: "dob", approximate_age: "age", home_village: "village"
  };

  function setUp(form) {
    var url = form.getAttribute("data-candidates-url");
    var panel = document.getElementById("person-candidates");
    if (!url || !panel || !window.fetch) {
      return;
    }
    var list = panel.querySelector(".people-candidates__list");
    var hiddenNote = panel.querySelector(".people-candidates__hidden");
    var exclude = form.getAttribute("data-exclude");
    var timer = null;
    var lastQuery = null;
    var controller = null;

    function query() {
      var data = new FormData(form);
      var params = new URLSearchParams();
      var hasName = false;
      FIELDS.forEach(function (field) {
        var value = data.get(field);
        if (typeof value === "string" && value.trim()) {
          params.set(PARAMS[field] || field, value.trim());
          if (field.indexOf("name") !== -1 || field.indexOf("number") !== -1 || field === "phones") {
            hasName = true;
          }
        }
      });
      if (exclude) {
        params.set("exclude", exclude);
      }
      return hasName ? params.toString() : "";
    }

    function text(tag, value, className) {
      var el = document.createElement(tag);
      el.textContent = value;
      if (className) {
        el.className = className;
      }
      return el;
    }

    function show(answer) {
      list.textContent = "";
      var items = answer.candidates || [];
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.className = "people-candidate" + (item.strong ? " people-candidate--strong" : "");
        li.appendChild(text("strong", (item.names || []).join(" · ")));
        var meta = [];
        if (item.birth_year) {
          meta.push(panel.getAttribute("data-born") + " " + item.birth_year);
        }
        if (item.village) {
          meta.push(item.village);
        }
        li.appendChild(text("p", meta.join(" · "), "people-candidate__meta"));
        if (item.strong) {
          li.appendChild(text("p", panel.getAttribute("data-likely"), "people-candidate__likely"));
        }
        var meter = document.createElement("meter");
        meter.min = 0;
        meter.max = 1;
        meter.value = item.score;
        li.appendChild(meter);
        var reasons = document.createElement("ul");
        reasons.className = "people-candidate__reasons";
        (item.reasons || []).forEach(function (reason) {
          reasons.appendChild(text("li", reason));
        });
        li.appendChild(reasons);
        var link = text("a", panel.getAttribute("data-open"));
        link.href = item.url;
        link.target = "_blank";
        link.rel = "noopener";
        li.appendChild(link);
        list.appendChild(li);
      });
      if (answer.hidden_match) {
        hiddenNote.textContent = answer.hidden_message;
        hiddenNote.hidden = false;
      } else {
        hiddenNote.textContent = "";
        hiddenNote.hidden = true;
      }
      if (!items.length && !answer.hidden_match) {
        list.appendChild(text("li", panel.getAttribute("data-none"), "help"));
      }
      panel.hidden = false;
    }

    function ask() {
      var q = query();
      if (q === lastQuery) {
        return;
      }
      lastQuery = q;
      if (!q) {
        panel.hidden = true;
        return;
      }
      if (controller) {
        controller.abort();
      }
      controller = window.AbortController ? new AbortController() : null;
      fetch(url + "?" + q, {
        credentials: "same-origin",
        headers: { "Accept": "application/json" },
        signal: controller ? controller.signal : undefined
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) { if (answer) { show(answer); } })
        .catch(function () { /* offline or aborted: the form still works */ });
    }

    function later() {
      if (timer) {
        clearTimeout(timer);
      }
      timer = setTimeout(ask, DELAY_MS);
    }

    ["input", "change", "click", "keyup"].forEach(function (type) {
      form.addEventListener(type, later);
    });
    later();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("person-form");
    if (form) {
      setUp(form);
    }
  });
})();
