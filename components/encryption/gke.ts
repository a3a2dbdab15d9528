import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { childName, typeToken } from "../internal/naming";
import { assertValid, input, known, zodProblems } from "../internal/validation";

/** The role GKE's service agent needs on the key to encrypt and decrypt Secrets. */
export const GKE_KEY_ROLE = "roles/cloudkms.cryptoKeyEncrypterDecrypter";

/** The GKE service agent of a project: `serviceAccount:service-<number>@container-engine-robot.iam.gserviceaccount.com`. */
export function gkeServiceAgent(projectNumber: string): string {
  return `serviceAccount:service-${projectNumber}@container-engine-robot.iam.gserviceaccount.com`;
}

/** The shape of `gcp.container.Cluster.databaseEncryption`. */
export interface GkeDatabaseEncryption {
  /** `ENCRYPTED`. */
  state: string;
  /** Full resource name of the Cloud KMS key. */
  keyName: string;
}

/** Arguments of `GkeSecretsEncryption`. */
export interface GkeSecretsEncryptionArgs {
  /**
   * The cluster's location as a region (`europe-west1`) or multi-region: GKE requires the key ring in the
   * cluster's region, also for zonal clusters (use the zone's region). Required.
   */
  location: pulumi.Input<string>;
  /** Project of the key ring and key. Default: the provider's project. */
  project?: pulumi.Input<string>;
  /** Key ring name. Default `<resource name>-gke-secrets`. Key rings cannot be deleted: choose deliberately. */
  keyRingName?: pulumi.Input<string>;
  /** Crypto key name. Default `gke-secrets`. */
  keyName?: pulumi.Input<string>;
  /** Automatic rotation period in seconds with an `s` suffix, more than one day. Default `7776000s` (90 days). */
  rotationPeriod?: pulumi.Input<string>;
  /** `SOFTWARE` or `HSM`. Default `SOFTWARE`. */
  protectionLevel?: pulumi.Input<string>;
  /** How long destroyed key versions stay recoverable, `<seconds>s`, 1–120 days. Default `2592000s` (30 days). */
  destroyScheduledDuration?: pulumi.Input<string>;
  /**
   * Keep Pulumi from deleting the key (`deletionPolicy: PREVENT`): a deleted key makes every Secret of the
   * cluster unreadable. Default `true`. A plain value.
   */
  preventDestroy?: boolean;
  /** Labels for the key. */
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

const seconds = (min: number, max: number, what: string) =>
  z.string().superRefine((v, ctx) => {
    const m = /^(\d+(\.\d{1,9})?)s$/.exec(v);
    if (!m) ctx.addIssue({ code: "custom", message: `must be a number of seconds with an 's' suffix, got ${JSON.stringify(v)}` });
    else if (Number(m[1]) < min || Number(m[1]) > max) ctx.addIssue({ code: "custom", message: `must be ${what}, got ${JSON.stringify(v)}` });
  });

const argsSchema = z.strictObject({
  location: input(
    z
      .string()
      .regex(/^[a-z]+(-[a-z0-9]+)*$/, { message: "must be a GCP location" })
      .refine((v) => !/^[a-z]+-[a-z]+\d+-[a-z]$/.test(v), { message: "must be a region, not a zone (the key ring of a zonal cluster lives in the zone's region)" }),
  ),
  project: input(z.string()).optional(),
  keyRingName: input(z.string().regex(/^[a-zA-Z0-9_-]{1,63}$/, { message: "must be 1-63 letters, digits, '_' or '-'" })).optional(),
  keyName: input(z.string().regex(/^[a-zA-Z0-9_-]{1,63}$/, { message: "must be 1-63 letters, digits, '_' or '-'" })).optional(),
  rotationPeriod: input(seconds(86400.000001, Number.MAX_SAFE_INTEGER, "more than one day (86400s)")).optional(),
  protectionLevel: input(z.enum(["SOFTWARE", "HSM"], { error: (i) => `must be SOFTWARE or HSM, got ${JSON.stringify(i.input)}` })).optional(),
  destroyScheduledDuration: input(seconds(86400, 120 * 86400, "between 1 and 120 days (86400s-10368000s)")).optional(),
  preventDestroy: z.boolean().optional(),
  labels: z.any().optional(),
});

/** Every problem with `args` as `field.path: rule, got X` strings ([] when valid). */
export function validateGkeSecretsEncryption(args: GkeSecretsEncryptionArgs): string[] {
  return zodProblems(argsSchema, args).map((p) => {
    const field = p.slice(0, p.indexOf(":"));
    const value = known((args as unknown as Record<string, unknown>)[field]);
    return field === "location" && typeof value === "string" ? `${p}, got ${JSON.stringify(value)}` : p;
  });
}

/**
 * A Cloud KMS key ring and key for GKE application-layer Secrets encryption: in the cluster's region,
 * rotated every 90 days by default, SOFTWARE or HSM protection, protected from deletion, and
 * `roles/cloudkms.cryptoKeyEncrypterDecrypter` for exactly the project's GKE service agent
 * (`service-<projectNumber>@container-engine-robot.iam.gserviceaccount.com`). Pass `databaseEncryption`
 * to `gcp.container.Cluster.databaseEncryption`.
 *
 * GKE re-encrypts existing Secrets itself when encryption is enabled or the key changes: no
 * `SecretsReencryption` Job is needed. Disabling the key (or removing the IAM binding) makes the
 * cluster's Secrets unreadable.
 */
export class GkeSecretsEncryption extends pulumi.ComponentResource {
  /** The key's full resource name, `projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>`. */
  public readonly keyName: pulumi.Output<string>;
  /** The key ring's full resource name. */
  public readonly keyRingName: pulumi.Output<string>;
  /** The IAM member granted the key role (the GKE service agent). */
  public readonly serviceAgent: pulumi.Output<string>;
  /** `{ state: "ENCRYPTED", keyName }` for `gcp.container.Cluster.databaseEncryption`. */
  public readonly databaseEncryption: pulumi.Output<GkeDatabaseEncryption>;

