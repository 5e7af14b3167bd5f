// A workbook being prepared (results/export_progress.html): follow the job and move the bar;
// once it is no longer running, load the page again (it then shows the download, or what went
// wrong and a button to try again). A ready page downloads by itself the first time. Without
// this file the page reloads itself every few seconds and offers a button. It asks through
// app.js's poll (loaded before it), so it backs off as every other page does.
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
  var reload = function () { window.location.reload(); };
  window.Consult.poll(box.dataset.exportStatus, {
    json: true, every: Number(box.dataset.pollMs), onGone: reload,
    headers: { Accept: "application/json" }
  }, function (data) {
    if (data.state !== "running") {
      reload();
      return false;  // no more questions: the page is being loaded again
    }
    if (data.done > 0) {
      bar.max = Math.max(data.total, 1);
      bar.value = data.done;
    }
    text.textContent = data.status;
  });
})();
