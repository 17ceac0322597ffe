/**
 * `pulumi up` of a generated repository on the local Keycloak with the real engine and Keycloak plugin, against
 * the same objects created directly through Keycloak's admin REST API (@keycloak/keycloak-admin-client) and the
 * same registry documents written with the mongodb driver, at the same concurrency. Then a no-op `up` and a
 * `preview` of the converged stack as the workflow runs them (the merge's `up` and the pull request's `preview`
 * with `--refresh=false`: drift is the hourly drift job's), or as Pulumi ships them (with Pulumi.yaml's refresh),
 * how often the no-op `up` rewrote the checkpoint, and what the state holds.
 */
import { execFile } from "node:child_process";
import { rmSync, statSync } from "node:fs";
import { MongoClient } from "mongodb";
import { checkRepository, renderRegistryDocuments, M2M_CLIENTS_COLLECTION, scopesCollectionName } from "../lib";
import { checkpointFile, countCheckpointWrites, engineStack } from "../test/support/engine";
import { keycloakAdmin, keycloakStackConfig, type KeycloakAdminClient } from "../test/support/keycloak-admin";
import { REPO_ROOT } from "../test/support/paths";
import { generateRepository } from "./core";
import { timed } from "./stats";

export interface Size {
  groups: number;
  users: number;
  m2m: number;
}

export const sizeLabel = (s: Size): string =>
  `${s.groups.toLocaleString("en")} groups, ${s.users.toLocaleString("en")} users, ${s.m2m.toLocaleString("en")} M2M`;

/** Resource operations (engine) and requests (admin client) in flight at once. */
export const PARALLEL = 16;

export interface KeycloakRound {
  directMs: number;
  firstUpMs: number;
  noopUpMs: number;
  previewMs: number;
  /** Times the no-op `up` wrote the checkpoint (renames onto it; the file backend writes a temporary and renames). */
  noopCheckpointWrites: number;
  /** Changes the no-op `up` and the `preview` reported (should be none). */
  unexpected: string[];
  /** Checkpoint size on disk, resources in it. */
  stateBytes: number;
  resources: number;
  /** Average bytes a scope document or M2M record takes in the state beyond one copy of its document. */
  recordOverheadBytes: number;
}

async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** The admin client's token lives 60 s; a long run signs in again. */
async function signedIn(realm: string): Promise<{ kc: KeycloakAdminClient; stop(): void }> {
  const kc = await keycloakAdmin(realm);
  const timer = setInterval(() => {
    void keycloakAdmin(realm).then(
      (fresh) => kc.setAccessToken(fresh.accessToken!),
      () => undefined,
    );
  }, 30_000);
  return { kc, stop: () => clearInterval(timer) };
}

