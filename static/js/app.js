/* Start DKFDS components and the session-timeout warning. Loaded with defer; no inline script (CSP). */
(function () {
  "use strict";
  if (window.DKFDS) { window.DKFDS.init(); }

  /* After a failed submit answered by htmx (a part of the page swapped in), do what a full
     page load does (components/forms.html): focus the new error summary the DKFDS way and
     start the title with "Fejl:"; when the errors are gone, take that off again. A swapped
     part that can take focus (tabindex=-1, e.g. the past appointments) gets it. */
  var plainTitle = document.title;
  var summaryOnLoad = document.querySelector("[data-module=error-summary]");
  if (summaryOnLoad) {
    var loadPrefix = summaryOnLoad.getAttribute("data-title-prefix") + " ";
    if (plainTitle.indexOf(loadPrefix) === 0) { plainTitle = plainTitle.slice(loadPrefix.length); }
  }
  document.body.addEventListener("htmx:afterSettle", function (event) {
    var swapped = event.detail.elt;
    if (!swapped || !document.body.contains(swapped)) {
      swapped = event.detail.target && event.detail.target.id ? document.getElementById(event.detail.target.id) : null;
    }
    if (!swapped) { return; }
    var summary = swapped.matches("[data-module=error-summary]") ? swapped : swapped.querySelector("[data-module=error-summary]");
    if (summary) {
      document.title = summary.getAttribute("data-title-prefix") + " " + plainTitle;
      if (window.DKFDS) { new window.DKFDS.ErrorSummary(summary).init(); } else { summary.focus(); }
      return;
    }
    document.title = plainTitle;
    if (swapped.getAttribute("tabindex") === "-1") { swapped.focus(); }
  });

  var body = document.body;
  var timeout = parseInt(body.getAttribute("data-session-timeout") || "0", 10);
  var warning = parseInt(body.getAttribute("data-session-warning") || "0", 10);
  var modalElement = document.getElementById("session-timeout-modal");
  if (!timeout || !modalElement || !window.DKFDS) { return; }

  var modal = new window.DKFDS.Modal(modalElement);
  var warnTimer, endTimer;

  // Logging out is a POST (a link must never end a session); the reason shows on the page after.
  function endSession() {
    document.getElementById("session-timeout-reason").value = "timeout";
    document.getElementById("session-timeout-logout").submit();
  }

  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(function () { modal.show(); }, Math.max(timeout - warning, 1) * 1000);
    endTimer = setTimeout(endSession, timeout * 1000);
  }

  document.getElementById("session-timeout-extend").addEventListener("click", function () {
    var token = document.querySelector("#session-timeout-logout input[name=csrf_token]").value;
    fetch(body.getAttribute("data-session-extend-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token }
    }).then(function (response) {
      if (response.ok) { modal.hide(); schedule(); }
      else { endSession(); }
    });
  });

  document.body.addEventListener("htmx:afterRequest", schedule);
  schedule();
})();
