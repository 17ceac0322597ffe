/**
 * Faults in the middle of `pulumi up`, with the real engine, Keycloak and database: Keycloak stopped, the
 * database stopped, the engine killed, a create whose response is lost. Each run that fails says what
 * happened; once the fault is gone, the next run converges — nothing duplicated, nothing missing, no 409.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MongoClient } from "mongodb";
import { checkRepository, M2M_CLIENTS_COLLECTION, renderRegistryDocuments, scopesCollectionName } from "../../lib";
import { changes, engineStack, type EngineStack } from "../support/engine";
import { keycloakAdmin, programStackConfig } from "../support/keycloak-admin";
import { REPO_ROOT } from "../support/paths";
import { prng } from "../support/prng";
import { makeRepo } from "../support/repo";
import { databaseUri, keycloakUrl, privateDatabase, privateKeycloak } from "../support/services";
import { httpRequests, tcpGate, wireMessages } from "../support/tcp-gate";

const quiet = { onOutput: () => undefined };
// The private services' ports; settable so that test runs sharing a machine do not collide.
const PRIVATE_KEYCLOAK_PORT = Number(process.env.MCP_ACCESS_TEST_PRIVATE_KEYCLOAK_PORT ?? 18480);
const PRIVATE_DATABASE_PORT = Number(process.env.MCP_ACCESS_TEST_PRIVATE_DATABASE_PORT ?? 27231);

/** The definition files of a repository big enough that a fault lands in the middle of `up`. */
function bigRepoFiles(users: number, groups: number, m2m: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let g = 0; g < groups; g++)
    files[`groups/g${g}.yaml`] =
      `scope_name: group-${g}\nservers:\n  - server_name: server-${g}\n    access_level: read\n`;
  for (let u = 0; u < users; u++) {
    files[`users/u${u}.yaml`] =
      `username: user-${u}\nemail: user-${u}@example.com\nfirst_name: User\nlast_name: ` +
      `N${u}\ngroups: [group-${u % groups}]\n`;
  }
  for (let m = 0; m < m2m; m++)
    files[`m2m/m${m}.yaml`] = `name: bot-${m}\ngroups: [group-${m % groups}, group-${(m + 1) % groups}]\n`;
  return files;
}

function bigRepo(users: number, groups: number, m2m: number): string {
  return makeRepo(bigRepoFiles(users, groups, m2m));
}

/** SIGKILL a process and every process below it (the engine, its language host and plugins), as a crash would. */
function killTree(pid: number): void {
  const table = execFileSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const tree = [pid];
  for (let i = 0; i < tree.length; i++)
    for (const [p, pp] of table) if (pp === tree[i] && !tree.includes(p)) tree.push(p);
  for (const p of tree) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      /* gone already */
    }
  }
}

/** What the realm holds, by name: the proof that nothing was duplicated or left out. */
async function realmInventory(realm: string, baseUrl = keycloakUrl()) {
  const kc = await keycloakAdmin(realm, baseUrl);
  const users = (await kc.users.find({ max: 1000, briefRepresentation: true }))
    .map((u) => u.username!)
    .filter((u) => !u.startsWith("service-account-"));
  const groups = (await kc.groups.find({ max: 1000, briefRepresentation: true })).map((g) => g.name!);
  const clients = (await kc.clients.find({ max: 1000 }))
    .map((c) => c.clientId!)
    .filter((c) => c.startsWith("bot-") || c.startsWith("mcp-gateway-"));
  return { users: users.sort(), groups: groups.sort(), clients: clients.sort() };
}

