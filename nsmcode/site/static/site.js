/* nsmcode metric handbook: search, SQL tabs, copy buttons, the phone menu.
   Vanilla JavaScript, no network: the search index is embedded in each page, so everything also
   works from file://. Text from the definitions is only ever set with textContent. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function rootPrefix() {
    var link = document.querySelector("link[rel=stylesheet]");
    var href = link ? link.getAttribute("href") : "assets/site.css";
    return href.slice(0, href.length - "assets/site.css".length);
  }

  /* ------------------------------------------------------------------ search */
  function normalise(text) {
    return String(text || "").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/_/g, " ");
  }

  function score(entry, terms) {
    var title = normalise(entry.t), name = normalise(entry.n), desc = normalise(entry.d), kind = normalise(entry.k);
    var total = 0;
    for (var i = 0; i < terms.length; i++) {
      var term = terms[i];
      var best = 0;
      if (title === term || name === term) best = 100;
      else if (title.indexOf(term) === 0 || name.indexOf(term) === 0) best = 60;
      else if ((" " + title).indexOf(" " + term) >= 0 || (" " + name).indexOf(" " + term) >= 0) best = 40;
      else if (title.indexOf(term) >= 0 || name.indexOf(term) >= 0) best = 25;
      else if (kind.indexOf(term) >= 0) best = 12;
      else if (desc.indexOf(term) >= 0) best = 8;
      if (!best) return 0;
      total += best;
    }
    return total;
  }

  function setupSearch() {
    var input = document.getElementById("search-input");
    var list = document.getElementById("search-results");
    var data = document.getElementById("search-index");
    if (!input || !list || !data) return;
    var entries;
    try { entries = JSON.parse(data.textContent || "[]"); } catch (e) { entries = []; }
    var root = rootPrefix();
    var active = -1;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = list.querySelectorAll("li[role=option]");
      for (var i = 0; i < items.length; i++) items[i].setAttribute("aria-selected", i === index ? "true" : "false");
      active = index;
      if (items[index]) {
        input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      }
    }

    function render() {
      var query = normalise(input.value).trim();
      list.textContent = "";
      if (!query) { close(); return; }
      var terms = query.split(/\s+/);
      var found = [];
      for (var i = 0; i < entries.length; i++) {
        var s = score(entries[i], terms);
        if (s) found.push({ s: s, e: entries[i] });
      }
      found.sort(function (a, b) { return b.s - a.s || (a.e.t < b.e.t ? -1 : a.e.t > b.e.t ? 1 : 0); });
      found = found.slice(0, 12);
      if (!found.length) {
        var none = document.createElement("li");
        none.className = "r-empty";
        none.textContent = "No match for \u201c" + input.value.trim() + "\u201d";
        list.appendChild(none);
      }
      for (var j = 0; j < found.length; j++) {
        var entry = found[j].e;
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = "search-option-" + j;
        var a = document.createElement("a");
        a.href = root + entry.u;
        a.tabIndex = -1;
        var kind = document.createElement("span");
        kind.className = "r-kind";
        kind.textContent = entry.k;
        var title = document.createElement("span");
        title.className = "r-title";
        title.textContent = entry.t;
        var desc = document.createElement("span");
        desc.className = "r-desc";
        desc.textContent = entry.d || entry.n;
        a.appendChild(kind);
        a.appendChild(title);
        a.appendChild(desc);
        li.appendChild(a);
        list.appendChild(li);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(found.length ? 0 : -1);
    }

    input.addEventListener("input", render);
    input.addEventListener("focus", function () { if (input.value.trim()) render(); });
    input.addEventListener("keydown", function (event) {
      var count = list.querySelectorAll("li[role=option]").length;
      if (event.key === "ArrowDown" && count) { event.preventDefault(); highlight((active + 1) % count); }
      else if (event.key === "ArrowUp" && count) { event.preventDefault(); highlight((active - 1 + count) % count); }
      else if (event.key === "Enter") {
        var chosen = list.querySelectorAll("li[role=option] a")[active];
        if (chosen) { event.preventDefault(); window.location.href = chosen.href; }
      } else if (event.key === "Escape") { input.value = ""; close(); input.blur(); }
    });
    document.addEventListener("click", function (event) {
      if (!list.contains(event.target) && event.target !== input) close();
    });
    document.addEventListener("keydown", function (event) {
      var tag = (event.target && event.target.tagName) || "";
      if (event.key === "/" && tag !== "INPUT" && tag !== "TEXTAREA") {
        event.preventDefault();
        input.focus();
      }
    });
  }

  /* ------------------------------------------------------------------ SQL tabs */
  var STORE = "nsmcode.dialect";

  function remembered() {
    try { return window.localStorage.getItem(STORE); } catch (e) { return null; }
  }

  function remember(dialect) {
    try { window.localStorage.setItem(STORE, dialect); } catch (e) { /* private mode, file:// */ }
  }

  function setupTabs(container) {
    var tabs = Array.prototype.slice.call(container.querySelectorAll("[role=tab]"));
    var panels = Array.prototype.slice.call(container.querySelectorAll("[role=tabpanel]"));
    if (!tabs.length) return;
    function select(index, focus) {
      for (var i = 0; i < tabs.length; i++) {
        var on = i === index;
        tabs[i].setAttribute("aria-selected", on ? "true" : "false");
        tabs[i].tabIndex = on ? 0 : -1;
        panels[i].hidden = !on;
      }
      if (focus) tabs[index].focus();
    }
    var start = 0;
    var saved = remembered();
    for (var i = 0; i < tabs.length; i++) if (tabs[i].getAttribute("data-dialect") === saved) start = i;
    select(start, false);
    container.classList.add("tabs-ready");
    tabs.forEach(function (tab, index) {
      tab.addEventListener("click", function () { select(index, false); remember(tab.getAttribute("data-dialect")); });
      tab.addEventListener("keydown", function (event) {
        var next = null;
        if (event.key === "ArrowRight") next = (index + 1) % tabs.length;
        else if (event.key === "ArrowLeft") next = (index - 1 + tabs.length) % tabs.length;
        else if (event.key === "Home") next = 0;
        else if (event.key === "End") next = tabs.length - 1;
        if (next !== null) { event.preventDefault(); select(next, true); remember(tabs[next].getAttribute("data-dialect")); }
      });
    });
  }

  /* ------------------------------------------------------------------ copy buttons */
  function copyText(text, done) {
    function fallback() {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      done(ok);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
    } else {
      fallback();
    }
  }

  function setupCopy(button) {
    button.addEventListener("click", function () {
      var code = document.getElementById(button.getAttribute("data-copy"));
      if (!code) return;
      copyText(code.textContent || "", function (ok) {
        button.textContent = ok ? "Copied" : "Select and copy";
        button.classList.toggle("copied", ok);
        window.setTimeout(function () { button.textContent = "Copy"; button.classList.remove("copied"); }, 1600);
      });
    });
  }

  /* ------------------------------------------------------------------ phone menu */
  function setupMenu() {
    var button = document.querySelector(".menu-button");
    var sidebar = document.getElementById("sidebar");
    if (!button || !sidebar) return;
    function set(open) {
      sidebar.classList.toggle("open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    button.addEventListener("click", function () { set(!sidebar.classList.contains("open")); });
    document.addEventListener("keydown", function (event) { if (event.key === "Escape") set(false); });
    sidebar.addEventListener("click", function (event) { if (event.target.tagName === "A") set(false); });
  }

  function init() {
    setupSearch();
    Array.prototype.forEach.call(document.querySelectorAll("[data-tabs]"), setupTabs);
    Array.prototype.forEach.call(document.querySelectorAll("button.copy"), setupCopy);
    setupMenu();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
