/**
 * The dynamic provider that keeps registry records in MongoDB/DocumentDB: scope documents (`mcp_scopes_<ns>`,
 * keyed by `_id`) and M2M records (`idp_m2m_clients`, keyed by `name`).
 *
 * The engine runs it in its own process, loaded by module path (./provider-ref.ts), so nothing of the program's
 * reaches it: the connection part of the stack config, secrets included, is parsed in `configure()` and never
 * written to the state. `diff` compares business fields only, so a new version of this code does not update every
 * record.
 */
import type * as pulumi from "@pulumi/pulumi";
import { MongoClient, type Collection, type Db, type Document } from "mongodb";
import {
  CONFLICT_POLICIES,
  CONFIG_NAMESPACE,
  parseConnectionSettings,
  type ConflictPolicy,
  type RawSettings,
} from "../../lib/settings/stack";
import { dbConnection, redactUri, type DbConnection } from "./connection";
import { RecordStoreError } from "../../lib/errors/errors";
import {
  canonical,
  describeDifference,
  mergeOutsideAdditions,
  sameFields,
  withLayout,
  withoutRegistryOwned,
  withRegistryOwned,
  type Fields,
  type Layout,
} from "./record-diff";

/** `rate_limit` / `rate_limit_membership`: mcp_rate_limits_<ns> and rate_limit_memberships_<ns>, keyed by `_id`. */
export type RecordKind = "scope" | "m2m" | "rate_limit" | "rate_limit_membership";
export const RECORD_KINDS: readonly RecordKind[] = ["scope", "m2m", "rate_limit", "rate_limit_membership"];
export type { ConflictPolicy };

/** What the program declares for one record. */
export interface RecordInputs {
  kind: RecordKind;
  /** Scope `_id`, or the M2M account name. */
  key: string;
  database: string;
  collection: string;
  /** Business fields, without `_id` and timestamps. */
  desired: Fields;
  /** Add `created_at`/`updated_at` (false for the bootstrap scope, which the init scripts seed without). */
  timestamps: boolean;
  onConflict: ConflictPolicy;
  /** Shown in conflict messages: the definition file to edit. */
  source: string;
  /** The key order of `desired` as rendered (absent in records an earlier version wrote). */
  layout?: Layout;
}

/**
 * What the state keeps after a write or a refresh. `applied` and `live` are kept only when they differ (from
 * `desired`, from `applied`): the usual record then holds its document once in its outputs, not three times.
 * Read them with `appliedFields`/`liveFields`.
 */
export interface RecordOutputs extends RecordInputs {
  /** The business fields this stack last wrote, the baseline of the conflict guard; absent: `desired`. */
  applied?: Fields;
  /** The business fields found in the database by the last write or refresh; absent: `applied`. */
  live?: Fields;
  createdAt: string | null;
  updatedAt: string | null;
}

export function appliedFields(o: Pick<RecordOutputs, "applied" | "desired">): Fields {
  return o.applied ?? o.desired;
}

export function liveFields(o: Pick<RecordOutputs, "applied" | "desired" | "live">): Fields {
  return o.live ?? appliedFields(o);
}

/** Outputs with `applied` and `live` dropped where they repeat what they default to. */
function compact(o: RecordOutputs, applied: Fields, live: Fields): RecordOutputs {
  const { applied: _a, live: _l, ...rest } = o;
  const out: RecordOutputs = rest;
  if (!sameFields(applied, o.desired)) out.applied = applied;
  if (!sameFields(live, applied)) out.live = live;
  return out;
}

const TIMESTAMP_FIELDS = ["_id", "created_at", "updated_at"];

function businessFields(doc: Document): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(doc)) if (!TIMESTAMP_FIELDS.includes(k)) out[k] = v as Fields[string];
  return out;
}

/** The fields of a record that are this stack's: a scope document without what the registry writes itself. */
function ours(i: Pick<RecordInputs, "kind" | "desired">, fields: Fields): Fields {
  return i.kind === "scope" ? withoutRegistryOwned(fields, i.desired) : fields;
}

/** What the stack writes: `fields`, with the registry's own fields of the live scope document kept. */
function toWrite(i: Pick<RecordInputs, "kind" | "desired">, fields: Fields, live: Fields | null): Fields {
  return i.kind === "scope" ? withRegistryOwned(fields, i.desired, live) : fields;
}

const LABELS: Record<RecordKind, string> = {
  scope: "scope document",
  m2m: "M2M record",
  rate_limit: "rate-limit definition",
  rate_limit_membership: "rate-limit membership",
};