/** The baseline: what `pulumi up` creates, through the admin API and the driver, PARALLEL at a time. */
async function createDirectly(repo: string, realm: string, uri: string, db: string): Promise<void> {
  const checked = checkRepository(repo, {});
  if (!checked.ok) throw new Error(`bench repository invalid: ${checked.errors[0]?.message}`);
  const { model } = checked;
  const { kc, stop } = await signedIn(realm);
  const mongo = await new MongoClient(uri, { retryWrites: false }).connect();
  try {
    const groupIds = new Map<string, string>();
    const principalIds = new Map<string, string>();
    const mapper = (name: string, protocolMapper: string, config: Record<string, string>) => ({
      name,
      protocol: "openid-connect",
      protocolMapper,
      config,
    });
    type Task = () => Promise<unknown>;
    const first: Task[] = [
      ...model.groups.map((g) => async () => {
        const { id } = await kc.groups.create({
          name: g.name,
          ...(g.description ? { attributes: { description: [g.description] } } : {}),
        });
        groupIds.set(g.name, id);
      }),
      ...model.users.map((u) => async () => {
        const { id } = await kc.users.create({
          username: u.username,
          email: u.email,
          emailVerified: false,
          firstName: u.firstName,
          lastName: u.lastName,
          enabled: u.enabled,
          credentials: [{ type: "password", value: `Bench-${u.username}-9`, temporary: true }],
        });
        principalIds.set(`user:${u.username}`, id);
      }),
      ...model.m2m.map((a) => async () => {
        const { id } = await kc.clients.create({
          clientId: a.name,
          name: a.name,
          description: a.description ?? undefined,
          enabled: a.enabled,
          publicClient: false,
          serviceAccountsEnabled: true,
          standardFlowEnabled: false,
          implicitFlowEnabled: false,
          directAccessGrantsEnabled: false,
        });
        await kc.clients.addProtocolMapper(
          { id },
          mapper("groups", "oidc-group-membership-mapper", {
            "claim.name": "groups",
            "full.path": "false",
            "id.token.claim": "true",
            "access.token.claim": "true",
            "userinfo.token.claim": "true",
          }),
        );
        await kc.clients.addProtocolMapper(
          { id },
          mapper("audience", "oidc-audience-mapper", {
            "included.custom.audience": "mcp-gateway",
            "id.token.claim": "false",
            "access.token.claim": "true",
          }),
        );
        principalIds.set(`m2m:${a.name}`, (await kc.clients.getServiceAccountUser({ id })).id!);
      }),
    ];
    await pool(first, PARALLEL, (t) => t());
    const memberships: Array<[string, string]> = [
      ...model.users.flatMap((u) =>
        u.groups.map((g): [string, string] => [principalIds.get(`user:${u.username}`)!, groupIds.get(g)!]),
      ),
      ...model.m2m.flatMap((a) =>
        a.groups.map((g): [string, string] => [principalIds.get(`m2m:${a.name}`)!, groupIds.get(g)!]),
      ),
    ];
    const docs = renderRegistryDocuments(model);
    const scopes = mongo.db(db).collection<{ _id: string }>(scopesCollectionName("default"));
    const records = mongo.db(db).collection(M2M_CLIENTS_COLLECTION);
    const now = new Date();
    const second: Array<() => Promise<unknown>> = [
      ...memberships.map(
        ([id, groupId]) =>
          () =>
            kc.users.addToGroup({ id, groupId }),
      ),
      ...docs.scopes.map(
        (d) => () => scopes.replaceOne({ _id: d._id }, { ...d, created_at: now, updated_at: now }, { upsert: true }),
      ),
      ...docs.m2m_clients.map((r) => () => records.insertOne({ ...r, created_at: now, updated_at: now })),
    ];
    await pool(second, PARALLEL, (t) => t());
  } finally {
    stop();
    await mongo.close();
  }
}

async function createRealm(realm: string): Promise<void> {
  const kc = await keycloakAdmin("master");
  await kc.realms.create({ realm, enabled: true });
}

async function deleteRealm(realm: string): Promise<void> {
  const kc = await keycloakAdmin("master");
  await kc.realms.del({ realm }).catch(() => undefined);
}

const changed = (c: Record<string, number> | undefined) =>
  Object.entries(c ?? {})
    .filter(([k, n]) => k !== "same" && n > 0)
    .map(([k, n]) => `${n} ${k}`);

interface ExportedResource {
  type?: string;
  inputs?: { desired?: unknown };
}

/**
 * `pulumi up|preview --refresh=false` through the CLI, as the workflow runs them: the Automation API passes
 * `--refresh` or nothing, and nothing means Pulumi.yaml's `refresh: always`. The preview fails on a change.
 */
function withoutRefresh(command: "up" | "preview", name: string, env: Record<string, string>): Promise<void> {
  const how = command === "up" ? ["--yes", "--skip-preview"] : ["--expect-no-changes"];
  const args = [command, ...how, "--refresh=false", "--parallel", String(PARALLEL), "--stack", name];
  return new Promise((resolve, reject) => {
    const options = { cwd: REPO_ROOT, env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 };
    execFile("pulumi", args, options, (err, _o, errText) =>
      err ? reject(new Error(`pulumi ${args.join(" ")} failed: ${errText}`)) : resolve(),
    );
  });
}

