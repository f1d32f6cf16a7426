// Small improvements only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Sort: apply on change (without JS, the 应用 button submits the form).
  document.querySelectorAll("select.js-autosubmit").forEach(function (select) {
    select.addEventListener("change", function () {
      var form = select.form;
      if (form) { form.submit(); }
    });
  });

  // "/" focuses the search box, as on many search sites.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
                            target.tagName === "SELECT" || target.isContentEditable);
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      var box = document.getElementById("q");
      if (box) { event.preventDefault(); box.focus(); box.select(); }
    }
  });

  // Source view: scroll the marked span into view inside the source box. On load only the
  // box scrolls (the page stays at the top) unless the address asks for #span.
  var span = document.getElementById("span");
  if (!span) { return; }
  var box = span.closest(".source-text");
  function showInBox() {
    // .source-text is position: relative, so offsetTop is measured from the box
    if (box) { box.scrollTop = Math.max(0, span.offsetTop - 16); }
  }
  function reveal() {
    showInBox();
    span.scrollIntoView({ block: "start", behavior: "auto" });
    span.classList.add("is-flash");
    span.focus({ preventScroll: true });
  }
  showInBox();
  if (window.location.hash === "#span") { reveal(); }
  window.addEventListener("hashchange", function () {
    if (window.location.hash === "#span") { reveal(); }
  });
  document.querySelectorAll('a[href="#span"]').forEach(function (link) {
    link.addEventListener("click", function () {
      if (window.location.hash === "#span") { reveal(); }  // no hashchange for the same hash
    });
  });
})();
