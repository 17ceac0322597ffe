/**
 * Faults in the middle of `pulumi up`, with the real engine, Keycloak and database: Keycloak stopped, the
 * database stopped, the engine killed, a create whose response is lost. Each run that fails says what
 * happened; once the fault is gone, the next run converges — nothing duplicated, nothing missing, no 409.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MongoClient } from "mongodb";
import { changes, engineStack, type EngineStack } from "../support/engine";
import { keycloakAdmin, programStackConfig } from "../support/keycloak-admin";
import { REPO_ROOT } from "../support/paths";
import { makeRepo } from "../support/repo";
import { databaseUri, keycloakUrl, privateDatabase, privateKeycloak } from "../support/services";
import { httpRequests, tcpGate, wireMessages } from "../support/tcp-gate";

const quiet = { onOutput: () => undefined };

/** A repository big enough that a fault lands in the middle of `up`. */
function bigRepo(users: number, groups: number, m2m: number): string {
  const files: Record<string, string> = {};
  for (let g = 0; g < groups; g++) files[`groups/g${g}.yaml`] = `scope_name: group-${g}\nservers:\n  - server_name: server-${g}\n    access_level: read\n`;
  for (let u = 0; u < users; u++) {
    files[`users/u${u}.yaml`] = `username: user-${u}\nemail: user-${u}@example.com\nfirst_name: User\nlast_name: N${u}\ngroups: [group-${u % groups}]\n`;
  }
  for (let m = 0; m < m2m; m++) files[`m2m/m${m}.yaml`] = `name: bot-${m}\ngroups: [group-${m % groups}, group-${(m + 1) % groups}]\n`;
  return makeRepo(files);
}

/** SIGKILL a process and every process below it (the engine, its language host and plugins), as a crash would. */
function killTree(pid: number): void {
  const table = execFileSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [p, pp] of table) if (pp === tree[i] && !tree.includes(p)) tree.push(p);
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
  const users = (await kc.users.find({ max: 1000, briefRepresentation: true })).map((u) => u.username!).filter((u) => !u.startsWith("service-account-"));
  const groups = (await kc.groups.find({ max: 1000, briefRepresentation: true })).map((g) => g.name!);
  const clients = (await kc.clients.find({ max: 1000 })).map((c) => c.clientId!).filter((c) => c.startsWith("bot-") || c.startsWith("mcp-gateway-"));
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
  await mongo.db(name).dropDatabase().catch(() => undefined);
  await mongo.close();
}

const stacks: Array<{ e2e: EngineStack; keycloak: string }> = [];
async function keycloakStack(name: string, repo: string, keycloak = keycloakUrl()) {
  const realm = name;
  const e2e = await engineStack(
    name,
    programStackConfig(realm, { repo, database: `mcp_registry_${name.replace(/-/g, "_")}`, mongodbUri: databaseUri(), bootstrap: true, extra: { "keycloak:url": { value: keycloak } } }),
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
    await (await keycloakAdmin(name, keycloak).catch(() => undefined))?.realms.del({ realm: name }).catch(() => undefined);
    await dropDb(databaseUri(), `mcp_registry_${name.replace(/-/g, "_")}`);
    await e2e.cleanup();
  }
});

describe("faults in the middle of pulumi up", () => {
  it("Keycloak stopped: the run fails naming Keycloak; once it is back, a rerun converges", async () => {
    const name = `e2e-kcstop-${process.pid}`;
    // Its own Keycloak, so stopping it disturbs no other test.
    const stateDir = mkdtempSync(join(tmpdir(), "mcp-access-faults-kc-"));
    const kc = privateKeycloak(18480, stateDir);
    await kc.start();
    // Keycloak is reached through a gate that holds the traffic after some admin requests; it is stopped while
    // the gate holds, so the fault lands mid-run however busy the machine is.
    const gate = await tcpGate(18480, 60, httpRequests);
    const url = `http://127.0.0.1:${gate.port}`;
    try {
      const e2e = await keycloakStack(name, bigRepo(40, 8, 6), url);
      void gate.held.then(async () => (await kc.stop(), gate.release()));
      await assert.rejects(e2e.stack.up(quiet), (e: Error) => {
        assert.match(e.message, new RegExp(`Keycloak at ${url} did not answer while trying to create .* run pulumi up again`));
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
    const db = privateDatabase(27231, stateDir);
    db.start();
    // The provider reaches the database through a gate that holds the traffic once some documents are written;
    // the database is stopped while it holds, so the fault lands mid-run however busy the machine is.
    const gate = await tcpGate(27231, 40, wireMessages);
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
      await assert.rejects(e2e.stack.up(quiet), /cannot reach the registry database at .*run pulumi up again when the database is reachable/);
      db.start();
      const mongo = await new MongoClient(db.uri).connect();
      const written = async () => (await mongo.db("mcp_registry").collection("mcp_scopes_default").find({}).toArray()).map((d) => String(d._id)).sort();
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
    const child = spawn("pulumi", ["up", "--yes", "--skip-preview", "--stack", name], { cwd: REPO_ROOT, env: { ...process.env, ...e2e.env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
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
    const attrs = readdirSync(e2e.backendDir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".attrs"));
    assert.deepEqual(attrs, []);
  });

  it("a create whose response is lost: the object exists in Keycloak, the rerun adopts it instead of failing on 409", async () => {
    const name = `e2e-lost-${process.pid}`;
    const target = new URL(keycloakUrl());
    // A proxy in front of Keycloak that forwards the first realm POST and the first user POST, lets Keycloak
    // create them, and then drops the connection instead of answering.
    const lost = new Set<string>();
    const proxy: Server = createServer((req, res) => {
      const drop = req.method === "POST" && (/^\/admin\/realms\/?$/.test(req.url ?? "") || /\/users\/?$/.test(req.url ?? "")) && !lost.has(req.url!.endsWith("/users") ? "user" : "realm");
      const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        if (drop) {
          lost.add(req.url!.endsWith("/users") ? "user" : "realm");
          r.resume();
          r.on("end", () => req.socket.destroy());
          return;
        }
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    try {
      const e2e = await keycloakStack(name, bigRepo(3, 2, 1), `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
      await assert.rejects(e2e.stack.up(quiet));
      assert.ok(lost.has("realm"), "the realm was created, its response lost");
      for (let i = 0; i < 3 && !lost.has("user"); i++) await e2e.stack.up(quiet).catch(() => undefined);
      assert.ok(lost.has("user"), "a user was created, its response lost");
      const result = await e2e.stack.up(quiet);
      assert.equal(result.summary.result, "succeeded");
      assert.ok((result.summary.resourceChanges?.import ?? 0) >= 1, `adopted: ${JSON.stringify(result.summary.resourceChanges)}`);
      assert.deepEqual(await realmInventory(name), expectedInventory(3, 2, 1));
      assert.deepEqual(changes((await e2e.stack.up(quiet)).summary), {});
    } finally {
      proxy.close();
    }
  });
});
