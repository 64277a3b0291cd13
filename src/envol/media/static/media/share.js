/* The share page for Mastodon: the reader's instance is remembered in this browser (localStorage
   of Envol's own site, never sent anywhere), so that they type it once for every outlet using the
   buttons; a known or typed instance opens its share window directly. Without this script, the
   form comes back from the server with a link to follow. */
(function () {
  "use strict";
  var KEY = "envol-mastodon-instance";
  var form = document.querySelector("[data-share-pick]");
  if (!form) return;
  var page = form.getAttribute("data-page");
  var input = form.querySelector("input[name=instance]");
  var error = document.getElementById("share-instance-error");
  function load() { try { return localStorage.getItem(KEY) || ""; } catch (e) { return ""; } }
  function save(v) { try { localStorage.setItem(KEY, v); } catch (e) {} }
  function host(text) {
    var h = (text || "").trim().toLowerCase().replace(/^https?:\/\//, "").replace(/^@?[^@\/]*@/, "").split(/[\/?#]/)[0];
    return /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$/.test(h) ? h : "";
  }
  function target(instance) { return "https://" + instance + "/share?text=" + encodeURIComponent(page); }
  var known = load();
  var box = document.querySelector("[data-share-known]");
  if (known && box) {
    var go = box.querySelector("[data-share-go]");
    go.href = target(known);
    go.textContent = go.getAttribute("data-label") + " (" + known + ")";
    box.hidden = false;
    go.focus();
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var instance = host(input.value);
    error.hidden = !!instance;
    if (!instance) { input.setAttribute("aria-invalid", "true"); input.focus(); return; }
    input.removeAttribute("aria-invalid");
    save(instance);
    window.location.assign(target(instance));
  });
})();
