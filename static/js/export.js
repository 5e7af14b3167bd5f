// A workbook being prepared (results/export_progress.html): ask how far it is every second
// or two and show it; once it is no longer running, load the page again (it then shows the
// download, or what went wrong and a button to try again). A ready page downloads by itself
// the first time. Without this file the page reloads itself and offers a button.
(function () {
  "use strict";
  var box = document.querySelector("[data-export-status]");
  if (!box) { return; }
  if (box.dataset.autoDownload) {
    window.location.assign(box.dataset.autoDownload);
    return;
  }
  if (box.dataset.state !== "running") { return; }
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-export-text]");
  var every = Number(box.dataset.pollMs) || 1500;
  var delay = every;

  function tick() {
    fetch(box.dataset.exportStatus, {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" }
    })
      .then(function (r) {
        // Signed out, or the job is not there: the page itself says so.
        if (r.redirected || r.status === 404 || r.status === 403) {
          window.location.reload();
          return null;
        }
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      })
      .then(function (data) {
        if (data === null) { return; }
        delay = every;
        if (data.state !== "running") {
          window.location.reload();
          return;
        }
        if (data.done > 0) {
          bar.max = Math.max(data.total, 1);
          bar.value = data.done;
        }
        text.textContent = data.status;
        setTimeout(tick, delay);
      })
      .catch(function () {
        // The server did not answer (busy, restarting): ask again, less often.
        delay = Math.min(delay * 2, 15000);
        setTimeout(tick, delay);
      });
  }
  setTimeout(tick, every);
})();
