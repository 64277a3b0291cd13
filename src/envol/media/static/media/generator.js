/* The widget generator's live preview: every change asks this site (never another) for the
   snippet and reloads the preview frame. Without JavaScript the form's button does the same. */
(function () {
  "use strict";
  var me = document.currentScript;
  var form = document.getElementById("widget-options");
  var code = document.getElementById("widget-code");
  var size = document.getElementById("widget-size");
  var frame = document.getElementById("widget-preview");
  var label = me.getAttribute("data-size-label");
  var max = me.getAttribute("data-max");
  var timer = null;
  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) { params.append(key, value); });
    return params.toString();
  }
  function refresh() {
    var q = query();
    fetch("snippet.txt?" + q, { credentials: "omit" })
      .then(function (r) { return r.text(); })
      .then(function (text) {
        code.value = text;
        var bytes = new TextEncoder().encode(text).length;
        size.textContent = label.replace("__SIZE__", bytes).replace("__MAX__", max);
        frame.src = "preview/?" + q;
        history.replaceState(null, "", "?" + q);
      });
  }
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 250); });
  form.addEventListener("submit", function (event) { event.preventDefault(); refresh(); });
})();
