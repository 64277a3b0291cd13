/* The widget generator's live preview: every change asks this site (never another) for the
   snippet and reloads the preview frame; the copy button puts the snippet on the clipboard.
   Without JavaScript the form's button updates the page, and the text can be copied by hand. */
(function () {
  "use strict";
  var me = document.currentScript;
  var form = document.getElementById("widget-options");
  var code = document.getElementById("widget-code");
  var size = document.getElementById("widget-size");
  var hashes = document.getElementById("widget-hashes");
  var frame = document.getElementById("widget-preview");
  var copy = document.getElementById("widget-copy");
  var copied = document.getElementById("widget-copied");
  var timer = null;
  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) { params.append(key, value); });
    return params.toString();
  }
  function showHashes(header) {
    hashes.textContent = "";
    (header || "").split(" ").filter(Boolean).forEach(function (pair) {
      var at = pair.indexOf("=");
      var item = document.createElement("li");
      var text = document.createElement("code");
      text.textContent = pair.slice(0, at) + "-src " + pair.slice(at + 1);
      item.appendChild(text);
      hashes.appendChild(item);
    });
  }
  function refresh() {
    var q = query();
    fetch("snippet.txt?" + q, { credentials: "same-origin" })
      .then(function (r) {
        size.textContent = decodeURIComponent(r.headers.get("X-Envol-Size") || "");
        showHashes(r.headers.get("X-Envol-Hashes"));
        return r.text();
      })
      .then(function (text) {
        code.value = text;
        copied.textContent = "";
        frame.src = "preview/?" + q;
        history.replaceState(null, "", "?" + q);
      });
  }
  function said(text) { copied.textContent = text; }
  copy.hidden = false;
  copy.addEventListener("click", function () {
    var done = function () { said(me.getAttribute("data-copied")); };
    var failed = function () { code.focus(); code.select(); said(me.getAttribute("data-copy-failed")); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(code.value).then(done, failed);
    } else {
      failed();
    }
  });
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 250); });
  form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(refresh, 250); });
  form.addEventListener("submit", function (event) { event.preventDefault(); refresh(); });
})();
