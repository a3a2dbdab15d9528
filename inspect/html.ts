/**
 * The shared shell of the self-contained HTML reports (`scan`'s report.html, and `access`'s): one file, no
 * network (a Content-Security-Policy forbids every fetch, font and external script), the data embedded as
 * JSON in a `<script type="application/json">` element, the page drawn by a small vanilla-JS library
 * (`UI_SCRIPT`: escaping, tables with search and filters, an SVG graph of one node's neighbours).
 *
 * Usage: `htmlPage({ title, data, body, script })` where `script` runs after `UI_SCRIPT` and reads the data
 * with `KSP.data()`.
 */

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** JSON safe inside a `<script>` element (no `</script>`, no `<!--`, no U+2028/2029 surprises). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** Forbids every network access: only the page's own inline style and script run. */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export const BASE_CSS = `
:root { --bg:#f7f7f9; --fg:#1d1f23; --muted:#667; --line:#d8dae0; --card:#fff; --accent:#2f5fd0;
  --critical:#a4133c; --high:#d9480f; --medium:#b08900; --low:#2b8a3e; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:var(--bg); color:var(--fg); }
header { padding:14px 20px; background:#1d2433; color:#fff; }
header h1 { margin:0 0 4px; font-size:18px; }
header .meta { color:#c8cde0; font-size:12px; }
main { padding:14px 20px; }
.controls { display:flex; flex-wrap:wrap; gap:10px; align-items:center; margin:0 0 12px; }
.controls input, .controls select { padding:5px 8px; border:1px solid var(--line); border-radius:4px; font:inherit; background:#fff; }
.controls input[type=search] { min-width:280px; }
.cards { display:flex; flex-wrap:wrap; gap:10px; margin-bottom:12px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:6px; padding:8px 12px; min-width:120px; }
.card b { display:block; font-size:20px; }
.grid { display:grid; grid-template-columns:minmax(480px, 1fr) minmax(420px, 1.25fr); gap:14px; }
section { background:var(--card); border:1px solid var(--line); border-radius:6px; padding:10px 12px; margin-bottom:14px; overflow:auto; }
section h2 { margin:0 0 8px; font-size:15px; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { text-align:left; padding:4px 6px; border-bottom:1px solid var(--line); vertical-align:top; }
th { position:sticky; top:0; background:#eef0f5; }
tr.clickable { cursor:pointer; }
tr.clickable:hover, tr.selected { background:#e8efff; }
.sev { display:inline-block; padding:0 6px; border-radius:3px; color:#fff; font-size:11px; text-transform:uppercase; }
.sev-critical { background:var(--critical); } .sev-high { background:var(--high); } .sev-medium { background:var(--medium); } .sev-low { background:var(--low); }
.muted { color:var(--muted); }
pre { background:#f1f3f7; padding:8px; border-radius:4px; overflow:auto; font-size:12px; }
code { font-size:12px; }
svg text { font:12px system-ui, sans-serif; }
.empty { color:var(--muted); font-style:italic; }
.hidden { display:none !important; }
`;

/**
 * The shared client library, exposed as `window.KSP`:
 * - `data()`: the embedded JSON;
 * - `esc(text)`: HTML escaping;
 * - `el(tag, attrs, children)`: element builder (text children are escaped by the DOM);
 * - `table(container, columns, rows, { onClick, rowClass })`: (re)draws a table; columns `{ title, value(row) -> string | Node }`;
 * - `graph(svg, center, groups)`: draws `center` with its neighbour `groups` (`{ title, side: "left"|"right", nodes: [{ label, sub, color }] }`) as boxes and edges;
 * - `option(select, values, allLabel)`: fills a select.
 */
export const UI_SCRIPT = `
(function () {
  "use strict";
  var KSP = {};
  KSP.data = function () { return JSON.parse(document.getElementById("ksp-data").textContent); };
  KSP.esc = function (t) { return String(t).replace(/[&<>"']/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]; }); };
  KSP.el = function (tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { if (k === "text") e.textContent = attrs[k]; else if (k === "class") e.className = attrs[k]; else e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  };
  KSP.sev = function (s) { return KSP.el("span", { class: "sev sev-" + s, text: s }); };
  KSP.option = function (select, values, allLabel) {
    select.innerHTML = "";
    select.appendChild(KSP.el("option", { value: "", text: allLabel }));
    values.forEach(function (v) { select.appendChild(KSP.el("option", { value: v, text: v })); });
  };
  KSP.table = function (container, columns, rows, opts) {
    opts = opts || {};
    var limit = opts.limit || 500;
    container.innerHTML = "";
    if (rows.length === 0) { container.appendChild(KSP.el("p", { class: "empty", text: opts.empty || "nothing matches" })); return; }
    var t = KSP.el("table"), head = KSP.el("tr");
    columns.forEach(function (c) { head.appendChild(KSP.el("th", { text: c.title })); });
    t.appendChild(KSP.el("thead", null, [head]));
    var body = KSP.el("tbody");
    rows.slice(0, limit).forEach(function (r) {
      var tr = KSP.el("tr", { class: (opts.onClick ? "clickable " : "") + (opts.rowClass ? opts.rowClass(r) : "") });
      columns.forEach(function (c) { var v = c.value(r); tr.appendChild(v instanceof Node ? KSP.el("td", null, [v]) : KSP.el("td", { text: v == null ? "" : String(v) })); });
      if (opts.onClick) tr.addEventListener("click", function () { opts.onClick(r, tr); });
      body.appendChild(tr);
    });
    t.appendChild(body);
    container.appendChild(t);
    if (rows.length > limit) container.appendChild(KSP.el("p", { class: "muted", text: (rows.length - limit) + " more rows: narrow the search or the filters" }));
  };
  var NS = "http://www.w3.org/2000/svg";
  function s(tag, attrs, text) { var e = document.createElementNS(NS, tag); Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); }); if (text != null) e.textContent = text; return e; }
  KSP.graph = function (svg, center, groups) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var W = 900, boxW = 250, boxH = 34, gap = 8, max = 18;
    var cols = { left: [], right: [] };
    groups.forEach(function (g) { var shown = g.nodes.slice(0, max); cols[g.side].push({ title: g.title, nodes: shown, more: g.nodes.length - shown.length }); });
    function height(col) { return col.reduce(function (h, g) { return h + 22 + (g.nodes.length + (g.more > 0 ? 1 : 0)) * (boxH + gap) + (g.nodes.length === 0 ? boxH : 0); }, 0); }
    var H = Math.max(140, height(cols.left), height(cols.right)) + 20;
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.setAttribute("height", String(H));
    var cx = W / 2 - 110, cy = H / 2 - 28;
    function box(x, y, w, h, label, sub, color, cls) {
      var g = s("g", { class: cls || "node" });
      g.appendChild(s("rect", { x: x, y: y, width: w, height: h, rx: 5, fill: "#fff", stroke: color || "#8a93a8", "stroke-width": 1.5 }));
      g.appendChild(s("text", { x: x + 8, y: y + (sub ? 14 : 21) }, label.length > 36 ? label.slice(0, 35) + "…" : label));
      if (sub) g.appendChild(s("text", { x: x + 8, y: y + 28, fill: "#667" }, sub.length > 38 ? sub.slice(0, 37) + "…" : sub));
      svg.appendChild(g);
      return g;
    }
    ["left", "right"].forEach(function (side) {
      var y = 10, x = side === "left" ? 10 : W - boxW - 10;
      cols[side].forEach(function (g) {
        svg.appendChild(s("text", { x: x, y: y + 12, "font-weight": "bold" }, g.title));
        y += 22;
        if (g.nodes.length === 0) { svg.appendChild(s("text", { x: x + 8, y: y + 20, fill: "#999", "font-style": "italic" }, "none")); y += boxH; }
        g.nodes.forEach(function (n) {
          var ex = side === "left" ? x + boxW : x, ey = y + boxH / 2;
          svg.appendChild(s("line", { x1: ex, y1: ey, x2: side === "left" ? cx : cx + 220, y2: cy + 28, stroke: n.color || "#a0a8bb", "stroke-width": 1.2, class: "edge" }));
          box(x, y, boxW, boxH, n.label, n.sub, n.color, "node " + (n.cls || ""));
          y += boxH + gap;
        });
        if (g.more > 0) { svg.appendChild(s("text", { x: x + 8, y: y + 20, fill: "#667" }, "+ " + g.more + " more")); y += boxH + gap; }
      });
    });
    box(cx, cy, 220, 56, center.label, center.sub, "#2f5fd0", "node center");
  };
  window.KSP = KSP;
})();
`;

export interface PageOptions {
  title: string;
  /** Header line under the title (plain text). */
  subtitle?: string;
  /** Embedded as JSON; read with `KSP.data()`. */
  data: unknown;
  /** Trusted HTML of the page body (build it with escapeHtml). */
  body: string;
  /** Page script, run after UI_SCRIPT. */
  script: string;
  /** Extra CSS. */
  css?: string;
}

/** The whole self-contained page. */
export function htmlPage(o: PageOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(CONTENT_SECURITY_POLICY)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(o.title)}</title>
<style>${BASE_CSS}${o.css ?? ""}</style>
</head>
<body>
<header><h1>${escapeHtml(o.title)}</h1>${o.subtitle ? `<div class="meta">${escapeHtml(o.subtitle)}</div>` : ""}</header>
<main>
${o.body}
</main>
<script type="application/json" id="ksp-data">${jsonForScript(o.data)}</script>
<script>${UI_SCRIPT}</script>
<script>${o.script}</script>
</body>
</html>
`;
}
