/**
 * Dump reading: kubectl `-o json` Lists (streamed item by item, across any chunk boundary), concatenated
 * JSON documents, raw API Lists whose items carry no kind, YAML multi-document files, gzip; and what is
 * dropped on read (Secret values, last-applied-configuration, literal env values).
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { stringify } from "yaml";
import { readDumps, JsonItemSplitter } from "../../inspect/dump";
import { InventoryBuilder, reduceObject } from "../../inspect/inventory";
import { MARKER, fixtureCluster } from "./fixtures/cluster";

const dir = mkdtempSync(join(tmpdir(), "scan-dump-"));
const list = { apiVersion: "v1", kind: "List", metadata: { resourceVersion: "" }, items: fixtureCluster() };

function inventoryOf(value: unknown) {
  const b = new InventoryBuilder();
  b.add(value);
  return b.inventory;
}

test("a JSON List is split into its items, whatever the chunk boundaries", () => {
  const text = JSON.stringify(list, null, 2);
  const expected = inventoryOf(list);
  for (const size of [1, 7, 64, 4096]) {
    const b = new InventoryBuilder();
    const splitter = new JsonItemSplitter((v, k, a) => b.add(v, k, a), "x");
    for (let i = 0; i < text.length; i += size) splitter.write(text.slice(i, i + size));
    splitter.end();
    assert.deepEqual(b.inventory, expected, `chunks of ${size}`);
  }
  assert.equal(expected.objects.length, fixtureCluster().length - 1, "the ConfigMap is counted and dropped");
  assert.equal(expected.counts.ConfigMap, 1);
});

test("strings holding brackets, quotes and an `items` key do not confuse the splitter", () => {
  const tricky = { apiVersion: "v1", kind: "List", items: [{ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "a", namespace: "n", annotations: { x: '{"items": [1, "]", "\\"}"]}' } } }] };
  const b = new InventoryBuilder();
  const s = new JsonItemSplitter((v, k, a) => b.add(v, k, a), "x");
  s.write(JSON.stringify(tricky));
  s.end();
  assert.equal(b.inventory.objects.length, 1);
  assert.equal(b.inventory.objects[0].metadata.annotations!.x, '{"items": [1, "]", "\\"}"]}');
});

test("files: JSON List, concatenated documents, raw SecretList, YAML documents, gzip", async () => {
  const items = fixtureCluster();
  const secrets = items.filter((o) => o.kind === "Secret");
  const others = items.filter((o) => o.kind !== "Secret");
  const f1 = join(dir, "others.json");
  writeFileSync(f1, others.map((o) => JSON.stringify(o, null, 1)).join("\n"));
  // A raw API answer (kubectl get --raw /api/v1/secrets): items without kind, the List named after them.
  const f2 = join(dir, "secrets.json.gz");
  writeFileSync(f2, new Uint8Array(gzipSync(JSON.stringify({ items: secrets.map(({ kind: _k, apiVersion: _a, ...rest }) => rest), kind: "SecretList", apiVersion: "v1", metadata: {} }))));
  const inv = await readDumps([f1, f2]);
  const fromList = inventoryOf(list);
  const key = (o: { kind?: string; metadata: { namespace?: string; name?: string } }) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;
  assert.deepEqual(inv.objects.map(key).sort(), fromList.objects.map(key).sort());
  const sorted = (l: typeof inv.objects) => [...l].sort((a, b) => (key(a) < key(b) ? -1 : 1));
  assert.deepEqual(sorted(inv.objects), sorted(fromList.objects));

  const y = join(dir, "all.yaml");
  writeFileSync(y, items.map((o) => stringify(o)).join("---\n"));
  const fromYaml = await readDumps([y]);
  assert.deepEqual(sorted(fromYaml.objects), sorted(fromList.objects));
  const yl = join(dir, "list.yaml.gz");
  writeFileSync(yl, new Uint8Array(gzipSync(stringify(list))));
  assert.deepEqual(sorted((await readDumps([yl])).objects), sorted(fromList.objects));
});

test("malformed input: errors name the file", async () => {
  const bad = join(dir, "bad.json");
  writeFileSync(bad, '{"kind": "List", "items": [{"kind": "Secret"');
  await assert.rejects(readDumps([bad]), new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: truncated JSON`));
  const badY = join(dir, "bad.yaml");
  writeFileSync(badY, "kind: Secret\nmetadata: [unclosed\n");
  await assert.rejects(readDumps([badY]), /bad\.yaml: YAML document 1/);
  await assert.rejects(readDumps([join(dir, "missing.json")]), /ENOENT/);
});

test("values are dropped on read: Secret data, stringData, last-applied-configuration, env literals", () => {
  for (const o of fixtureCluster()) {
    const reduced = reduceObject(o.kind, o);
    assert.equal(JSON.stringify(reduced).includes(MARKER), false, `${o.kind} ${o.metadata.name}`);
    assert.equal(JSON.stringify(reduced).includes(Buffer.from(MARKER).toString("base64").slice(0, 16)), false);
  }
  const s = reduceObject("Secret", fixtureCluster().find((o) => o.kind === "Secret" && o.metadata.name === "regcred")!);
  assert.deepEqual(s.keys, [".dockerconfigjson", "extra"]);
  assert.equal(s.data, undefined);
  assert.equal(s.stringData, undefined);
  assert.equal(s.metadata.annotations, undefined, "only last-applied-configuration was there");
  assert.deepEqual(s.metadata.managers, ["kubectl-client-side-apply"]);
  assert.equal((s.metadata as Record<string, unknown>).managedFields, undefined);
});
