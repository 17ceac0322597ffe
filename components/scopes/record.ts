/** The dynamic resources: their own type tokens, so policy packs can target them. */
import * as pulumi from "@pulumi/pulumi";
import type { ConflictPolicy, RecordKind } from "./provider";
import { RECORD_PROVIDER_MODULE } from "./provider-ref";
import { layoutOf, type Fields } from "./record-diff";

export const RECORD_MODULE = "mcp-gateway-access";

export interface RegistryRecordArgs {
  key: pulumi.Input<string>;
  database: pulumi.Input<string>;
  collection: pulumi.Input<string>;
  desired: pulumi.Input<Fields>;
  timestamps: pulumi.Input<boolean>;
  onConflict: pulumi.Input<ConflictPolicy>;
  source: pulumi.Input<string>;
}

/**
 * A dynamic resource as `pulumi.dynamic.Resource` declares one (the type token the engine routes to its Node.js
 * dynamic-provider host, the provider's module text in `__provider`), except that the text is ours
 * (./provider-ref.ts) rather than a serialized closure: `dynamic.Resource` accepts only the latter.
 */
abstract class RegistryRecord extends pulumi.CustomResource {
  declare readonly key: pulumi.Output<string>;
  declare readonly applied: pulumi.Output<Fields>;
  declare readonly live: pulumi.Output<Fields>;
  declare readonly createdAt: pulumi.Output<string | null>;
  declare readonly updatedAt: pulumi.Output<string | null>;

  protected constructor(
    kind: RecordKind,
    type: string,
    name: string,
    args: RegistryRecordArgs,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      `pulumi-nodejs:dynamic/${RECORD_MODULE}:${type}`,
      name,
      {
        __provider: RECORD_PROVIDER_MODULE,
        kind,
        ...args,
        // The document's key order, which the engine does not keep in `desired` (see Layout).
        layout: pulumi.output(args.desired).apply(layoutOf),
        applied: undefined,
        live: undefined,
        createdAt: undefined,
        updatedAt: undefined,
      },
      opts,
    );
  }
}

/** One scope document in `mcp_scopes_<namespace>`: `pulumi-nodejs:dynamic/mcp-gateway-access:ScopeDocument`. */
export class ScopeDocument extends RegistryRecord {
  constructor(name: string, args: RegistryRecordArgs, opts?: pulumi.CustomResourceOptions) {
    super("scope", "ScopeDocument", name, args, opts);
  }
}

/** One record in `idp_m2m_clients`: `pulumi-nodejs:dynamic/mcp-gateway-access:M2MClientRecord`. */
export class M2MClientRecord extends RegistryRecord {
  constructor(name: string, args: RegistryRecordArgs, opts?: pulumi.CustomResourceOptions) {
    super("m2m", "M2MClientRecord", name, args, opts);
  }
}

/** One definition in `mcp_rate_limits_<namespace>`: `pulumi-nodejs:dynamic/mcp-gateway-access:RateLimitDefinition`. */
export class RateLimitDefinitionRecord extends RegistryRecord {
  constructor(name: string, args: RegistryRecordArgs, opts?: pulumi.CustomResourceOptions) {
    super("rate_limit", "RateLimitDefinition", name, args, opts);
  }
}

/**
 * One membership in `rate_limit_memberships_<namespace>`:
 * `pulumi-nodejs:dynamic/mcp-gateway-access:RateLimitMembership`.
 */
export class RateLimitMembershipRecord extends RegistryRecord {
  constructor(name: string, args: RegistryRecordArgs, opts?: pulumi.CustomResourceOptions) {
    super("rate_limit_membership", "RateLimitMembership", name, args, opts);
  }
}
