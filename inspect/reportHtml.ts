/**
 * report.html of a scan: one self-contained page (inspect/html.ts shell). Pick a Secret to see its source,
 * consumers and readers as a graph; search; filter by cluster, namespace and minimum severity; findings and
 * proposals follow the same filters.
 */
import { SEVERITY_RANK } from "./findings";
import { htmlPage } from "./html";
import { refText } from "./graph";
import type { ClusterScan, ScanDocument, Severity } from "./scanSchema";

function maxSeverity(a: Severity | null, b: Severity): Severity {
  return a === null || SEVERITY_RANK[b] < SEVERITY_RANK[a] ? b : a;
}

function clusterData(c: ClusterScan) {
  const secretSev = new Map<string, Severity>();
  for (const f of c.findings) if (f.secret) secretSev.set(f.secret, maxSeverity(secretSev.get(f.secret) ?? null, f.severity));
  for (const s of c.secrets) {
    for (const id of s.readers) {
      const g = c.grants[id];
      if (!g.exempt && g.access !== "write") secretSev.set(s.id, maxSeverity(secretSev.get(s.id) ?? null, g.severity));
    }
  }
  return {
    name: c.name,
    secrets: c.secrets.map((s) => ({
      id: s.id,
      ns: s.namespace,
      name: s.name,
      type: s.type ?? "",
      source: s.source.kind,
      detail: s.source.detail,
      consumers: s.consumers.map((x) => ({ via: x.via, object: refText(x.object), sa: x.serviceAccount ?? "", pods: x.pods })),
      readers: s.readers,
      blast: s.blast,
      sev: secretSev.get(s.id) ?? "",
      clouds: s.cloudIdentities.map((ci) => `${ci.provider} ${ci.identity}`),
    })),
    grants: c.grants.map((g) => ({ subject: g.subject, access: g.access, mechanism: g.mechanism, ns: g.namespace, names: g.resourceNames ?? null, via: g.via ?? "", exempt: g.exempt, severity: g.severity, chain: g.path.join(" → ") })),
    findings: c.findings.map((f) => ({ severity: f.severity, rule: f.rule, message: f.message, fix: f.fix, ns: f.object.namespace ?? (f.secret ? f.secret.split("/")[1] : ""), secret: f.secret ?? "" })),
    proposals: c.proposals.map((p) => ({ sa: p.serviceAccount, ns: p.namespace, narrows: p.narrows, diff: p.diff, yaml: p.yaml, pulumi: p.pulumi })),
    notListed: c.notListed,
  };
}

const BODY = `
<div class="controls">
  <input type="search" id="search" placeholder="Search Secrets, subjects, workloads, findings" aria-label="search">
  <select id="cluster" aria-label="cluster"></select>
  <select id="namespace" aria-label="namespace"></select>
  <select id="severity" aria-label="minimum severity">
    <option value="">any severity</option><option value="low">low and above</option><option value="medium">medium and above</option>
    <option value="high">high and above</option><option value="critical">critical</option>
  </select>
  <span id="counts" class="muted"></span>
</div>
<div class="cards" id="cards"></div>
<div id="not-listed"></div>
<div class="grid">
  <section><h2>Secrets</h2><div id="secrets-table"></div></section>
  <section><h2 id="graph-title">Graph</h2><svg id="graph" width="100%" role="img" aria-label="Secret graph"></svg><div id="graph-detail"></div></section>
</div>
<section><h2>Findings</h2><div id="findings-table"></div></section>
<section><h2>Narrowing proposals</h2><div id="proposals"></div></section>
`;

