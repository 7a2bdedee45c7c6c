/* The "report a concern" form: show the place questions of the chosen answer, fill
 * the district and commune lists from the gazetteer, and send the form once.
 * The form works without this file (province and words only). */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") {
      fn();
    } else {
      document.addEventListener("DOMContentLoaded", fn);
    }
  }

  function fill(select, places) {
    while (select.options.length > 1) {
      select.remove(1);
    }
    places.forEach(function (place) {
      var option = document.createElement("option");
      option.value = place.code;
      option.textContent = place.name;
      select.appendChild(option);
    });
  }

  ready(function () {
    var form = document.querySelector(".report-form");
    if (!form) {
      return;
    }
    var placesUrl = form.getAttribute("data-places-url") || "";

    // Where: show the group of the chosen answer.
    var radios = form.querySelectorAll('input[name="where"]');
    var groups = form.querySelectorAll(".report-where__group");
    function showWhere() {
      var chosen = "";
      radios.forEach(function (radio) {
        if (radio.checked) {
          chosen = radio.value;
        }
      });
      groups.forEach(function (group) {
        group.setAttribute("data-active", group.getAttribute("data-where") === chosen ? "true" : "false");
      });
    }
    radios.forEach(function (radio) {
      radio.addEventListener("change", showWhere);
    });
    showWhere();

    // Province → districts → communes.
    var province = form.querySelector('select[name="province"]');
    var district = form.querySelector('select[name="district"]');
    var commune = form.querySelector('select[name="commune"]');
    function load(parent, child, level, below) {
      var box = form.querySelector('[data-level="' + level + '"]');
      fill(child, []);
      box.hidden = true;
      if (below) {
        fill(below.select, []);
        below.box.hidden = true;
      }
      if (!parent.value || !placesUrl) {
        return;
      }
      fetch(placesUrl.replace("CODE", encodeURIComponent(parent.value)), {
        credentials: "omit",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.ok ? response.json() : { places: [] };
        })
        .then(function (data) {
          fill(child, data.places || []);
          box.hidden = child.options.length < 2;
        })
        .catch(function () {
          box.hidden = true;
        });
    }
    if (province && district && commune) {
      var communeBelow = { select: commune, box: form.querySelector('[data-level="commune"]') };
      province.addEventListener("change", function () {
        load(province, district, "district", communeBelow);
      });
      district.addEventListener("change", function () {
        load(district, commune, "commune", null);
      });
    }

    // Send once: a second tap while sending does nothing.
    var sending = false;
    var button = form.querySelector('button[type="submit"]');
    var label = button ? button.textContent : "";
    window.addEventListener("pageshow", function () {
      // Back from the next page: the form may be sent again.
      sending = false;
      if (button) {
        button.removeAttribute("aria-disabled");
        button.textContent = label;
      }
    });
    form.addEventListener("submit", function (event) {
      if (sending) {
        event.preventDefault();
        return;
      }
      sending = true;
      if (button) {
        button.setAttribute("aria-disabled", "true");
        button.textContent = button.getAttribute("data-sending-label") || button.textContent;
      }
    });
  });
})();