/** One round: the direct baseline in one realm, then the stack in another; everything removed afterwards. */
export async function keycloakRound(
  uri: string,
  size: Size,
  tag: string,
  opts: { noop?: boolean; noopRefresh?: boolean } = {},
): Promise<KeycloakRound> {
  const repo = generateRepository(size.groups, size.users, size.m2m);
  const realm = `bench-kc-${tag}`;
  const dbs = [`mcp_bench_direct_${tag}`, `mcp_bench_stack_${tag}`];
  const name = `bench-kc-${tag}`;
  let e: Awaited<ReturnType<typeof engineStack>> | undefined;
  try {
    await createRealm(`${realm}-direct`);
    const directMs = await timed(() => createDirectly(repo, `${realm}-direct`, uri, dbs[0]!));
    await deleteRealm(`${realm}-direct`);

    await createRealm(realm);
    e = await engineStack(name, {
      ...keycloakStackConfig(realm),
      "mcp-gateway-access:definitionsDir": { value: repo },
      "mcp-gateway-access:database": { value: dbs[1]! },
      "mcp-gateway-access:mongodbUri": { value: uri, secret: true },
    });
    const stack = e.stack;
    const quiet = { onOutput: () => undefined, parallel: PARALLEL };
    let firstChanges: string[] = [];
    const firstUpMs = await timed(
      async () => void (firstChanges = changed((await stack.up(quiet)).summary.resourceChanges)),
    );
    const unexpected: string[] = [];
    let noopUpMs = NaN;
    let previewMs = NaN;
    let noopCheckpointWrites = NaN;
    if (opts.noop !== false) {
      const writes = countCheckpointWrites(e.backendDir, name);
      if (opts.noopRefresh) {
        noopUpMs = await timed(async () => {
          unexpected.push(...changed((await stack.up(quiet)).summary.resourceChanges).map((c) => `up: ${c}`));
        });
      } else {
        const env = e.env;
        noopUpMs = await timed(() => withoutRefresh("up", name, env));
        const [last] = await stack.history(1);
        unexpected.push(...changed(last?.resourceChanges).map((c) => `up: ${c}`));
      }
      noopCheckpointWrites = writes.stop();
      previewMs = opts.noopRefresh
        ? await timed(async () =>
            unexpected.push(...changed((await stack.preview(quiet)).changeSummary).map((c) => `preview: ${c}`)),
          )
        : await timed(() => withoutRefresh("preview", name, e!.env));
    }
    const deployment = (await stack.exportStack()).deployment as { resources?: ExportedResource[] };
    const resources = deployment.resources ?? [];
    const records = resources.filter((r) => /:(ScopeDocument|M2MClientRecord)$/.test(r.type ?? ""));
    const overhead = records.map((r) => JSON.stringify(r).length - JSON.stringify(r.inputs?.desired ?? {}).length);
    const checkpoint = checkpointFile(e.backendDir, name);
    return {
      directMs,
      firstUpMs,
      noopUpMs,
      previewMs,
      noopCheckpointWrites,
      unexpected: firstChanges.length ? unexpected : ["the first up changed nothing", ...unexpected],
      stateBytes: statSync(checkpoint).size,
      resources: resources.length,
      recordOverheadBytes: overhead.reduce((a, b) => a + b, 0) / Math.max(1, overhead.length),
    };
  } finally {
    await deleteRealm(`${realm}-direct`);
    await deleteRealm(realm);
    if (e) await e.cleanup();
    const mongo = await new MongoClient(uri, { retryWrites: false }).connect();
    for (const db of dbs)
      await mongo
        .db(db)
        .dropDatabase()
        .catch(() => undefined);
    await mongo.close();
    rmSync(repo, { recursive: true, force: true });
  }
}
