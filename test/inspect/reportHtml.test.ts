/**
 * report.html in headless Chromium (Debian's `chromium`, driven by playwright-core): the page loads with
 * every network request blocked, shows the graph of a Secret, and its search and filters work.
 * Screenshots go to out/test/scan-report/ (or $TEST_OUTPUT_DIR/scan-report/).
 * Needs `chromium` on PATH (or $CHROMIUM_PATH): `.ci/run` installs it; locally `apt-get install chromium`.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { InventoryBuilder } from "../../inspect/inventory";
import { reportHtml } from "../../inspect/reportHtml";
import { DEFAULT_EXEMPT_SUBJECTS, scanCluster, scanDocument } from "../../inspect/scan";
import { MARKER, fixtureCluster } from "./fixtures/cluster";

const outDir = resolve(process.env.TEST_OUTPUT_DIR ?? join(__dirname, "..", "..", "out", "test"), "scan-report");
mkdirSync(outDir, { recursive: true });

function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ["chromium", "chromium-browser"]) {
    try {
      return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
    } catch {
      // try the next name
    }
  }
  throw new Error("headless Chromium not found: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH");
}

const now = new Date("2026-03-01T00:00:00Z");
const b = new InventoryBuilder();
b.add({ kind: "List", apiVersion: "v1", items: fixtureCluster() });
const cluster = scanCluster(b.inventory, { cluster: "fixture", input: { kind: "dump", files: ["fixture.json"] }, exemptSubjects: [...DEFAULT_EXEMPT_SUBJECTS, "ServiceAccount external-secrets/*", "ServiceAccount sealed-secrets/*"], now });
const html = reportHtml(scanDocument([cluster], now, "0.1.0"));
const file = join(outDir, "report.html");
writeFileSync(file, html);

let browser: Browser;
let page: Page;
const blocked: string[] = [];
const errors: string[] = [];

before(async () => {
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url === `file://${file}`) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  await page.goto(`file://${file}`);
});
after(async () => browser?.close());

const rows = (sel: string) => page.$$eval(`${sel} tbody tr`, (trs) => trs.map((tr) => (tr as unknown as { innerText: string }).innerText.split("\t")[0]));

test("the page is self-contained: no request leaves it, no script error, a CSP forbidding the network", async () => {
  assert.deepEqual(blocked, []);
  assert.deepEqual(errors, []);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/);
  assert.equal(html.includes(MARKER), false);
  assert.equal(/<(link|img|iframe)\b|src="http|href="http/.test(html), false);
});

test("it shows the graph of the most exposed Secret, and a click picks another", async () => {
  assert.equal(await page.textContent("#graph-title"), "Graph: shop/db-credentials");
  const labels = await page.$$eval("#graph text", (ts) => ts.map((t) => t.textContent));
  for (const l of ["Source", "Consumers", "Readers", "Exempt readers", "external-secret", "Deployment shop/web", "ServiceAccount shop/web", "ServiceAccount ci/deployer", "shop/db-credentials"]) assert.ok(labels.includes(l), `graph shows ${l}: ${labels.join(" | ")}`);
  assert.equal(await page.$$eval("#graph line.edge", (l) => l.length), 9, "source + consumer + 2 readers + 5 exempt readers");
  await page.screenshot({ path: join(outDir, "report-initial.png") });
  await page.click('#secrets-table tr[data-secret="fixture/payments/stripe-key"]');
  assert.equal(await page.textContent("#graph-title"), "Graph: payments/stripe-key");
  const after = await page.$$eval("#graph g.reader:not(.exempt) text", (ts) => ts.map((t) => t.textContent));
  assert.deepEqual(after, ["ServiceAccount payments/ghost", "secret-read"]);
  assert.match((await page.textContent("#chains")) ?? "", /RoleBinding payments\/old-stripe-reader → Role payments\/stripe-reader rules\[0\]/);
});

test("filters: namespace, minimum severity and search narrow Secrets and findings", async () => {
  await page.selectOption("#namespace", "payments");
  assert.deepEqual(await rows("#secrets-table"), ["payments/payments-db", "payments/stripe-key"]);
  const findingText = await page.$$eval("#findings-table tbody tr", (trs) => trs.map((tr) => (tr as unknown as { innerText: string }).innerText));
  assert.equal(findingText.length, 3);
  for (const t of findingText) assert.match(t, /payments/);
  await page.screenshot({ path: join(outDir, "report-namespace-payments.png") });
  await page.selectOption("#namespace", "");
  await page.selectOption("#severity", "critical");
  assert.equal(await page.textContent("#secrets-table"), "no Secret matches");
  await page.selectOption("#severity", "high");
  assert.equal((await rows("#secrets-table")).length, 6, "the shop Secrets and stripe-key have non-exempt high readers");
  await page.selectOption("#severity", "");
  await page.fill("#search", "ghost");
  assert.deepEqual(await rows("#secrets-table"), ["payments/stripe-key"]);
  assert.equal(await page.textContent("#graph-title"), "Graph: payments/stripe-key");
  await page.fill("#search", "");
  assert.equal((await rows("#secrets-table")).length, 11);
  assert.deepEqual(errors, []);
});
