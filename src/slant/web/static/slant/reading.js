// The reading view's script, shared by the web app and the standalone HTML
// report (which inlines this file). Per article ([data-slant-article]):
// technique filters, the threshold between the spans shown to readers and
// the other candidates, the "show all candidates" toggle, a tooltip on hover
// and focus, and links from the panels that scroll to the text and flash it.
// Without it the page still shows the reader's spans with native tooltips.
(function () {
  "use strict";
  var tip = document.getElementById("tip");
  if (!tip) {
    tip = document.createElement("div");
    tip.id = "tip"; tip.className = "tip"; tip.setAttribute("role", "tooltip"); tip.hidden = true;
    document.body.appendChild(tip);
  }
  // The script shows its own tooltip, so the native one would double it.
  document.querySelectorAll("mark.hl[title]").forEach(function (m) {
    m.setAttribute("data-title", m.getAttribute("title"));
    m.removeAttribute("title");
  });

  var CAND_NOTE = ", a candidate below the threshold";
  function isCand(score, min) { return score !== "" && score !== null && Number(score) < min; }

  function setUp(root) {
    var slider = root.querySelector("input.threshold");
    var output = slider ? root.querySelector("output[for='" + slider.id + "']") : null;
    var toggle = root.querySelector("input.show-cands");
    var boxes = root.querySelectorAll("input.tech-filter");
    var marks = root.querySelectorAll("mark.hl");
    var rows = root.querySelectorAll("ol.spans li[data-s]");

    function refresh(retier) {
      var min = slider ? Number(slider.value) : 0;
      if (output) { output.textContent = min.toFixed(2); }
      var showCands = !!(toggle && toggle.checked);
      root.classList.toggle("show-cands", showCands);
      var off = {};
      boxes.forEach(function (b) { off[b.value] = !b.checked; });
      var shown = {}, cands = {}, total = 0;
      function apply(el) {
        var label = el.getAttribute("data-label");
        if (retier) { el.classList.toggle("cand", isCand(el.getAttribute("data-score"), min)); }
        el.classList.toggle("off", !!off[label]);
        return el.classList.contains("cand");
      }
      marks.forEach(function (m) {
        var cand = apply(m);
        if (m.hasAttribute("data-head")) {
          var label = m.getAttribute("data-label");
          if (cand) { cands[label] = (cands[label] || 0) + 1; total += 1; } else { shown[label] = (shown[label] || 0) + 1; }
          var visible = !off[label] && (!cand || showCands);
          m.setAttribute("tabindex", visible ? "0" : "-1");
        }
      });
      rows.forEach(apply);
      root.querySelectorAll("[data-count]").forEach(function (c) { c.textContent = shown[c.getAttribute("data-count")] || 0; });
      root.querySelectorAll("[data-cands]").forEach(function (c) { c.textContent = "+" + (cands[c.getAttribute("data-cands")] || 0); });
      root.querySelectorAll("[data-cut]").forEach(function (c) { c.textContent = min.toFixed(2); });
      root.querySelectorAll("[data-cands-total]").forEach(function (c) { c.textContent = "(" + total + " below the threshold)"; });
    }
    boxes.forEach(function (b) { b.addEventListener("change", function () { refresh(false); }); });
    if (slider) { slider.addEventListener("input", function () { refresh(true); }); }
    if (toggle) { toggle.addEventListener("change", function () { refresh(false); }); }
    // The server drew the tiers at the exact threshold; the slider may hold it rounded, so keep them.
    refresh(false);
  }
  document.querySelectorAll("[data-slant-article]").forEach(setUp);

  function visible(m) {
    if (m.classList.contains("off")) { return false; }
    var root = m.closest("[data-slant-article]");
    return !m.classList.contains("cand") || !!(root && root.classList.contains("show-cands"));
  }
  function covering(el) {
    var found = [];
    for (var n = el; n && n.classList; n = n.parentElement) {
      if (n.matches("mark.hl") && visible(n)) { found.push(n); }
      if (n.classList.contains("text")) { break; }
    }
    return found;
  }
  function head(m) {
    if (m.hasAttribute("data-head")) { return m; }
    var root = m.closest(".text");
    return root ? root.querySelector("mark[data-head][data-s='" + m.getAttribute("data-s") + "']") : null;
  }
  function show(el) {
    var found = covering(el);
    if (!found.length) { hide(); return; }
    tip.textContent = "";
    found.forEach(function (m) {
      var h = head(m) || m;
      // The tier in the title is the server's; the slider may have moved it since.
      var title = (h.getAttribute("data-title") || "").replace(CAND_NOTE, "");
      if (h.classList.contains("cand")) { title = title.replace("): ", CAND_NOTE + "): "); }
      var cut = title.indexOf("): ");
      var name = document.createElement("p");
      name.className = "tname";
      name.style.setProperty("--c", getComputedStyle(m).getPropertyValue("--c"));
      name.textContent = cut > 0 ? title.slice(0, cut + 1) : title;
      tip.appendChild(name);
      if (cut > 0) {
        var def = document.createElement("p");
        def.textContent = title.slice(cut + 3);
        tip.appendChild(def);
      }
    });
    var r = found[0].getBoundingClientRect();
    tip.hidden = false;
    var left = Math.min(window.scrollX + r.left, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8);
    tip.style.left = Math.max(8, left) + "px";
    tip.style.top = (window.scrollY + r.bottom + 8) + "px";
  }
  function hide() { tip.hidden = true; }
  document.addEventListener("mouseover", function (e) {
    var m = e.target.closest && e.target.closest("mark.hl");
    if (m) { show(e.target); } else if (!tip.hidden && !(document.activeElement && document.activeElement.matches("mark.hl"))) { hide(); }
  });
  document.addEventListener("focusin", function (e) {
    if (e.target.matches && e.target.matches("mark.hl")) { show(e.target); } else { hide(); }
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") { hide(); } });

  // Scroll to [start, end) in an article's text and flash it; false if the text has no piece there.
  function flash(root, start, end) {
    var pieces = Array.prototype.filter.call(root.querySelectorAll(".text [data-start]"), function (p) {
      var at = Number(p.getAttribute("data-start"));
      return at >= start && at < end;
    });
    if (!pieces.length) { return false; }
    pieces.forEach(function (p) {
      p.classList.remove("flash");
      void p.offsetWidth; // restart the animation
      p.classList.add("flash");
      setTimeout(function () { p.classList.remove("flash"); }, 2600);
    });
    pieces[0].scrollIntoView({block: "center", behavior: "smooth"});
    return true;
  }
  // Links from the panels (stance evidence, quotes, dates) to their place in the text.
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a.goto[data-start]");
    if (!link) { return; }
    var root = link.closest("[data-slant-article]") || document;
    if (flash(root, Number(link.getAttribute("data-start")), Number(link.getAttribute("data-end")))) { e.preventDefault(); }
  });
  // Links from other pages (a story's figures) name a range: #range-START-END.
  var wanted = /^#range-(\d+)-(\d+)$/.exec(location.hash);
  if (wanted) {
    var first = document.querySelector("[data-slant-article]");
    if (first) { flash(first, Number(wanted[1]), Number(wanted[2])); }
  }
})();
