// Keeps the progress part of "Your people" up to date without a reload: asks
// /people/progress.json every few seconds and writes each account's sentence and figures
// into the page. Only text is written (textContent): nothing the server sends becomes markup.
// Without JavaScript the page shows the same sentences, as of its loading.
(function () {
  "use strict";
  const section = document.getElementById("progress");
  if (!section || !window.fetch) return;
  const url = section.dataset.progressUrl;
  const FAST = 5000; // while follows are being sent
  const SLOW = 60000; // when nothing moves: a follow chosen elsewhere still shows up
  let timer = null;

  function apply(data) {
    for (const account of data.accounts) {
      const box = section.querySelector('[data-account="' + String(account.account_id) + '"]');
      if (!box) continue;
      box.dataset.phase = account.phase;
      for (const name of ["statement", "done", "remaining", "failed"]) {
        const field = box.querySelector('[data-field="' + name + '"]');
        if (field && field.textContent !== account[name]) field.textContent = account[name];
      }
    }
    return data.settled ? SLOW : FAST;
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(poll, delay);
  }

  function poll() {
    if (document.hidden) return schedule(SLOW);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((data) => schedule(apply(data)))
      .catch(() => schedule(SLOW));
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) schedule(0);
  });
  const busy = section.querySelector('[data-phase="running"], [data-phase="paused"], [data-phase="scheduled"]');
  schedule(busy ? FAST : SLOW);
})();