function label(i: Pick<RecordInputs, "kind" | "key" | "collection">): string {
  return `${LABELS[i.kind] ?? "record"} "${i.key}" in ${i.collection}`;
}

function filterFor(i: Pick<RecordInputs, "kind" | "key">): Document {
  return i.kind === "m2m" ? { name: i.key } : { _id: i.key };
}

function iso(d: unknown): string | null {
  return d instanceof Date ? d.toISOString() : typeof d === "string" ? d : null;
}

function conflictMessage(i: RecordInputs, what: string, base: Fields, live: Fields | null): string {
  const lines = live ? describeDifference(base, live) : ["  the record was deleted"];
  const per =
    i.kind === "scope"
      ? `\n  pulumi config set --path 'mcp-gateway-access:onScopeConflictByGroup["${i.key}"]' merge ` +
        `  # for this group only`
      : "";
  return [
    `${label(i)} ${what}:`,
    ...lines,
    `Nothing was written. To keep these changes, add them to ${i.source}; or tell this stack how to treat them:`,
    "  pulumi config set mcp-gateway-access:onScopeConflict merge       # keep what was added " +
      "outside, apply the definitions",
    "  pulumi config set mcp-gateway-access:onScopeConflict overwrite   # replace it with the definitions" + per,
  ].join("\n");
}

// --- idp_m2m_clients: one record per client_id --------------------------------------------------------------
// The registry keeps a unique index on `client_id` and records clients it did not create with
// `provider: "manual"` (POST /api/iam/m2m-clients, registry/api/m2m_management_routes.py). A record this stack would
// insert for a client that already has one (another name, another provider) is refused with a message instead of
// the database's duplicate-key error.

/** The message for an M2M record whose client already has a record this stack does not own. */
export function m2mClientTakenMessage(
  i: Pick<RecordInputs, "key" | "collection" | "source">,
  clientId: string,
  other: Document,
): string {
  const provider = typeof other.provider === "string" ? other.provider : "(none)";
  const by = typeof other.created_by === "string" ? `, created by ${other.created_by}` : "";
  return [
    `M2M record "${i.key}" in ${i.collection}: client_id "${clientId}" already has a record there ` +
      `("${String(other.name ?? "")}", provider "${provider}"${by}).`,
    "The registry keeps one record per client_id (unique index), so nothing was written.",
    provider === "manual"
      ? "It was registered by hand (POST /api/iam/m2m-clients): delete it in the registry (DELETE " +
        "/api/iam/m2m-clients/<client_id>) to let this stack manage the client, or remove " +
        i.source +
        " to leave it to the registry."
      : `Another provider or stack writes it: remove ${i.source}, or delete that record first.`,
  ].join("\n");
}

/** Refuses to insert a record for a client that already has one under another name or provider. */
async function refuseTakenClient(col: Collection<Document>, i: RecordInputs, fields: Fields): Promise<void> {
  const clientId = fields.client_id;
  if (i.kind !== "m2m" || typeof clientId !== "string") return;
  const other = await col.findOne({ client_id: clientId });
  if (other && (other.name !== i.key || other.provider !== fields.provider))
    throw new RecordStoreError(m2mClientTakenMessage(i, clientId, other));
}

function isDuplicateKey(e: unknown): boolean {
  return (e as { code?: unknown }).code === 11000;
}

interface ProviderState {
  /** The stack config as the engine hands it to the provider. */
  read?: RawSettings;
  connection?: DbConnection;
  /** Removed from messages. */
  password?: string;
  client?: Promise<MongoClient>;
  indexed?: Set<string>;
}

export interface RecordProvider extends pulumi.dynamic.ResourceProvider {
  state: ProviderState;
  db(): Promise<Db>;
  collection(i: Pick<RecordInputs, "database" | "collection" | "kind">): Promise<Collection<Document>>;
  close(): Promise<void>;
  write(i: RecordInputs, live: Document | null, fields: Fields): Promise<RecordOutputs>;
  guarded<T>(i: Pick<RecordInputs, "kind" | "key" | "collection">, action: string, fn: () => Promise<T>): Promise<T>;
}

