// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Tell the portal how tall the page is, so its iframe fits without scrollbars.
  function postHeight() {
    if (window.parent === window) return;
    var origins = (document.body.dataset.portalOrigins || "").split(" ").filter(Boolean);
    origins.push(window.location.origin);
    var height = Math.ceil(document.documentElement.scrollHeight);
    origins.forEach(function (origin) {
      window.parent.postMessage({ type: "betterfly:height", height: height }, origin);
    });
  }

  // After htmx swaps in a form with errors, move focus to the summary.
  function focusErrorSummary(event) {
    var summary = event.target.querySelector && event.target.querySelector(".error-summary");
    if (summary) summary.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.documentElement.classList.add("js");
    postHeight();
    if (window.ResizeObserver) new ResizeObserver(postHeight).observe(document.body);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    focusErrorSummary(event);
    postHeight();
  });
})();
