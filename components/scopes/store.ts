/**
 * ScopeStore: the part of `pulumi up` that decides who may call which tool. One ScopeDocument per group, one
 * M2MClientRecord per M2M account, and the bootstrap admin scope when the stack manages it.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  M2M_CLIENTS_COLLECTION,
  renderRegistryDocuments,
  rateLimitMembershipsCollectionName,
  rateLimitsCollectionName,
  scopesCollectionName,
  type AccessModel,
  type IdentityProvider,
  type RegistryDocuments,
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
  /** Per-group overrides of `onConflict`, for scope documents only (an M2M record's key is an account name). */
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

type RecordClass =
  typeof ScopeDocument | typeof M2MClientRecord | typeof RateLimitDefinitionRecord | typeof RateLimitMembershipRecord;

/** The rendered documents by key, per collection. */
interface RenderedIndex {
  scopes: ReadonlyMap<string, Fields>;
  m2m: ReadonlyMap<string, Fields>;
  rateLimits: ReadonlyMap<string, Fields>;
  rateLimitMemberships: ReadonlyMap<string, Fields>;
}

function indexed(docs: RegistryDocuments): RenderedIndex {
  const byId = (list: ReadonlyArray<{ _id: string }> = []) => new Map(list.map((d) => [d._id, withoutId(d)]));
  return {
    scopes: byId(docs.scopes),
    m2m: new Map(docs.m2m_clients.map((r) => [r.name, r as unknown as Fields])),
    rateLimits: byId(docs.rate_limits),
    rateLimitMemberships: byId(docs.rate_limit_memberships),
  };
}

/** One document the stack writes: which record table of the store, and how its resource is declared. */
interface StoredDocument {
  table: keyof RenderedIndex;
  Record: RecordClass;
  /** The resource name after the store's: `scope-<key>`, `m2m-<name>`... */
  resource: string;
  collection: string;
  key: string;
  source: string;
  timestamps: boolean;
  onConflict: ConflictPolicy;
  /** Never deleted by a stack change. */
  protect?: boolean;
  /** Its fields hold ids the identity provider assigns (Entra's Object IDs and client ids). */
  assignedIds: boolean;
}

/**
 * Every document the stack writes, from the documents lib renders (`renderRegistryDocuments`): the one list of them.
 * M2M records, rate limits and memberships get the stack's conflict policy (`onConflictByGroup` is for groups), and
 * rate limits and memberships no timestamps,
 * as definitions_repository.py / memberships_repository.py `upsert` write none.
 */
function storedDocuments(args: ScopeStoreArgs, docs: RegistryDocuments): StoredDocument[] {
  const policy = (key: string): ConflictPolicy => args.onConflictByGroup?.[key] ?? args.onConflict ?? "fail";
  const { model } = args;
  const groups = new Map(model.groups.map((g) => [g.name, g.file]));
  const accounts = new Map(model.m2m.map((a) => [a.name, a.file]));
  const files = (list: ReadonlyArray<{ id: string; file: string }> = []) => new Map(list.map((d) => [d.id, d.file]));
  const limits = files(model.rateLimits?.definitions);
  const members = files(model.rateLimits?.memberships);
  const scopes = scopesCollectionName(args.namespace);
  const rated = { timestamps: false, onConflict: args.onConflict ?? "fail", assignedIds: false } as const;
  return [
    ...docs.scopes.map(({ _id: key }): StoredDocument => {
      const scope = {
        table: "scopes",
        Record: ScopeDocument,
        resource: `scope-${key}`,
        collection: scopes,
        key,
      } as const;
      const file = groups.get(key);
      if (file !== undefined)
        return { ...scope, source: file, timestamps: true, onConflict: policy(key), assignedIds: true };
      // A seed the bootstrap owns (lib/registry/seeds.ts BOOTSTRAP_SEEDS): the admin scopes keep the registry usable.
      const source = "the stack's bootstrap settings";
      return { ...scope, source, timestamps: false, onConflict: policy(key), protect: true, assignedIds: true };
    }),
    ...docs.m2m_clients.map(({ name: key }): StoredDocument => ({
      table: "m2m",
      Record: M2MClientRecord,
      resource: `m2m-${key}`,
      collection: M2M_CLIENTS_COLLECTION,
      key,
      source: accounts.get(key)!,
      timestamps: true,
      // The stack's policy: the per-group one is keyed by group name, and a group may share an account's name.
      onConflict: args.onConflict ?? "fail",
      assignedIds: true,
    })),
    ...(docs.rate_limits ?? []).map(({ _id: key }): StoredDocument => ({
      ...rated,
      table: "rateLimits",
      Record: RateLimitDefinitionRecord,
      resource: `ratelimit-${key}`,
      collection: rateLimitsCollectionName(args.namespace),
      key,
      source: limits.get(key)!,
    })),
    ...(docs.rate_limit_memberships ?? []).map(({ _id: key }): StoredDocument => ({
      ...rated,
      table: "rateLimitMemberships",
      Record: RateLimitMembershipRecord,
      resource: `ratelimit-member-${key}`,
      collection: rateLimitMembershipsCollectionName(args.namespace),
      key,
      source: members.get(key)!,
    })),
  ];
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
    // Rendered once without the ids the IdP assigns (which documents, and those that need none) and once with them.
    const known = renderRegistryDocuments(args.model, { idp: args.idp });
    const plain = indexed(known);
    const assigned = pulumi
      .output({ groups: args.groupObjectIds ?? {}, clients: args.clientIds ?? {} })
      .apply((i) =>
        indexed(renderRegistryDocuments(args.model, { idp: args.idp, groupObjectIds: i.groups, clientIds: i.clients })),
      );
    const tables = {
      scopes: this.scopes,
      m2m: this.m2mRecords,
      rateLimits: this.rateLimits,
      rateLimitMemberships: this.rateLimitMemberships,
    } as Record<keyof RenderedIndex, Record<string, pulumi.CustomResource>>;
    for (const d of storedDocuments(args, known)) {
      const desired = d.assignedIds ? assigned.apply((ix) => ix[d.table].get(d.key)!) : plain[d.table].get(d.key)!;
      tables[d.table][d.key] = new d.Record(
        `${name}-${d.resource}`,
        {
          database: args.database,
          collection: d.collection,
          key: d.key,
          desired,
          timestamps: d.timestamps,
          onConflict: d.onConflict,
          source: d.source,
        },
        { parent: this, ...(d.protect ? { protect: true } : {}) },
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
