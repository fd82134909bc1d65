// The campaign page's live status: fetch the page again every few seconds and swap in its status
// table. Without JavaScript the page's Refresh link does the same; no inline script (CSP).
(function () {
  "use strict";
  var region = document.getElementById("status");
  var seconds = region ? Number(region.getAttribute("data-refresh")) : 0;
  if (!seconds) return;
  window.setInterval(function () {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("status");
        if (fresh) region.innerHTML = fresh.innerHTML;
      })
      .catch(function () { /* the next tick tries again */ });
  }, seconds * 1000);
})();
