// Draws every chart of a page with Vega-Lite (bundled in vendor/, no CDN).
// Each <div data-chart="ID"> gets the spec in <script type="application/json"
// id="ID"> (built by the server). Vega runs with its expression interpreter
// (ast: true), so the page needs no eval under its Content-Security-Policy.
// A chart's points carry links (the "href" channel) to the articles and spans
// they count; "Save SVG" and "Save PNG" export the image.
(function () {
  "use strict";
  if (typeof vegaEmbed !== "function") { return; }
  function save(url, name) {
    var a = document.createElement("a");
    a.href = url; a.download = name;
    document.body.appendChild(a); a.click(); a.remove();
  }
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var node = document.getElementById(el.getAttribute("data-chart"));
    if (!node) { return; }
    var spec = JSON.parse(node.textContent);
    var name = el.getAttribute("data-name") || "chart";
    vegaEmbed(el, spec, {ast: true, renderer: "svg", actions: false, tooltip: true}).then(function (result) {
      el.setAttribute("data-rendered", "1");
      var bar = el.parentElement.querySelector(".chart-actions");
      if (!bar) { return; }
      bar.querySelectorAll("button[data-export]").forEach(function (b) {
        b.hidden = false;
        b.addEventListener("click", function () {
          var kind = b.getAttribute("data-export");
          result.view.toImageURL(kind, kind === "png" ? 2 : 1).then(function (url) { save(url, name + "." + kind); });
        });
      });
    }).catch(function (err) {
      el.textContent = "The chart could not be drawn: " + err;
      el.setAttribute("data-rendered", "error");
    });
  });
})();
