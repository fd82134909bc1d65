// Plan the series: each subject's and preheader's character count follows the typing. Without
// JavaScript the count is the saved text's, shown again after Save; no inline script (CSP).
(function () {
  "use strict";
  document.querySelectorAll("input[data-limit][data-count]").forEach(function (field) {
    var count = document.getElementById(field.getAttribute("data-count"));
    var limit = Number(field.getAttribute("data-limit"));
    if (!count || !limit) return;
    field.addEventListener("input", function () {
      var length = field.value.length;
      count.textContent = length + " characters" + (length > limit
        ? ": over " + limit + (field.getAttribute("data-over") || "")
        : field.getAttribute("data-under") || "");
      count.classList.toggle("warning", length > limit);
    });
  });
})();
