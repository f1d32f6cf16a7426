// Suggestions under the search box, as the ARIA combobox pattern describes: the box owns a
// listbox; ↓/↑ move through it (the box keeps focus, aria-activedescendant names the
// option), Enter opens the chosen one, Escape closes the list. Without this file the box is
// a plain search field and the form works as it always does.
(function () {
  "use strict";
  var box = document.getElementById("q");
  if (!box || !box.getAttribute("data-suggest") || !window.fetch) { return; }
  var endpoint = box.getAttribute("data-suggest");
  var DELAY_MS = 120;  // typing faster than this asks once

  var list = document.createElement("ul");
  list.id = "q-suggestions";
  list.className = "suggest-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "检索建议");
  list.hidden = true;
  var status = document.createElement("span");
  status.className = "sr-only";
  status.setAttribute("role", "status");
  box.parentNode.insertBefore(list, box.nextSibling);
  box.parentNode.insertBefore(status, list.nextSibling);
  box.parentNode.classList.add("has-suggest");

  box.setAttribute("role", "combobox");
  box.setAttribute("aria-autocomplete", "list");
  box.setAttribute("aria-controls", list.id);
  box.setAttribute("aria-expanded", "false");

  var options = [];  // the suggestions shown: {url, element}
  var active = -1;
  var timer = null;
  var pending = null;  // AbortController of the request in flight
  var asked = "";

  function close() {
    list.hidden = true;
    box.setAttribute("aria-expanded", "false");
    box.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function choose(n) {
    if (active >= 0) { options[active].element.setAttribute("aria-selected", "false"); }
    active = n;
    if (n < 0) { box.removeAttribute("aria-activedescendant"); return; }
    var el = options[n].element;
    el.setAttribute("aria-selected", "true");
    box.setAttribute("aria-activedescendant", el.id);
    el.scrollIntoView({ block: "nearest" });
  }

  function go(n) { window.location.assign(options[n].url); }

  function show(suggestions) {
    list.textContent = "";
    options = suggestions.map(function (s, n) {
      var li = document.createElement("li");
      li.id = "q-suggestion-" + n;
      li.className = "suggestion suggestion-" + s.kind;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      var kind = document.createElement("span");
      kind.className = "suggestion-kind";
      kind.textContent = s.kind_label;
      var label = document.createElement("span");
      label.className = "suggestion-label";
      label.textContent = s.label;
      var count = document.createElement("span");
      count.className = "suggestion-count";
      count.textContent = s.count;
      li.append(kind, label, count);
      // mousedown, not click: the box must not lose focus (and close the list) first
      li.addEventListener("mousedown", function (event) { event.preventDefault(); go(n); });
      list.appendChild(li);
      return { url: s.url, element: li };
    });
    active = -1;
    box.removeAttribute("aria-activedescendant");
    status.textContent = options.length ? options.length + " 条建议，按上下方向键选择" : "";
    if (options.length) {
      list.hidden = false;
      box.setAttribute("aria-expanded", "true");
    } else {
      close();
    }
  }

  function ask() {
    var q = box.value.trim();
    if (q === asked) { if (options.length) { list.hidden = false; box.setAttribute("aria-expanded", "true"); } return; }
    asked = q;
    if (pending) { pending.abort(); }
    if (!q) { show([]); return; }
    pending = new AbortController();
    fetch(endpoint + "?q=" + encodeURIComponent(q), { signal: pending.signal, headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (data) { if (box.value.trim() === q) { show(data.suggestions || []); } })
      .catch(function () { /* aborted or offline: the form still works */ });
  }

  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, DELAY_MS);
  });

  box.addEventListener("keydown", function (event) {
    if (event.isComposing) { return; }  // the IME is choosing characters
    var open = !list.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!open) { if (options.length) { list.hidden = false; box.setAttribute("aria-expanded", "true"); } else { ask(); } }
      if (!options.length) { return; }
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      choose(active < 0 ? (step > 0 ? 0 : options.length - 1) : (active + step + options.length) % options.length);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      go(active);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close();
    }
  });

  box.addEventListener("blur", close);
})();