function expectedInventory(users: number, groups: number, m2m: number) {
  const range = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`);
  return {
    users: ["admin", ...range(users, "user-")].sort(),
    groups: ["registry-admins", ...range(groups, "group-")].sort(),
    clients: [...range(m2m, "bot-"), "mcp-gateway-m2m", "mcp-gateway-web"].sort(),
  };
}

async function dropDb(uri: string, name: string) {
  const mongo = await new MongoClient(uri).connect();
  await mongo
    .db(name)
    .dropDatabase()
    .catch(() => undefined);
  await mongo.close();
}

const stacks: Array<{ e2e: EngineStack; keycloak: string }> = [];
async function keycloakStack(name: string, repo: string, keycloak = keycloakUrl()) {
  const realm = name;
  const e2e = await engineStack(
    name,
    programStackConfig(realm, {
      repo,
      database: `mcp_registry_${name.replace(/-/g, "_")}`,
      mongodbUri: databaseUri(),
      bootstrap: true,
      extra: { "keycloak:url": { value: keycloak } },
    }),
  );
  stacks.push({ e2e, keycloak });
  return e2e;
}

before(() => {
  keycloakUrl();
  databaseUri();
});

after(async () => {
  for (const { e2e, keycloak } of stacks) {
    const name = e2e.stack.name;
    await (
      await keycloakAdmin(name, keycloak).catch(() => undefined)
    )?.realms
      .del({ realm: name })
      .catch(() => undefined);
    await dropDb(databaseUri(), `mcp_registry_${name.replace(/-/g, "_")}`);
    await e2e.cleanup();
  }
});

describe("faults in the middle of pulumi up", () => {
  it("Keycloak stopped: the run fails naming Keycloak; once it is back, a rerun converges", async () => {
    const name = `e2e-kcstop-${process.pid}`;
    // Its own Keycloak, so stopping it disturbs no other test.
    const stateDir = mkdtempSync(join(tmpdir(), "mcp-access-faults-kc-"));
    const kc = privateKeycloak(PRIVATE_KEYCLOAK_PORT, stateDir);
    await kc.start();
    // Keycloak is reached through a gate that holds the traffic after some admin requests; it is stopped while
    // the gate holds, so the fault lands mid-run however busy the machine is.
    const gate = await tcpGate(PRIVATE_KEYCLOAK_PORT, 60, httpRequests);
    const url = `http://127.0.0.1:${gate.port}`;
    try {
      const e2e = await keycloakStack(name, bigRepo(40, 8, 6), url);
      void gate.held.then(async () => (await kc.stop(), gate.release()));
      await assert.rejects(e2e.stack.up(quiet), (e: Error) => {
        assert.match(
          e.message,
          new RegExp(`Keycloak at ${url} did not answer while trying to create .* run pulumi up again`),
        );
        return true;
      });
      await kc.start();
      assert.ok((await realmInventory(name, kc.url)).users.length < 41, "the fault landed before the last user");
      const result = await e2e.stack.up(quiet);
      assert.equal(result.summary.result, "succeeded");
      assert.deepEqual(await realmInventory(name, kc.url), expectedInventory(40, 8, 6));
      assert.deepEqual(changes((await e2e.stack.up(quiet)).summary), {}, "converged");
      await (await keycloakAdmin(name, kc.url)).realms.del({ realm: name });
    } finally {
      await gate.close();
      await kc.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("the database stopped: the run says it cannot reach it; once it is back, a rerun converges", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "mcp-access-faults-db-"));
    const db = privateDatabase(PRIVATE_DATABASE_PORT, stateDir);
    db.start();
    // The provider reaches the database through a gate that holds the traffic once some documents are written;
    // the database is stopped while it holds, so the fault lands mid-run however busy the machine is.
    const gate = await tcpGate(PRIVATE_DATABASE_PORT, 40, wireMessages);
    try {
      const repo = bigRepo(0, 100, 0);
      const e2e = await engineStack(`e2e-dbstop-${process.pid}`, {
        "mcp-gateway-access:definitionsDir": { value: repo },
        "mcp-gateway-access:manageIdentityProvider": { value: "false" },
        "mcp-gateway-access:mongodbUri": { value: `mongodb://127.0.0.1:${gate.port}/`, secret: true },
        "mcp-gateway-access:mongodbTimeoutMs": { value: "3000" },
      });
      stacks.push({ e2e, keycloak: keycloakUrl() });
      void gate.held.then(() => (db.stop(), gate.release()));
      await assert.rejects(
        e2e.stack.up(quiet),
        /cannot reach the registry database at .*run pulumi up again when the database is reachable/,
      );
      db.start();
      const mongo = await new MongoClient(db.uri).connect();
      const written = async () =>
        (await mongo.db("mcp_registry").collection("mcp_scopes_default").find({}).toArray())
          .map((d) => String(d._id))
          .sort();
      try {
        assert.ok((await written()).length < 100, "the fault landed before the last document");
        await e2e.stack.up(quiet);
        assert.deepEqual(await written(), Array.from({ length: 100 }, (_, i) => `group-${i}`).sort());
      } finally {
        await mongo.close();
      }
      assert.deepEqual(changes((await e2e.stack.up(quiet)).summary), {});
    } finally {
      await gate.close();
      db.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("the engine killed (SIGKILL): a rerun adopts what the killed run created and converges", async () => {
    const name = `e2e-kill-${process.pid}`;
    const e2e = await keycloakStack(name, bigRepo(40, 8, 6));
    // `pulumi up` as a user runs it, killed with its language host and plugins once it is well under way.
    const child = spawn("pulumi", ["up", "--yes", "--skip-preview", "--stack", name], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...e2e.env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    await new Promise<void>((resolve) => {
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if ((out.match(/created/g) ?? []).length >= 25) killTree(child.pid!);
      });
      child.on("exit", () => resolve());
    });
    assert.ok((out.match(/created/g) ?? []).length >= 25, out);
    await e2e.stack.cancel().catch(() => undefined); // the killed run's lock
    const result = await e2e.stack.up(quiet);
    assert.equal(result.summary.result, "succeeded");
    assert.deepEqual(await realmInventory(name), expectedInventory(40, 8, 6));
    assert.deepEqual(changes((await e2e.stack.up(quiet)).summary), {}, "converged");
    // The backend as the README recommends it (`?metadata=skip`): no sidecar `.attrs` file, which a kill in the
    // middle of its non-atomic rewrite leaves empty ("failed to load checkpoint: EOF" from then on).
    const attrs = readdirSync(e2e.backendDir, { recursive: true, encoding: "utf8" }).filter((f) =>
      f.endsWith(".attrs"),
    );
    assert.deepEqual(attrs, []);
  });

  it(
    "a create whose response is lost: the object exists in Keycloak, the rerun adopts it instead " +
      "of failing on 409",
    async () => {
      const name = `e2e-lost-${process.pid}`;
      const target = new URL(keycloakUrl());
      // A proxy in front of Keycloak that forwards the first realm POST and the first user POST, lets Keycloak
      // create them, and then drops the connection instead of answering.
      const lost = new Set<string>();
      const proxy: Server = createServer((req, res) => {
        const drop =
          req.method === "POST" &&
          (/^\/admin\/realms\/?$/.test(req.url ?? "") || /\/users\/?$/.test(req.url ?? "")) &&
          !lost.has(req.url!.endsWith("/users") ? "user" : "realm");
        const upstream = request(
          { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
          (r) => {
            if (drop) {
              lost.add(req.url!.endsWith("/users") ? "user" : "realm");
              r.resume();
              r.on("end", () => req.socket.destroy());
              return;
            }
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          },
        );
        req.pipe(upstream);
      });
      await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
      try {
        const e2e = await keycloakStack(
          name,
          bigRepo(3, 2, 1),
          `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        );
        await assert.rejects(e2e.stack.up(quiet));
        assert.ok(lost.has("realm"), "the realm was created, its response lost");
        for (let i = 0; i < 3 && !lost.has("user"); i++) await e2e.stack.up(quiet).catch(() => undefined);
        assert.ok(lost.has("user"), "a user was created, its response lost");
        const result = await e2e.stack.up(quiet);
        assert.equal(result.summary.result, "succeeded");
        assert.ok(
          (result.summary.resourceChanges?.import ?? 0) >= 1,
          `adopted: ${JSON.stringify(result.summary.resourceChanges)}`,
        );
        assert.deepEqual(await realmInventory(name), expectedInventory(3, 2, 1));
        assert.deepEqual(changes((await e2e.stack.up(quiet)).summary), {});
      } finally {
        proxy.close();
      }
    },
  );
});

/** The engine as the product's paths run it: the state written once, at the end of a run, not after every step. */
const NO_CHECKPOINTS = { PULUMI_SKIP_CHECKPOINTS: "true", PULUMI_DISABLE_CHECKPOINT_BACKUPS: "true" };
const UP = ["up", "--yes", "--skip-preview", "--refresh=false"];

/** Resource operations a `pulumi up` has reported done so far. */
const opsDone = (out: string): number => (out.match(/\b(created|updated|deleted|replaced)\b/g) ?? []).length;

/**
 * `pulumi up` as the workflow's merge runs it (no per-step checkpoints, no refresh), SIGKILLed with its language
 * host and plugins once `after` resource operations are done; then the killed run's lock is released.
 */
async function killedUp(e2e: EngineStack, after: number): Promise<void> {
  const args = [...UP, "--stack", e2e.stack.name];
  const env = { ...process.env, ...e2e.env, ...NO_CHECKPOINTS };
  const child = spawn("pulumi", args, { cwd: REPO_ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let killed = false;
  await new Promise<void>((resolve) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (!killed && opsDone(out) >= after) {
        killed = true;
        killTree(child.pid!);
      }
    });
    child.on("exit", () => resolve());
  });
  assert.ok(killed, `the run was to be killed after ${after} operations, but it ended first:\n${out.slice(-3000)}`);
  await e2e.stack.cancel().catch(() => undefined);
}

/** The rerun, on the same settings: it must succeed (no 409, nothing left half-done). */
function rerun(e2e: EngineStack): Promise<string> {
  const args = [...UP, "--stack", e2e.stack.name];
  const env = { ...process.env, ...e2e.env, ...NO_CHECKPOINTS };
  return new Promise((resolve, reject) =>
    execFile("pulumi", args, { cwd: REPO_ROOT, env, maxBuffer: 64 << 20 }, (err, out, errText) =>
      err ? reject(new Error(`the rerun failed: ${errText}\n${out.slice(-3000)}`)) : resolve(out),
    ),
  );
}

/** Replaces the definitions of `repo` with `files`. */
function rewriteRepo(repo: string, files: Record<string, string>): void {
  for (const d of ["groups", "users", "m2m"]) rmSync(join(repo, d), { recursive: true, force: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, name)), { recursive: true });
    writeFileSync(join(repo, name), text);
  }
}

/** Everything Keycloak and the database hold must be what `repo` declares: each object once, nothing missing. */
async function assertConverged(e2e: EngineStack, repo: string, label: string): Promise<void> {
  const name = e2e.stack.name;
  const checked = checkRepository(repo, {});
  assert.ok(checked.ok, label);
  const { model } = checked;
  const kc = await keycloakAdmin(name);
  const users = (await kc.users.find({ max: 1000, briefRepresentation: true })).filter(
    (u) => !u.username!.startsWith("service-account-"),
  );
  const wantUsers = ["admin", ...model.users.map((u) => u.username)].sort();
  assert.deepEqual(users.map((u) => u.username!).sort(), wantUsers, `${label}: users`);
  const groups = (await kc.groups.find({ max: 1000, briefRepresentation: true })).map((g) => g.name!);
  assert.deepEqual(groups.sort(), ["registry-admins", ...model.groups.map((g) => g.name)].sort(), `${label}: groups`);
  const bots = (await kc.clients.find({ max: 1000 })).map((c) => c.clientId!).filter((c) => c.startsWith("bot-"));
  assert.deepEqual(bots.sort(), model.m2m.map((a) => a.name).sort(), `${label}: M2M clients`);
  for (const u of model.users) {
    const id = users.find((x) => x.username === u.username)!.id!;
    const member = (await kc.users.listGroups({ id })).map((g) => g.name!).sort();
    assert.deepEqual(member, [...u.groups].sort(), `${label}: ${u.username}'s groups`);
  }
  const mongo = await new MongoClient(databaseUri()).connect();
  try {
    const db = mongo.db(`mcp_registry_${name.replace(/-/g, "_")}`);
    const strip = ({ created_at: _c, updated_at: _u, ...d }: Record<string, unknown>) => d;
    const want = renderRegistryDocuments(model);
    const scopes = (await db.collection<{ _id: string }>(scopesCollectionName()).find({}).toArray()).map(strip);
    for (const doc of want.scopes) {
      assert.deepEqual(
        scopes.filter((d) => d._id === doc._id),
        [doc],
        `${label}: scope document ${doc._id}, once`,
      );
    }
    const wantIds = new Set(want.scopes.map((d) => d._id));
    // The bootstrap's own documents (the registry's admin scopes) are the only others.
    const extra = scopes.filter((d) => !wantIds.has(String(d._id))).map((d) => String(d._id));
    assert.ok(
      extra.every((id) => !id.startsWith("group-")),
      `${label}: no document of a removed group: ${extra}`,
    );
    const records = (await db.collection(M2M_CLIENTS_COLLECTION).find({}).toArray()).map(({ _id, ...r }) => strip(r));
    const byName = (a: { name?: unknown }, b: { name?: unknown }) => String(a.name).localeCompare(String(b.name));
    assert.deepEqual(records.sort(byName), [...want.m2m_clients].sort(byName), `${label}: M2M records, each once`);
  } finally {
    await mongo.close();
  }
  // Nothing left to do, and (the preview refreshes) nothing differs from what Keycloak and the database hold.
  const preview = await e2e.stack.preview(quiet);
  assert.deepEqual(changes({ resourceChanges: preview.changeSummary }), {}, `${label}: converged`);
  const outputs = await e2e.stack.outputs();
  const m2m = (outputs.m2m?.value ?? {}) as Record<string, { clientSecret?: string }>;
  const wantBots = model.m2m.map((a) => a.name).sort();
  assert.deepEqual(Object.keys(m2m).sort(), wantBots, `${label}: every M2M account in the outputs`);
  for (const [bot, c] of Object.entries(m2m)) assert.ok(c.clientSecret, `${label}: ${bot}'s client secret`);
}

describe("the engine killed at a random point, without per-step checkpoints (the product's settings)", () => {
  // A random kill point per run; the seed is in every message, MCP_ACCESS_FAULT_SEED replays one.
  const seed = Number(process.env.MCP_ACCESS_FAULT_SEED ?? Date.now() % 1e9);
  const random = prng(seed);
  const pick = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

  it("first up, update and removal each killed: every rerun converges, nothing duplicated or lost", async () => {
    const name = `e2e-nockpt-${process.pid}`;
    const repo = bigRepo(40, 8, 6);
    const e2e = await keycloakStack(name, repo);
    // About 170 operations in a first up (users, memberships, clients, mappers, documents, records).
    const first = pick(5, 120);
    await killedUp(e2e, first);
    await rerun(e2e);
    await assertConverged(e2e, repo, `first up killed after ${first} operations (seed ${seed})`);

    // An update: users move group or go, new users come, every scope document and M2M account changes.
    const files = bigRepoFiles(50, 8, 6);
    for (let u = 0; u < 50; u++) {
      if (u >= 30 && u < 40) delete files[`users/u${u}.yaml`];
      else if (u < 30) {
        const moved = (_m: string, g: string) => `group-${(Number(g) + 1) % 8}`;
        files[`users/u${u}.yaml`] = files[`users/u${u}.yaml`]!.replace(/group-(\d+)/, moved);
      }
    }
    for (let g = 0; g < 8; g++) {
      files[`groups/g${g}.yaml`] = files[`groups/g${g}.yaml`]!.replace(`server-${g}`, `server-${g}-v2`);
    }
    for (let m = 0; m < 6; m++) files[`m2m/m${m}.yaml`] = `name: bot-${m}\ngroups: [group-${(m + 3) % 8}]\n`;
    rewriteRepo(repo, files);
    const update = pick(3, 40);
    await killedUp(e2e, update);
    await rerun(e2e);
    await assertConverged(e2e, repo, `update killed after ${update} operations (seed ${seed})`);

    // A removal: half the users, two groups, two M2M accounts.
    const kept = bigRepoFiles(50, 8, 4);
    for (const f of Object.keys(kept)) {
      const u = /^users\/u(\d+)\.yaml$/.exec(f);
      if (/^groups\/g[67]\.yaml$/.test(f) || (u && (Number(u[1]) >= 20 || Number(u[1]) % 8 >= 6))) delete kept[f];
    }
    rewriteRepo(repo, kept);
    const removal = pick(3, 25);
    await killedUp(e2e, removal);
    await rerun(e2e);
    await assertConverged(e2e, repo, `removal killed after ${removal} operations (seed ${seed})`);
  });
});
