/* Screening form (screening/form.html) and result page (screening/detail.html).
 *
 * The whole question set arrives with the page. This script:
 * - shows the questions of the person's age group only (the child lists for under-18s)
 *   and their wording for that list; the others are disabled so they are not sent;
 * - in the short (guided) screening, shows one question at a time with big
 *   yes / no / don't-know buttons and a progress bar;
 * - keeps every answer in localStorage as it is given, with the form's token, so a
 *   dropped connection or a closed tab loses nothing: opening the form again brings the
 *   answers back, and sending them again makes one screening (same token);
 * - on the result page, forgets the saved answers of the screening just made.
 *
 * Without JavaScript every question shows on one page and the form still works.
 * Texts come from data-* attributes (translated in the template); no inline script.
 */
(function () {
  "use strict";

  var MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000; // saved answers older than a week are dropped
  var ADVANCE_MS = 250;
  var PREFIX = "migra.screening.";

  function storage() {
    try {
      var probe = PREFIX + "probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (error) {
      return null; // private mode or disabled: the form still works, without saving
    }
  }

  function readDraft(store, key) {
    if (!store) {
      return null;
    }
    try {
      var draft = JSON.parse(store.getItem(key) || "null");
      if (!draft || typeof draft !== "object" || Date.now() - (draft.savedAt || 0) > MAX_AGE_MS) {
        store.removeItem(key);
        return null;
      }
      return draft;
    } catch (error) {
      store.removeItem(key);
      return null;
    }
  }

  function words(value) {
    return (value || "").split(" ").filter(function (w) { return w; });
  }

  function setUpForm(form) {
    var store = storage();
    var key = form.getAttribute("data-draft-key");
    var guided = form.hasAttribute("data-guided");
    var status = form.querySelector(".screening-status");
    var about = form.querySelector(".screening-about");
    var submitStep = form.querySelector(".screening-submit");
    var submitCount = form.querySelector(".screening-submit__count");
    var questions = Array.prototype.slice.call(form.querySelectorAll(".screening-q"));
    var sections = Array.prototype.slice.call(form.querySelectorAll(".screening-section"));
    var childBands = words(form.getAttribute("data-child-bands"));
    var lists = {
      adult: words(form.getAttribute("data-lists-adult")),
      child: words(form.getAttribute("data-lists-child"))
    };
    var flList = form.getAttribute("data-fl-list") || "FL";
    var label = function (name) { return form.getAttribute("data-label-" + name) || ""; };
    var tokenInput = form.querySelector("input[name=token]");
    var aboutFields = ["sex", "age_band", "place", "place_text"];

    function say(text) {
      if (!status) {
        return;
      }
      status.textContent = text;
      status.hidden = !text;
    }

    function field(name) {
      return form.elements[name];
    }

    function value(name) {
      var element = field(name);
      if (!element) {
        return "";
      }
      if (element.length !== undefined && !element.tagName) { // a radio group
        for (var i = 0; i < element.length; i++) {
          if (element[i].checked) {
            return element[i].value;
          }
        }
        return "";
      }
      return element.value || "";
    }

    function setValue(name, wanted) {
      var element = field(name);
      if (!element || wanted === undefined || wanted === null) {
        return;
      }
      if (element.length !== undefined && !element.tagName) {
        for (var i = 0; i < element.length; i++) {
          element[i].checked = element[i].value === wanted;
        }
      } else {
        element.value = wanted;
      }
    }

    function group() {
      return childBands.indexOf(value("age_band")) !== -1 ? "child" : "adult";
    }

    // The list whose wording a question shows for this group (FL: its own).
    function listFor(question) {
      var have = words(question.getAttribute("data-lists"));
      var wanted = lists[group()].concat([flList]);
      for (var i = 0; i < wanted.length; i++) {
        if (have.indexOf(wanted[i]) !== -1) {
          return wanted[i];
        }
      }
      return null;
    }

    function inUse(question) {
      var list = listFor(question);
      if (!list) {
        return false;
      }
      if (!guided) {
        return true;
      }
      return words(question.getAttribute("data-guided-in")).indexOf(list) !== -1;
    }

    function applyGroup() {
      questions.forEach(function (question) {
        var use = inUse(question);
        question.classList.toggle("is-unused", !use);
        Array.prototype.forEach.call(question.querySelectorAll("input"), function (input) {
          input.disabled = !use;
        });
        var list = listFor(question);
        var text = list && question.getAttribute("data-text-" + list.toLowerCase());
        if (text) {
          question.querySelector(".screening-q__text").textContent = text;
        }
      });
      sections.forEach(function (section) {
        section.classList.toggle(
          "is-unused", !section.querySelector(".screening-q:not(.is-unused)")
        );
      });
    }

    function answers() {
      var out = {};
      questions.forEach(function (question) {
        var checked = question.querySelector("input:checked");
        if (checked) {
          out[question.getAttribute("data-topic")] = checked.value;
        }
      });
      return out;
    }

    function save() {
      if (!store) {
        return;
      }
      var draft = { savedAt: Date.now(), token: tokenInput ? tokenInput.value : "", answers: answers(), about: {} };
      aboutFields.forEach(function (name) {
        draft.about[name] = value(name);
      });
      try {
        store.setItem(key, JSON.stringify(draft));
      } catch (error) {
        // storage full: nothing more to do, the form still sends
      }
    }

    function restore() {
      var draft = readDraft(store, key);
      if (!draft) {
        return false;
      }
      var given = draft.answers || {};
      var any = false;
      Object.keys(given).forEach(function (topic) {
        var input = form.querySelector(
          ".screening-q[data-topic=\"" + topic.replace(/[^a-z0-9_]/g, "") + "\"] input[value=\"" +
          String(given[topic]).replace(/[^a-z]/g, "") + "\"]"
        );
        if (input) {
          input.checked = true;
          any = true;
        }
      });
      var about = draft.about || {};
      aboutFields.forEach(function (name) {
        if (about[name] && !value(name)) {
          setValue(name, about[name]);
        }
      });
      // The same token: sending the restored answers again makes one screening.
      if (tokenInput && draft.token) {
        tokenInput.value = draft.token;
      }
      return any;
    }

    function forget() {
      if (store) {
        store.removeItem(key);
      }
    }

    // ----------------------------------------------------------------- one at a time
    var steps = [];
    var current = 0;
    var nav = null;
    var progress = null;
    var progressText = null;

    function visibleSteps() {
      var out = [about];
      questions.forEach(function (question) {
        if (!question.classList.contains("is-unused")) {
          out.push(question);
        }
      });
      out.push(submitStep);
      return out;
    }

    function aboutComplete() {
      return value("sex") && value("age_band") && (value("place") || value("place_text"));
    }

    function show(index) {
      steps = visibleSteps();
      current = Math.max(0, Math.min(index, steps.length - 1));
      var all = [about, submitStep].concat(questions);
      all.forEach(function (step) {
        step.classList.toggle("is-current", step === steps[current]);
      });
      var total = steps.length - 2;
      var number = Math.min(Math.max(current, 0), total);
      progress.max = Math.max(total, 1);
      progress.value = number;
      progressText.textContent = current === 0 || current === steps.length - 1 ? "" :
        label("question") + " " + number + " " + label("of") + " " + total;
      nav.back.hidden = current === 0;
      nav.next.hidden = current === steps.length - 1;
      var onQuestion = steps[current].classList.contains("screening-q");
      nav.next.textContent = onQuestion ? label("skip") : label("next");
      nav.next.className = onQuestion ? "btn btn-secondary" : "btn btn-primary";
      if (current === steps.length - 1) {
        var count = Object.keys(answers()).length;
        submitCount.textContent = label("answered") + " " + count + " / " + total;
        submitCount.hidden = false;
      }
      var focus = steps[current].querySelector("legend, h2, button");
      if (focus && index !== 0) {
        focus.setAttribute("tabindex", "-1");
        focus.focus();
      }
    }

    function setUpSteps() {
      form.classList.add("is-stepped");
      var bar = document.createElement("div");
      bar.className = "screening-progress";
      progress = document.createElement("progress");
      progress.value = 0;
      progressText = document.createElement("p");
      progressText.className = "screening-progress__text";
      bar.appendChild(progress);
      bar.appendChild(progressText);
      form.insertBefore(bar, about);

      nav = { el: document.createElement("div") };
      nav.el.className = "screening-nav";
      nav.back = document.createElement("button");
      nav.back.type = "button";
      nav.back.setAttribute("data-nav", "back");
      nav.back.className = "btn btn-secondary";
      nav.back.textContent = label("back");
      nav.next = document.createElement("button");
      nav.next.type = "button";
      nav.next.setAttribute("data-nav", "next");
      nav.next.className = "btn";
      nav.el.appendChild(nav.back);
      nav.el.appendChild(nav.next);
      form.insertBefore(nav.el, submitStep.nextSibling);

      nav.back.addEventListener("click", function () { show(current - 1); });
      nav.next.addEventListener("click", function () {
        if (current === 0 && !aboutComplete()) {
          say(label("about-missing"));
          return;
        }
        say("");
        show(current + 1);
      });
      questions.forEach(function (question) {
        question.addEventListener("change", function () {
          window.setTimeout(function () {
            if (steps[current] === question) {
              show(current + 1);
            }
          }, ADVANCE_MS);
        });
      });
      show(0);
    }

    // ----------------------------------------------------------------- wiring
    var restored = restore();
    applyGroup();
    if (guided) {
      setUpSteps();
    }
    if (restored) {
      say(label("restored"));
      var again = document.createElement("button");
      again.type = "button";
      again.className = "link-button";
      again.textContent = label("restart");
      again.addEventListener("click", function () {
        forget();
        window.location.reload();
      });
      status.appendChild(document.createTextNode(" "));
      status.appendChild(again);
    }
    form.addEventListener("change", function (event) {
      if (event.target && event.target.name === "age_band") {
        applyGroup();
        if (guided) {
          show(current);
        }
      }
      save();
    });
    form.addEventListener("input", save);
    form.addEventListener("submit", function (event) {
      save();
      if (navigator.onLine === false) {
        event.preventDefault();
        say(label("offline"));
      }
    });
    window.addEventListener("offline", function () { say(label("offline")); });
    window.addEventListener("online", function () { say(""); });
  }

  // The result page: the answers were received, forget them on this phone.
  function forgetSent(marker) {
    var token = marker.getAttribute("data-screening-token");
    var store = storage();
    if (!store || !token) {
      return;
    }
    var stale = [];
    for (var i = 0; i < store.length; i++) {
      var name = store.key(i);
      if (name && name.indexOf(PREFIX) === 0) {
        var draft = readDraft(store, name);
        if (draft && draft.token === token) {
          stale.push(name);
        }
      }
    }
    stale.forEach(function (name) { store.removeItem(name); });
  }

  function start() {
    var form = document.getElementById("screening-form");
    if (form) {
      setUpForm(form);
    }
    var marker = document.querySelector("[data-screening-token]");
    if (marker) {
      forgetSent(marker);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