const SCRIPT = `
(function () {
  "use strict";
  var K = window.KSP, doc = K.data(), el = K.el;
  var RANK = { critical: 0, high: 1, medium: 2, low: 3 };
  var $ = function (id) { return document.getElementById(id); };
  var state = { cluster: 0, selected: null };
  K.option($("cluster"), doc.clusters.map(function (c) { return c.name; }), doc.clusters.length === 1 ? doc.clusters[0].name : "every cluster");
  if (doc.clusters.length === 1) $("cluster").value = "";
  function cluster() { var v = $("cluster").value; for (var i = 0; i < doc.clusters.length; i++) if (doc.clusters[i].name === v) return [doc.clusters[i]]; return doc.clusters; }
  function namespaces() { var s = {}; cluster().forEach(function (c) { c.secrets.forEach(function (x) { s[x.ns] = true; }); }); return Object.keys(s).sort(); }
  function fillNamespaces() { var cur = $("namespace").value; K.option($("namespace"), namespaces(), "every namespace"); $("namespace").value = cur; }
  function sevOk(sev) { var min = $("severity").value; if (!min) return true; return sev !== "" && RANK[sev] <= RANK[min]; }
  function q() { return $("search").value.trim().toLowerCase(); }
  function matches(text) { var t = q(); return !t || text.toLowerCase().indexOf(t) >= 0; }
  function readersOf(c, s) {
    var bySubject = {};
    s.readers.forEach(function (id) { var g = c.grants[id]; if (g.access === "write") return; var r = bySubject[g.subject] || (bySubject[g.subject] = { subject: g.subject, exempt: g.exempt, mech: [], cluster: false, sev: g.severity }); if (r.mech.indexOf(g.mechanism) < 0) r.mech.push(g.mechanism); if (g.ns === "*") r.cluster = true; if (RANK[g.severity] < RANK[r.sev]) r.sev = g.severity; });
    return Object.keys(bySubject).sort().map(function (k) { return bySubject[k]; });
  }
  function secretText(c, s) { return [s.id, s.source, s.detail, s.type].concat(s.consumers.map(function (x) { return x.object + " " + x.sa; })).concat(readersOf(c, s).map(function (r) { return r.subject; })).join(" "); }
  function visibleSecrets() {
    var ns = $("namespace").value, out = [];
    cluster().forEach(function (c) { c.secrets.forEach(function (s) { if ((!ns || s.ns === ns) && sevOk(s.sev) && matches(secretText(c, s))) out.push({ c: c, s: s }); }); });
    return out;
  }
  var SEV_COLOR = { critical: "#a4133c", high: "#d9480f", medium: "#b08900", low: "#2b8a3e" };
  function select(item) {
    state.selected = item ? item.s.id : null;
    document.querySelectorAll("#secrets-table tr.selected").forEach(function (tr) { tr.classList.remove("selected"); });
    var row = document.querySelector('#secrets-table tr[data-secret="' + (item ? CSS.escape(item.s.id) : "") + '"]');
    if (row) row.classList.add("selected");
    var svg = $("graph");
    if (!item) { while (svg.firstChild) svg.removeChild(svg.firstChild); $("graph-title").textContent = "Graph"; $("graph-detail").innerHTML = ""; return; }
    var c = item.c, s = item.s, readers = readersOf(c, s);
    $("graph-title").textContent = "Graph: " + s.ns + "/" + s.name;
    var consumers = s.consumers.map(function (x) { return { label: x.object, sub: x.via + (x.sa ? " as " + x.sa.replace("ServiceAccount ", "") : "") + (x.pods ? ", " + x.pods + " pods" : ""), color: "#2b8a3e" }; });
    var open = readers.filter(function (r) { return !r.exempt; }).map(function (r) { return { label: r.subject, sub: r.mech.join(", ") + (r.cluster ? ", cluster-wide" : ""), color: SEV_COLOR[r.sev], cls: "reader" }; });
    var exempt = readers.filter(function (r) { return r.exempt; }).map(function (r) { return { label: r.subject, sub: "exempt: " + r.mech.join(", "), color: "#8a93a8", cls: "reader exempt" }; });
    K.graph(svg, { label: s.ns + "/" + s.name, sub: s.type || s.source }, [
      { title: "Source", side: "left", nodes: [{ label: s.source, sub: s.detail, color: s.source === "static" ? "#d9480f" : "#2f5fd0" }] },
      { title: "Consumers", side: "left", nodes: consumers },
      { title: "Readers", side: "right", nodes: open },
      { title: "Exempt readers", side: "right", nodes: exempt },
    ]);
    var d = $("graph-detail"); d.innerHTML = "";
    d.appendChild(el("p", { class: "muted", text: "Blast radius: " + s.blast.readers + " readers (" + s.blast.nonExemptReaders + " not exempt, " + s.blast.clusterWideReaders + " cluster-wide), " + s.blast.pods + " pods in " + s.blast.namespaces + " namespaces" + (s.clouds.length ? "; cloud identities of consumers: " + s.clouds.join(", ") : "") }));
    var chains = s.readers.map(function (id) { return c.grants[id]; }).filter(function (g) { return !g.exempt; });
    if (chains.length) K.table(d.appendChild(el("div", { id: "chains" })), [
      { title: "Reader", value: function (g) { return g.subject; } },
      { title: "How", value: function (g) { return g.access + " / " + g.mechanism + (g.names ? " (only " + g.names.join(", ") + ")" : "") + (g.via ? " acting as " + g.via : ""); } },
      { title: "Chain", value: function (g) { return g.chain; } },
    ], chains, { limit: 50 });
  }
  function render() {
    var secrets = visibleSecrets();
    K.table($("secrets-table"), [
      { title: "Secret", value: function (r) { return r.s.ns + "/" + r.s.name; } },
      { title: "Source", value: function (r) { return r.s.source; } },
      { title: "Consumers", value: function (r) { return String(r.s.consumers.length); } },
      { title: "Readers (not exempt)", value: function (r) { return r.s.blast.readers + " (" + r.s.blast.nonExemptReaders + ")"; } },
      { title: "Pods", value: function (r) { return String(r.s.blast.pods); } },
      { title: "Risk", value: function (r) { return r.s.sev ? K.sev(r.s.sev) : ""; } },
    ], secrets, { onClick: function (r) { select(r); }, empty: "no Secret matches" });
    document.querySelectorAll("#secrets-table tbody tr").forEach(function (tr, i) { if (secrets[i]) tr.setAttribute("data-secret", secrets[i].s.id); });
    var ns = $("namespace").value, findings = [];
    cluster().forEach(function (c) { c.findings.forEach(function (f) { if ((!ns || f.ns === ns) && sevOk(f.severity) && matches(f.rule + " " + f.message)) findings.push(f); }); });
    K.table($("findings-table"), [
      { title: "Severity", value: function (f) { return K.sev(f.severity); } },
      { title: "Rule", value: function (f) { return f.rule; } },
      { title: "Finding", value: function (f) { return f.message; } },
      { title: "Fix", value: function (f) { return f.fix; } },
    ], findings, { empty: "no finding matches", rowClass: function (f) { return "finding sev-row-" + f.severity; } });
    var props = $("proposals"); props.innerHTML = "";
    var shown = 0;
    cluster().forEach(function (c) { c.proposals.forEach(function (p) {
      if ((ns && p.ns !== ns) || !p.narrows || !matches(p.sa + " " + p.diff.join(" "))) return;
      if (shown++ >= 100) return;
      props.appendChild(el("h3", { text: p.sa }));
      props.appendChild(el("pre", { class: "diff", text: p.diff.join("\\n") }));
      var det = el("details", null, [el("summary", { text: "YAML and Pulumi" }), el("pre", { text: p.yaml }), el("pre", { text: p.pulumi })]);
      props.appendChild(det);
    }); });
    if (!shown) props.appendChild(el("p", { class: "empty", text: "no proposal matches" }));
    $("counts").textContent = secrets.length + " Secrets, " + findings.length + " findings shown";
    var keep = null; secrets.forEach(function (r) { if (r.s.id === state.selected) keep = r; });
    if (!keep) { keep = secrets.slice().sort(function (a, b) { return b.s.blast.nonExemptReaders - a.s.blast.nonExemptReaders; })[0] || null; }
    select(keep);
  }
  function cards() {
    var box = $("cards"); box.innerHTML = "";
    var n = { secrets: 0, critical: 0, high: 0, medium: 0, low: 0 };
    cluster().forEach(function (c) { n.secrets += c.secrets.length; c.findings.forEach(function (f) { n[f.severity]++; }); });
    [["Secrets", n.secrets], ["critical", n.critical], ["high", n.high], ["medium", n.medium], ["low", n.low]].forEach(function (x) { box.appendChild(el("div", { class: "card" }, [el("b", { text: String(x[1]) }), x[0]])); });
    var nl = $("not-listed"); nl.innerHTML = "";
    cluster().forEach(function (c) { if (c.notListed.length) nl.appendChild(el("section", null, [el("h2", { text: c.name + ": not listed (the scan is incomplete)" }), el("ul", null, c.notListed.map(function (x) { return el("li", { text: x.resource + " (" + (x.status || "error") + "): " + x.impact }); }))])); });
  }
  ["search"].forEach(function (id) { $(id).addEventListener("input", render); });
  ["namespace", "severity"].forEach(function (id) { $(id).addEventListener("change", render); });
  $("cluster").addEventListener("change", function () { fillNamespaces(); cards(); render(); });
  fillNamespaces(); cards(); render();
})();
`;

export function reportHtml(doc: ScanDocument): string {
  const names = doc.clusters.map((c) => c.name).join(", ");
  return htmlPage({
    title: `Secret scan: ${names}`,
    subtitle: `kube-secrets-platform scan ${doc.tool.version}, ${doc.generatedAt}; ${doc.summary.secrets} Secrets`,
    data: { clusters: doc.clusters.map(clusterData) },
    body: BODY,
    script: SCRIPT,
  });
}

