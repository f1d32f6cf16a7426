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

  // 复制引用: the citation text is on the page for anyone to select; with JS, one click
  // copies it. The Clipboard API needs a secure context (127.0.0.1 is one); elsewhere the
  // text is selected so that Ctrl+C finishes the job.
  document.querySelectorAll("button.copy-citation").forEach(function (button) {
    var text = document.getElementById(button.getAttribute("data-copy"));
    if (!text) { return; }
    button.hidden = false;
    function done(message) {
      button.textContent = message;
      button.classList.add("is-done");
      window.setTimeout(function () {
        button.textContent = "复制引用";
        button.classList.remove("is-done");
      }, 2000);
    }
    function selectText() {
      var range = document.createRange();
      range.selectNodeContents(text);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
    button.addEventListener("click", function () {
      var value = text.textContent.trim();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(value).then(function () { done("已复制"); },
                                                  function () { selectText(); done("已选中，请按 Ctrl+C"); });
      } else {
        selectText();
        done("已选中，请按 Ctrl+C");
      }
    });
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
