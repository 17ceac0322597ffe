/**
 * ScopeStore: the part of `pulumi up` that decides who may call which tool. One ScopeDocument per group, one
 * M2MClientRecord per M2M account, and the bootstrap admin scope when the stack manages it.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  M2M_CLIENTS_COLLECTION,
  REGISTRY_DEFAULTS,
  renderBootstrapScopes,
  renderM2MRecord,
  renderScopeDocument,
  renderRateLimitDocument,
  renderRateLimitMembership,
  rateLimitMembershipsCollectionName,
  rateLimitsCollectionName,
  scopesCollectionName,
  type AccessModel,
  type IdentityProvider,
  type StackOutputs,
} from "../../lib";
import type { Produced } from "../outputs";
import type { ConflictPolicy } from "./provider";
import { M2MClientRecord, RateLimitDefinitionRecord, RateLimitMembershipRecord, ScopeDocument } from "./record";
import type { Fields } from "./record-diff";

export interface ScopeStoreArgs {
  model: AccessModel;
  idp: IdentityProvider;
  database: string;
  namespace: string;
  /** How to treat documents changed outside this stack (default "fail"). */
  onConflict?: ConflictPolicy;
  /** Per-group overrides of `onConflict`. */
  onConflictByGroup?: Readonly<Record<string, ConflictPolicy>>;
  /** Entra: group name → Object ID; M2M name → application client id. */
  groupObjectIds?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  clientIds?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The record's business fields: `_id` is the resource's key, not a field it may change. */
function withoutId(doc: { _id: string }): Fields {
  const { _id: _key, ...fields } = doc;
  return fields as unknown as Fields;
}

export class ScopeStore extends pulumi.ComponentResource {
  /** Scope name → its document resource. */
  readonly scopes: Record<string, ScopeDocument> = {};
  /** M2M name → its record resource. */
  readonly m2mRecords: Record<string, M2MClientRecord> = {};
  /** Rate-limit definition `_id` → its record; membership `_id` → its record (rate-limits/, rate_limit_groups). */
  readonly rateLimits: Record<string, RateLimitDefinitionRecord> = {};
  readonly rateLimitMemberships: Record<string, RateLimitMembershipRecord> = {};
  /** Record name → when it was created and last written (the stack output `scopes`). */
  readonly written: Record<"scopes" | "m2mRecords", Record<string, Produced<StackOutputs["scopes"][string]>>>;

  constructor(name: string, args: ScopeStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mcp-gateway-access:index:ScopeStore", name, {}, opts);
    const collection = scopesCollectionName(args.namespace);
    const policy = (group: string): ConflictPolicy => args.onConflictByGroup?.[group] ?? args.onConflict ?? "fail";
    const ids = pulumi.output({ groups: args.groupObjectIds ?? {}, clients: args.clientIds ?? {} });
    const common = { database: args.database, collection, timestamps: true };

    for (const group of args.model.groups) {
      this.scopes[group.name] = new ScopeDocument(
        `${name}-scope-${group.name}`,
        {
          ...common,
          key: group.name,
          desired: ids.apply((i) => withoutId(renderScopeDocument(group, { groupObjectIds: i.groups }))),
          onConflict: policy(group.name),
          source: group.file,
        },
        { parent: this },
      );
    }
    if (args.model.bootstrap) {
      // The seeds the bootstrap owns (lib/registry/seeds.ts BOOTSTRAP_SEEDS), as the registry's files hold them.
      const flags = args.model.registry ?? REGISTRY_DEFAULTS;
      for (const seed of renderBootstrapScopes({}, flags)) {
        const key = seed._id;
        this.scopes[key] = new ScopeDocument(
          `${name}-scope-${key}`,
          {
            ...common,
            timestamps: false,
            key,
            desired: ids.apply((i) => {
              const rendered = renderBootstrapScopes({ groupObjectIds: i.groups }, flags);
              return withoutId(rendered.find((d) => d._id === key)!);
            }),
            onConflict: policy(key),
            source: "the stack's bootstrap settings",
          },
          // The admin scopes keep the registry usable: never deleted by a stack change.
          { parent: this, protect: true },
        );
      }
    }
    for (const account of args.model.m2m) {
      this.m2mRecords[account.name] = new M2MClientRecord(
        `${name}-m2m-${account.name}`,
        {
          ...common,
          collection: M2M_CLIENTS_COLLECTION,
          key: account.name,
          desired: ids.apply((i) => renderM2MRecord(account, args.idp, { clientIds: i.clients }) as unknown as Fields),
          onConflict: policy(account.name),
          source: account.file,
        },
        { parent: this },
      );
    }
    // Rate limits and memberships: the same provider and conflict policy as the scope documents; no timestamps,
    // as definitions_repository.py / memberships_repository.py `upsert` write none.
    const rated = { ...common, timestamps: false, onConflict: args.onConflict ?? "fail" } as const;
    for (const d of args.model.rateLimits?.definitions ?? []) {
      this.rateLimits[d.id] = new RateLimitDefinitionRecord(
        `${name}-ratelimit-${d.id}`,
        {
          ...rated,
          collection: rateLimitsCollectionName(args.namespace),
          key: d.id,
          desired: withoutId(renderRateLimitDocument(d)),
          source: d.file,
        },
        { parent: this },
      );
    }
    for (const m of args.model.rateLimits?.memberships ?? []) {
      this.rateLimitMemberships[m.id] = new RateLimitMembershipRecord(
        `${name}-ratelimit-member-${m.id}`,
        {
          ...rated,
          collection: rateLimitMembershipsCollectionName(args.namespace),
          key: m.id,
          desired: withoutId(renderRateLimitMembership(m)),
          source: m.file,
        },
        { parent: this },
      );
    }
    const written = (records: Record<string, ScopeDocument | M2MClientRecord>) =>
      Object.fromEntries(
        Object.entries(records).map(([k, r]) => [k, { createdAt: r.createdAt, updatedAt: r.updatedAt }]),
      );
    this.written = { scopes: written(this.scopes), m2mRecords: written(this.m2mRecords) };
    this.registerOutputs(this.written);
  }
}
