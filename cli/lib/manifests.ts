/** One YAML document per Kubernetes object of a plan, as `kubectl apply` would see it (secrets redacted). */
import { createHash } from "node:crypto";
import { stringify } from "yaml";
import type { PlanResource } from "./planDocument";

const K8S_TYPE = /^kubernetes:([^:]+)\/([^:/]+):([A-Za-z0-9]+)$/;
/** Types whose resources are not Kubernetes objects (charts, groups of objects). */
const NOT_OBJECTS = /^kubernetes:(helm\.sh\/v\d+:(Chart|Release)|yaml\/v\d+:(ConfigGroup|ConfigFile)|kustomize\/v\d+:Directory)$/;

export interface Manifest {
  fileName: string;
  object: Record<string, unknown>;
}

function slug(value: unknown): string {
  return String(value).toLowerCase().replace(/[^a-z0-9.-]+/g, "-");
}

/**
 * File names stay well under the 255-byte limit of common file systems (ext4, APFS, NTFS): a longer base is
 * cut and suffixed with a hash of the whole, so names stay unique and the same for the same object.
 */
export const MAX_MANIFEST_BASE = 200;

function shorten(base: string): string {
  if (base.length <= MAX_MANIFEST_BASE) return base;
  return `${base.slice(0, MAX_MANIFEST_BASE - 17)}-${createHash("sha256").update(base).digest("hex").slice(0, 16)}`;
}

/** The Kubernetes objects of a plan with unique, stable file names `<kind>.<namespace>.<name>[.patch].yaml`. */
export function planManifests(resources: PlanResource[]): Manifest[] {
  const used = new Set<string>();
  const out: Manifest[] = [];
  for (const r of resources) {
    const m = K8S_TYPE.exec(r.type);
    if (!m || !r.custom || NOT_OBJECTS.test(r.type)) continue;
    const [, group, version, kind] = m;
    const object: Record<string, unknown> = {
      apiVersion: group === "core" ? version : `${group}/${version}`,
      kind: kind.replace(/Patch$/, ""),
      ...r.inputs,
    };
    const meta = (object.metadata ?? {}) as { name?: string; namespace?: string };
    const base = shorten([slug(String(object.kind)), slug(meta.namespace ?? "cluster"), slug(meta.name ?? r.name)].join("."));
    let fileName = `${base}${kind.endsWith("Patch") ? ".patch" : ""}.yaml`;
    for (let i = 2; used.has(fileName); i++) fileName = `${base}.${i}.yaml`;
    used.add(fileName);
    out.push({ fileName, object });
  }
  return out;
}

export function manifestYaml(m: Manifest): string {
  return stringify(m.object, { sortMapEntries: false, lineWidth: 0 });
}
