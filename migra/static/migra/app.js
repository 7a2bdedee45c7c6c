/* Migra — small progressive enhancements. Every page works without this file.
 *
 * Loaded in <head> without `defer` so the `js` class is on <html> before the first
 * paint (no flash of an open menu); the rest waits for the document.
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function setupMenu() {
    var toggle = document.querySelector("[data-menu-toggle]");
    if (!toggle) {
      return;
    }
    var menu = document.getElementById(toggle.getAttribute("aria-controls"));
    if (!menu) {
      return;
    }
    var wide = window.matchMedia("(min-width: 56em)");

    function setOpen(open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("is-open", open);
    }

    setOpen(false);

    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });

    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !wide.matches && menu.classList.contains("is-open")) {
        setOpen(false);
        toggle.focus();
      }
    });
  }

  function setupDetailsMenus() {
    // A <details> menu (the user menu) closes on Escape and on a click elsewhere.
    var menus = document.querySelectorAll("details[data-dropdown]");
    if (!menus.length) {
      return;
    }
    document.addEventListener("click", function (event) {
      menus.forEach(function (details) {
        if (details.open && !details.contains(event.target)) {
          details.open = false;
        }
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") {
        return;
      }
      menus.forEach(function (details) {
        if (details.open) {
          details.open = false;
          var summary = details.querySelector("summary");
          if (summary) {
            summary.focus();
          }
        }
      });
    });
  }

  function setupConfirm() {
    // <form data-confirm="Are you sure…?">: ask before sending (the text is translated
    // in the template, so no strings live here).
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement)) {
        return;
      }
      var question = form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) {
        event.preventDefault();
      }
    });
  }

  function ready() {
    setupMenu();
    setupDetailsMenus();
    setupConfirm();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
