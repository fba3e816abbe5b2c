// The reading view's small amount of JavaScript: technique filters, a score
// threshold, the hover/focus description of a highlight, offsets for "add a
// span" from a text selection, and polling while the analysis is queued.
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
  var dataNode = document.getElementById("spans-data");
  var text = document.getElementById("text");
  if (!dataNode || !text) { return; }
  var spans = JSON.parse(dataNode.textContent);
  var tip = document.getElementById("tip");
  var threshold = document.getElementById("threshold");
  var out = document.getElementById("threshold-out");
  var marks = Array.prototype.slice.call(text.querySelectorAll("mark.hl"));

  function shown() {
    var on = {};
    document.querySelectorAll(".tech-filter").forEach(function (box) { on[box.value] = box.checked; });
    var min = threshold ? parseFloat(threshold.value) : 0;
    return spans.map(function (s) {
      return on[s.label] !== false && (s.score === null || s.score === undefined || s.score >= min);
    });
  }
  function active(mark, visible) {
    return mark.dataset.spans.split(" ").map(Number).filter(function (i) { return visible[i]; });
  }
  function paint() {
    var visible = shown();
    if (out && threshold) { out.textContent = parseFloat(threshold.value).toFixed(2); }
    marks.forEach(function (mark) {
      var idx = active(mark, visible);
      if (idx.length === 0) {
        mark.style.background = "none"; mark.classList.add("off"); mark.classList.remove("overlap");
        mark.setAttribute("tabindex", "-1");
        return;
      }
      mark.classList.remove("off"); mark.setAttribute("tabindex", "0");
      mark.classList.toggle("overlap", idx.length > 1);
      if (idx.length === 1) { mark.style.background = spans[idx[0]].colour; return; }
      var step = 100 / idx.length;
      mark.style.background = "linear-gradient(180deg, " + idx.map(function (i, k) {
        return spans[i].colour + " " + (k * step) + "% " + ((k + 1) * step) + "%";
      }).join(", ") + ")";
    });
  }
  function describe(mark) {
    var idx = active(mark, shown());
    if (!idx.length) { tip.hidden = true; return; }
    tip.textContent = "";
    idx.forEach(function (i) {
      var s = spans[i];
      var p = document.createElement("p");
      var b = document.createElement("strong");
      b.textContent = s.name + (s.score !== null && s.score !== undefined ? " (score " + s.score.toFixed(2) + ")" : " (" + s.state + ")");
      p.appendChild(b);
      p.appendChild(document.createTextNode(": " + s.definition));
      tip.appendChild(p);
    });
    tip.hidden = false;
  }
  marks.forEach(function (mark) {
    mark.addEventListener("mouseenter", function () { describe(mark); });
    mark.addEventListener("focus", function () { describe(mark); });
  });
  text.addEventListener("mouseleave", function () { if (!text.contains(document.activeElement)) { tip.hidden = true; } });
  text.addEventListener("keydown", function (e) { if (e.key === "Escape") { tip.hidden = true; } });
  document.querySelectorAll(".tech-filter").forEach(function (box) { box.addEventListener("change", paint); });
  if (threshold) { threshold.addEventListener("input", paint); }

  // Offsets of a selection: each piece carries the offset of its first character.
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
  paint();
})();
