/**
 * Validates custom resources against the typed models of `@kubernetes-models/external-secrets` (generated
 * from ESO's API). The package is ESM-only: loaded with dynamic `import()` (Node 20 cannot require it).
 */
type ModelClass = new (data: Record<string, unknown>) => { validate(): void };

const modules: Record<string, string> = {
  "external-secrets.io/v1": "@kubernetes-models/external-secrets/external-secrets.io/v1",
  "external-secrets.io/v1alpha1": "@kubernetes-models/external-secrets/external-secrets.io/v1alpha1",
};

/** Throws with the schema errors when `object` (apiVersion, kind, metadata, spec) is not valid. */
export async function validateEsoObject(object: { apiVersion: string; kind: string; [k: string]: unknown }): Promise<void> {
  const path = modules[object.apiVersion];
  if (!path) throw new Error(`no model for ${object.apiVersion}`);
  const mod = (await import(path)) as Record<string, ModelClass>;
  const Model = mod[object.kind];
  if (!Model) throw new Error(`no model for ${object.apiVersion} ${object.kind}`);
  const { apiVersion: _a, kind: _k, ...data } = object;
  new Model(data).validate();
}
