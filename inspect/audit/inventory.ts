/**
 * `--inventory FILE`: which Secrets exist and who is granted to read them, for expanding list/watch calls
 * and for could-vs-did. Two inputs are read:
 *
 * - `scan.json` of `kube-secrets-platform scan` (schema version 1, inspect/scanSchema.ts, docs/scan.md): of
 *   it, {@link ScanLike}: `clusters[].name`, `clusters[].secrets[]` (`namespace`, `name`, `type`, `labels`)
 *   and `clusters[].grants[]` (the RBAC engine's Secret grants).
 * - A dump of Kubernetes objects (JSON or YAML: a `List`, multi-document YAML, or an array), e.g.
 *   `kubectl get secrets,serviceaccounts,roles,rolebindings,clusterroles,clusterrolebindings -A -o yaml`.
 *   Grants are computed with the RBAC engine (policy-pack/rbac). Secret `data`/`stringData` and every
 *   annotation are dropped on read: only namespace, name, type and labels are kept.
 */
import * as YAML from "yaml";
import { effectiveSecretAccessTable, type KubeObject } from "../../policy-pack/rbac";
import type { ClusterScan, ScanDocument, SecretGrant, SecretNode } from "../scanSchema";

export interface InventorySecret {
  cluster?: string;
  namespace: string;
  name: string;
  type?: string;
  labels?: Record<string, string>;
}

/** A grant to read Secrets directly (get/list/watch), as the RBAC engine states it. */
export interface InventoryGrant {
  subject: string;
  /** A namespace, or `*` for every namespace. */
  namespace: string;
  verbs: string[];
  /** Absent: every Secret of the scope. */
  resourceNames?: string[];
  /** binding -> role -> rule (-> acts as ...). */
  path: string[];
  /** The subject obtains it by acting as another identity. */
  inherited?: boolean;
}

export interface InventoryCluster {
  name: string;
  secrets: InventorySecret[];
  grants: InventoryGrant[];
}

export interface Inventory {
  source: "scan" | "objects";
  clusters: InventoryCluster[];
}

/** The part of scan.json (inspect/scanSchema.ts, schema version 1) this reader uses. */
export interface ScanLike {
  schemaVersion: ScanDocument["schemaVersion"];
  clusters: Array<
    Pick<ClusterScan, "name"> & {
      secrets: Array<Pick<SecretNode, "namespace" | "name" | "type" | "labels">>;
      grants: Array<Pick<SecretGrant, "subject" | "access" | "mechanism" | "verbs" | "namespace" | "resourceNames" | "path" | "inherited">>;
    }
  >;
}

const RBAC_KINDS = new Set(["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ServiceAccount", "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"]);

/** Reads an inventory from text. Throws an Error naming the field path on bad input (no values echoed). */
export function parseInventory(text: string, fileName: string, clusterName = ""): Inventory {
  let docs: unknown[];
  try {
    const trimmed = text.trimStart();
    docs = trimmed.startsWith("{") || trimmed.startsWith("[") ? [JSON.parse(text)] : YAML.parseAllDocuments(text).map((d) => d.toJS());
  } catch {
    throw new Error(`${fileName}: not valid JSON or YAML`);
  }
  const first = docs[0] as any;
  if (docs.length === 1 && first && typeof first === "object" && !Array.isArray(first) && "schemaVersion" in first) return fromScan(first, fileName);
  const objects: any[] = [];
  const collect = (v: any) => {
    if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === "object") {
      if (typeof v.kind === "string" && v.kind.endsWith("List") && Array.isArray(v.items)) v.items.forEach(collect);
      else objects.push(v);
    }
  };
  docs.forEach(collect);
  const secrets: InventorySecret[] = [];
  const rbac: KubeObject[] = [];
  objects.forEach((o, i) => {
    if (o.kind === "Secret") {
      const md = o.metadata ?? {};
      if (typeof md.name !== "string") throw new Error(`${fileName}: object ${i} (Secret): metadata.name is required`);
      secrets.push({ namespace: typeof md.namespace === "string" ? md.namespace : "default", name: md.name, type: typeof o.type === "string" ? o.type : "Opaque", labels: md.labels ?? {}, ...(clusterName ? { cluster: clusterName } : {}) });
    } else if (RBAC_KINDS.has(o.kind)) {
      // Annotations (last-applied-configuration may hold a whole object) are not needed by the engine.
      const { annotations: _a, managedFields: _m, ...metadata } = o.metadata ?? {};
      rbac.push({ ...o, metadata });
    }
  });
  const grants: InventoryGrant[] = effectiveSecretAccessTable(rbac)
    .filter((row) => row.access === "read")
    .map((row) => ({ subject: row.subject, namespace: row.namespace, verbs: row.verbs, ...(row.resourceNames ? { resourceNames: row.resourceNames } : {}), path: row.chain, ...(row.chain.some((s) => s.startsWith("acts as")) ? { inherited: true } : {}) }));
  secrets.sort((a, b) => (`${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1));
  return { source: "objects", clusters: [{ name: clusterName, secrets, grants }] };
}

function fromScan(doc: any, fileName: string): Inventory {
  if (doc.schemaVersion !== 1) throw new Error(`${fileName}: schemaVersion ${JSON.stringify(doc.schemaVersion)} is not supported (this reader knows version 1)`);
  if (!Array.isArray(doc.clusters)) throw new Error(`${fileName}: clusters must be an array`);
  const scan = doc as ScanLike;
  return {
    source: "scan",
    clusters: scan.clusters.map((c, ci) => {
      if (typeof c.name !== "string") throw new Error(`${fileName}: clusters[${ci}].name must be a string`);
      if (!Array.isArray(c.secrets)) throw new Error(`${fileName}: clusters[${ci}].secrets must be an array`);
      if (!Array.isArray(c.grants)) throw new Error(`${fileName}: clusters[${ci}].grants must be an array`);
      return {
        name: c.name,
        secrets: c.secrets.map((s, si) => {
          if (typeof s.namespace !== "string" || typeof s.name !== "string") throw new Error(`${fileName}: clusters[${ci}].secrets[${si}]: namespace and name are required`);
          return { cluster: c.name, namespace: s.namespace, name: s.name, ...(s.type ? { type: s.type } : {}), labels: s.labels ?? {} };
        }),
        // Direct Secret reads only: writes and indirect paths (pod creation, exec) are not what the audit log's get/list/watch use.
        // (flatMap, not filter then map: an error names the grant's index in the file.)
        grants: c.grants.flatMap((g, gi) => {
          if (g.access !== "read" || (g.mechanism !== undefined && g.mechanism !== "secret-read")) return [];
          if (typeof g.subject !== "string" || !Array.isArray(g.verbs) || typeof g.namespace !== "string") throw new Error(`${fileName}: clusters[${ci}].grants[${gi}]: subject, verbs and namespace are required`);
          return [{ subject: g.subject, namespace: g.namespace, verbs: g.verbs, ...(g.resourceNames ? { resourceNames: g.resourceNames } : {}), path: Array.isArray(g.path) ? g.path : [], ...(g.inherited ? { inherited: true } : {}) }];
        }),
      };
    }),
  };
}

/**
 * The inventory cluster for the records of `cluster`: the one of the same name, else the only one
 * (a dump or a single-context scan names its cluster differently from the logs).
 */
export function clusterFor(inventory: Inventory, cluster: string): InventoryCluster | undefined {
  return inventory.clusters.find((c) => c.name === cluster) ?? (inventory.clusters.length === 1 ? inventory.clusters[0] : undefined);
}
