/* Start DKFDS components and the session-timeout warning. Loaded with defer; no inline script (CSP). */
(function () {
  "use strict";
  if (window.DKFDS) { window.DKFDS.init(); }

  var body = document.body;
  var timeout = parseInt(body.getAttribute("data-session-timeout") || "0", 10);
  var warning = parseInt(body.getAttribute("data-session-warning") || "0", 10);
  var modalElement = document.getElementById("session-timeout-modal");
  if (!timeout || !modalElement || !window.DKFDS) { return; }

  var modal = new window.DKFDS.Modal(modalElement);
  var warnTimer, endTimer;

  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(function () { modal.show(); }, Math.max(timeout - warning, 1) * 1000);
    endTimer = setTimeout(function () {
      window.location.assign(body.getAttribute("data-session-end-url"));
    }, timeout * 1000);
  }

  document.getElementById("session-timeout-extend").addEventListener("click", function () {
    var token = document.querySelector("#session-timeout-logout input[name=csrf_token]").value;
    fetch(body.getAttribute("data-session-extend-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token }
    }).then(function (response) {
      if (response.ok) { modal.hide(); schedule(); }
      else { window.location.assign(body.getAttribute("data-session-end-url")); }
    });
  });

  document.body.addEventListener("htmx:afterRequest", schedule);
  schedule();
})();
