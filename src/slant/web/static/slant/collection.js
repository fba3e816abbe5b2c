// A collection page refreshes itself when its analysis jobs finish: it polls
// the jobs' JSON twin while any job is queued or running, says how many are
// left, and reloads once they are all done or failed.
(function () {
  "use strict";
  var note = document.getElementById("progress");
  if (!note || note.hidden || !note.dataset.jobs) { return; }
  var delay = 2000;
  function poll() {
    fetch(note.dataset.jobs, {headers: {Accept: "application/json"}, credentials: "same-origin"})
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (d) {
        var left = (d.jobs || []).filter(function (j) { return j.status === "queued" || j.status === "running"; }).length;
        if (left === 0) { location.reload(); return; }
        note.textContent = left + (left === 1 ? " article" : " articles") + " waiting for analysis; this page refreshes when they are done.";
        delay = 2000;
        setTimeout(poll, delay);
      })
      .catch(function () { delay = Math.min(delay * 2, 30000); setTimeout(poll, delay); });
  }
  setTimeout(poll, delay);
})();
