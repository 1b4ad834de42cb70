// Refreshes the overview's figures without a full reload: fetch the fragment every 30 s and
// swap it in. A 401 means the session ended: reload, which lands on the sign-in page.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !live.dataset.src) { return; }
  var every = parseInt(live.dataset.every || "30", 10) * 1000;
  function refresh() {
    fetch(live.dataset.src, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) {
        if (r.status === 401) { window.location.reload(); return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (html === null) { return; }
        live.innerHTML = html;
        live.dataset.refreshed = String(parseInt(live.dataset.refreshed || "0", 10) + 1);
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }
  window.setInterval(refresh, every);
  live.dataset.ready = "1";
}());