  constructor(name: string, args: GkeSecretsEncryptionArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("GkeSecretsEncryption", name, validateGkeSecretsEncryption(args));
    super(typeToken("GkeSecretsEncryption"), name, {}, opts);

    const project = gcp.organizations.getProjectOutput({ projectId: args.project }, { parent: this });
    const projectId = pulumi.output(project.projectId).apply((p) => p!);

    const ring = new gcp.kms.KeyRing(
      childName(name, "keyring"),
      { name: args.keyRingName ?? `${name}-gke-secrets`, location: args.location, project: projectId },
      { parent: this },
    );
    const key = new gcp.kms.CryptoKey(
      childName(name, "key"),
      {
        name: args.keyName ?? "gke-secrets",
        keyRing: pulumi.interpolate`projects/${projectId}/locations/${args.location}/keyRings/${ring.name}`,
        purpose: "ENCRYPT_DECRYPT",
        rotationPeriod: args.rotationPeriod ?? "7776000s",
        destroyScheduledDuration: args.destroyScheduledDuration ?? "2592000s",
        versionTemplate: { algorithm: "GOOGLE_SYMMETRIC_ENCRYPTION", protectionLevel: args.protectionLevel ?? "SOFTWARE" },
        deletionPolicy: args.preventDestroy === false ? "DELETE" : "PREVENT",
        labels: args.labels,
      },
      { parent: this },
    );
    this.keyRingName = pulumi.interpolate`projects/${projectId}/locations/${args.location}/keyRings/${ring.name}`;
    this.keyName = pulumi.interpolate`${this.keyRingName}/cryptoKeys/${key.name}`;
    this.serviceAgent = project.number.apply(gkeServiceAgent);

    const member = new gcp.kms.CryptoKeyIAMMember(
      childName(name, "gke-agent"),
      { cryptoKeyId: this.keyName, role: GKE_KEY_ROLE, member: this.serviceAgent },
      { parent: this },
    );

    // Derived from the IAM member too, so a cluster using it is created only after the agent may use the key.
    this.databaseEncryption = pulumi.all([this.keyName, member.id]).apply(([keyName]): GkeDatabaseEncryption => ({ state: "ENCRYPTED", keyName }));
    this.registerOutputs({ keyName: this.keyName, keyRingName: this.keyRingName, serviceAgent: this.serviceAgent, databaseEncryption: this.databaseEncryption });
  }
}
