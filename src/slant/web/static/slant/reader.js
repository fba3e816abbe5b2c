// The web reading view's own script (reading.js does the highlights):
// polling while the analysis is queued, and offsets for "add a span" from a
// text selection.
(function () {
  "use strict";
  var status = document.getElementById("status");
  if (status && (status.dataset.status === "queued" || status.dataset.status === "running")) {
    var poll = function () {
      fetch(status.dataset.json, {headers: {Accept: "application/json"}, credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (d) { if (d.status === "done" || d.status === "failed") { location.reload(); } else { setTimeout(poll, 1500); } })
        .catch(function () { setTimeout(poll, 5000); });
    };
    setTimeout(poll, 1500);
  }
  var text = document.getElementById("text");
  if (!text) { return; }
  // Offsets of a selection: the innermost element around each piece of text carries the offset of its first character.
  function offset(node, within) {
    var el = node.nodeType === 3 ? node.parentElement : node;
    if (!el || !el.dataset || el.dataset.start === undefined) { return null; }
    return parseInt(el.dataset.start, 10) + within;
  }
  document.addEventListener("selectionchange", function () {
    var sel = window.getSelection();
    var start = document.getElementById("add-start"), end = document.getElementById("add-end");
    if (!sel || sel.isCollapsed || !start || !text.contains(sel.anchorNode) || !text.contains(sel.focusNode)) { return; }
    var a = offset(sel.anchorNode, sel.anchorOffset), b = offset(sel.focusNode, sel.focusOffset);
    if (a === null || b === null) { return; }
    start.value = Math.min(a, b); end.value = Math.max(a, b);
  });
})();