/** The provider; one instance per process, so one connection pool per `pulumi up`. */
export const recordProvider: RecordProvider = {
  state: {},

  async configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    this.state.read = (key) => req.config.get(`${CONFIG_NAMESPACE}:${key}`);
  },

  async db(): Promise<Db> {
    const state = this.state;
    if (!state.connection) {
      try {
        const settings = parseConnectionSettings(state.read ?? (() => undefined));
        state.password = settings.mongodbPassword;
        state.connection = dbConnection(settings);
      } catch (e) {
        throw new RecordStoreError(`registry database settings: ${(e as Error).message}`, { cause: e });
      }
    }
    const conn = state.connection;
    if (!state.client) {
      const client = new MongoClient(conn.uri, conn.options);
      state.client = client.connect().catch((e: unknown) => {
        state.client = undefined;
        throw e;
      });
    }
    return (await state.client).db();
  },

  async collection(i) {
    const db = (await this.db()).client.db(i.database);
    const col = db.collection(i.collection);
    const key = `${i.database}.${i.collection}`;
    this.state.indexed ??= new Set();
    if (i.kind === "scope" && !this.state.indexed.has(key)) {
      // The registry queries {group_mappings: {$in: groups}} on every request and creates this index lazily.
      await col.createIndex({ group_mappings: 1 });
      this.state.indexed.add(key);
    }
    return col;
  },

  async close(): Promise<void> {
    const c = this.state.client;
    this.state.client = undefined;
    this.state.connection = undefined;
    this.state.indexed = undefined;
    if (c) await (await c.catch(() => null))?.close();
  },

  /** Runs a database step; failures become a message that says what was (not) written and what to do. */
  async guarded(i, action, fn) {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof RecordStoreError) throw e;
      const target = this.state.connection?.target ?? "the configured database";
      let reason = e instanceof Error ? e.message : String(e);
      reason = redactUri(reason);
      const password = this.state.password;
      if (password) reason = reason.split(password).join("***");
      const name = (e as { name?: string }).name ?? "";
      const unreachable = /ServerSelection|Network|ECONNREFUSED|ETIMEDOUT|ENOTFOUND|timed out/i.test(
        `${name} ${reason}`,
      );
      if (/certificate|self.signed|unable to verify/i.test(reason)) {
        reason +=
          " — the server's TLS certificate is not trusted: set mcp-gateway-access:mongodbTlsCaFile " +
          "to its CA bundle (DocumentDB: global-bundle.pem)";
      }
      throw new RecordStoreError(
        unreachable
          ? `cannot reach the registry database at ${target} while trying to ${action} ${label(i)}: ` +
              `${reason}. Nothing was written for it; run pulumi up again when the database is reachable.`
          : `could not ${action} ${label(i)} (database at ${target}): ${reason}`,
      );
    }
  },

  async write(i, live, fields) {
    const col = await this.collection(i);
    const now = new Date();
    const createdAt = live?.created_at instanceof Date ? live.created_at : now;
    // The registry's key order, as rendered (layout; records an earlier version wrote have none).
    const laid = withLayout(fields, i.layout);
    const doc: Document = i.kind === "m2m" ? { ...laid } : { _id: i.key, ...laid };
    if (i.timestamps) {
      doc.created_at = createdAt;
      doc.updated_at = now;
    }
    if (live) await col.replaceOne({ _id: live._id }, doc);
    else if (i.kind !== "m2m") await col.replaceOne(filterFor(i), doc, { upsert: true });
    else {
      await refuseTakenClient(col, i, fields);
      await col.insertOne(doc).catch(async (e: unknown) => {
        // Inserted by someone else between the check and the insert.
        const other =
          isDuplicateKey(e) && typeof fields.client_id === "string"
            ? await col.findOne({ client_id: fields.client_id })
            : null;
        throw other ? new RecordStoreError(m2mClientTakenMessage(i, fields.client_id as string, other)) : e;
      });
    }
    const outs: RecordOutputs = {
      ...i,
      createdAt: i.timestamps ? createdAt.toISOString() : null,
      updatedAt: i.timestamps ? now.toISOString() : null,
    };
    return compact(outs, fields, fields);
  },

  async check(_olds: RecordInputs, news: RecordInputs): Promise<pulumi.dynamic.CheckResult> {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (!RECORD_KINDS.includes(news.kind))
      failures.push({ property: "kind", reason: `kind must be one of ${RECORD_KINDS.join(", ")}` });
    if (typeof news.key !== "string" || news.key === "")
      failures.push({ property: "key", reason: "key must be a non-empty string" });
    if (!(CONFLICT_POLICIES as readonly string[]).includes(news.onConflict)) {
      failures.push({ property: "onConflict", reason: `onConflict must be one of ${CONFLICT_POLICIES.join(", ")}` });
    }
    if (!news.desired || typeof news.desired !== "object")
      failures.push({ property: "desired", reason: "desired must be an object" });
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: RecordOutputs, news: RecordInputs): Promise<pulumi.dynamic.DiffResult> {
    const replaces = (["kind", "key", "database", "collection"] as const).filter((k) => olds[k] !== news[k]);
    const applied = appliedFields(olds);
    const live = liveFields(olds);
    const changes =
      replaces.length > 0 ||
      !sameFields(olds.desired, news.desired) ||
      !sameFields(ours(olds, live), ours(olds, applied)) || // drift seen by a refresh
      olds.timestamps !== news.timestamps;
    return { changes, replaces, deleteBeforeReplace: replaces.length > 0 };
  },

  async create(inputs: RecordInputs): Promise<pulumi.dynamic.CreateResult> {
    return this.guarded(inputs, "create", async () => {
      const col = await this.collection(inputs);
      const live = await col.findOne(filterFor(inputs));
      const liveNow = live ? businessFields(live) : null;
      let fields = inputs.desired;
      if (
        liveNow &&
        sameFields(ours(inputs, liveNow), inputs.desired) &&
        (!inputs.timestamps || live!.created_at !== undefined)
      ) {
        // Adopted as it is (a registry's document after `mcp-access import`, or a cut-short run's): nothing is
        // written, created_at and updated_at stay. Pulumi cannot import dynamic-provider resources
        // (pulumi/pulumi#16175), so this is how they join the state.
        return {
          id: inputs.key,
          outs: compact(
            { ...inputs, createdAt: iso(live!.created_at), updatedAt: iso(live!.updated_at) },
            liveNow,
            liveNow,
          ),
        };
      }
      if (liveNow && !sameFields(ours(inputs, liveNow), inputs.desired)) {
        // A record this stack never wrote: the registry's own, or an earlier run's cut short.
        if (inputs.onConflict === "fail") {
          throw new RecordStoreError(
            conflictMessage(
              inputs,
              "already exists and differs from the definitions",
              inputs.desired,
              ours(inputs, liveNow),
            ),
          );
        }
        if (inputs.onConflict === "merge") fields = mergeOutsideAdditions(inputs.desired, {}, liveNow);
      }
      const outs = await this.write(inputs, live, toWrite(inputs, fields, liveNow));
      return { id: inputs.key, outs };
    });
  },

  async read(id: string, props: RecordOutputs): Promise<pulumi.dynamic.ReadResult> {
    return this.guarded({ ...props, key: props.key ?? id }, "read", async () => {
      const col = await this.collection(props);
      const live = await col.findOne(filterFor({ kind: props.kind, key: props.key ?? id }));
      if (!live) return {}; // deleted outside this stack: the engine drops it from the state
      return {
        id,
        props: compact(
          { ...props, createdAt: iso(live.created_at), updatedAt: iso(live.updated_at) },
          appliedFields(props),
          businessFields(live),
        ),
      };
    });
  },

  async update(_id: string, olds: RecordOutputs, news: RecordInputs): Promise<pulumi.dynamic.UpdateResult> {
    return this.guarded(news, "update", async () => {
      const col = await this.collection(news);
      const live = await col.findOne(filterFor(news));
      const applied = appliedFields(olds);
      const liveNow = live ? businessFields(live) : null;
      let fields = news.desired;
      if (liveNow && sameFields(ours(news, liveNow), news.desired)) {
        // The database already holds the definitions (changed outside to what they now say): nothing to write,
        // nothing to refuse.
        return { outs: compact({ ...olds, ...news }, liveNow, liveNow) };
      }
      if (!liveNow || !sameFields(ours(olds, liveNow), ours(olds, applied))) {
        if (news.onConflict === "fail") {
          const what = liveNow
            ? "was changed outside this stack since it was last applied"
            : "was deleted outside this stack";
          throw new RecordStoreError(conflictMessage(news, what, ours(olds, applied), liveNow && ours(olds, liveNow)));
        }
        if (news.onConflict === "merge" && liveNow) fields = mergeOutsideAdditions(news.desired, applied, liveNow);
      }
      fields = toWrite(news, fields, liveNow);
      if (live && sameFields(liveNow, fields) && canonical(olds.desired) === canonical(news.desired)) {
        return { outs: compact({ ...olds, ...news }, fields, fields) };
      }
      return { outs: await this.write(news, live, fields) };
    });
  },

  async delete(_id: string, props: RecordOutputs): Promise<void> {
    await this.guarded(props, "delete", async () => {
      const col = await this.collection(props);
      await col.deleteOne(filterFor(props));
    });
  },
};
