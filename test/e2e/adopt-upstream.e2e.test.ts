/**
 * Adopting what the registry's own scripts built (issue 40), with the real engine, Keycloak, database and the
 * registry's auth server. Upstream's `keycloak/setup/init-keycloak.sh` from the installed registry source (the
 * revision scripts/registry.sh pins, 8c5b834b) sets up a fresh realm `mcp-gateway` (the script's realm is fixed),
 * with the `.env` its docs name (KEYCLOAK_ADMIN_URL, KEYCLOAK_ADMIN, KEYCLOAK_ADMIN_PASSWORD,
 * INITIAL_ADMIN_PASSWORD); `scripts/init-mongodb-ce.py`'s seed step fills the database; one user is
 * added the way the registry's tools add one, with a verified e-mail. Then `mcp-access import`, and two stacks with
 * the settings it printed, one after the other on the same realm:
 * - without `bootstrap`: the first preview only imports; tokens of the bootstrap's M2M client and the admin
 *   (password grant, its first-login action cleared) are accepted by the auth server before and after `up`; the
 *   next preview shows no change; the user's verified e-mail stays.
 * - with `bootstrap: true` and the bootstrap settings (`bootstrapRelease 1.30`, the admin's groups): the first
 *   preview imports the realm, both stock clients, their mappers, the admin and its memberships, updates, replaces
 *   and deletes nothing, and creates in Keycloak only what `import` listed (the stack's `registry-admins` group); no
 *   admin password is generated; the tokens are accepted before and after `up`; the next preview shows no change.
 * Then the realm is upgraded as release 1.31.0's script upgrades it (its realm and client bodies PUT over them,
 * test/fixtures/registry/init-keycloak-1320f022/bodies.json), imported again, and a stack with the default
 * `bootstrapRelease` (1.31) and the printed settings adopts it the same way: imports only, tokens accepted, clean.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { MongoClient, type Db } from "mongodb";
import { parse } from "yaml";
import { startAuthServer, type AuthServer } from "../support/auth-server";
import { changes, engineStack, type EngineStack } from "../support/engine";
import { KC_ADMIN, keycloakAdmin, programStackConfig, realmRest } from "../support/keycloak-admin";
import { FIXTURES, REPO_ROOT } from "../support/paths";
import { makeRepo } from "../support/repo";
import { databaseUri, keycloakUrl } from "../support/services";
import { binCli, type CliRun } from "../support/cli";

/** init-keycloak.sh @ 8c5b834b line 9 (`REALM="mcp-gateway"`) and its requests name this realm. */
const REALM = "mcp-gateway";
const DB = `mcp_registry_e2e_adopt_${process.pid}`;
const ADMIN_PASSWORD = "Initial-admin-1";
const PORT = 18897;

let auth: AuthServer;
let mongo: MongoClient;
let db: Db;
let out: string;
let report = "";
const logs: string[] = [];
const log = (s: string) => void logs.push(s);

/** One admin REST call under /admin/realms/<realm>: its JSON body. */
const rest = async (method: string, path: string, body?: unknown): Promise<unknown> =>
  (await realmRest(REALM, method, path, body)).json;

async function clientSecret(clientId: string): Promise<string> {
  const [c] = (await rest("GET", `/clients?clientId=${clientId}`)) as Array<{ id: string }>;
  return ((await rest("GET", `/clients/${c!.id}/client-secret`)) as { value: string }).value;
}

async function userId(username: string): Promise<string> {
  const [u] = (await rest("GET", `/users?username=${username}&exact=true`)) as Array<{ id: string }>;
  return u!.id;
}

/** A change to one user as the admin console makes it: the whole representation PUT back (user profile). */
async function updateUser(username: string, patch: Record<string, unknown>): Promise<void> {
  const id = await userId(username);
  const user = (await rest("GET", `/users/${id}`)) as Record<string, unknown>;
  await rest("PUT", `/users/${id}`, { ...user, ...patch });
}

/** The registry source scripts/registry.sh installs (its cache folder holds src/). */
function registrySource(): string {
  const home = execFileSync("bash", [join(REPO_ROOT, "scripts", "registry.sh"), "install"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  return join(home, "src");
}

/**
 * Upstream's script as its docs run it: settings in the `.env` of the project root it finds two folders above itself
 * (init-keycloak.sh @ 8c5b834b `main`: it empties KEYCLOAK_ADMIN_PASSWORD at its top, lines 8-11, so the exported
 * environment alone does not reach it). The installed source is shared, so the unchanged script runs from a copy in
 * a temporary project root with that `.env`; REGISTRY_URL and AUTH_SERVER_EXTERNAL_URL stay unset (its defaults).
 */
function runInitKeycloak(src: string): string {
  const root = mkdtempSync(join(tmpdir(), "mcp-access-init-keycloak-"));
  const script = join(root, "keycloak", "setup", "init-keycloak.sh");
  mkdirSync(dirname(script), { recursive: true });
  copyFileSync(join(src, "keycloak", "setup", "init-keycloak.sh"), script);
  const dotEnv = {
    KEYCLOAK_ADMIN_URL: keycloakUrl(),
    KEYCLOAK_ADMIN: KC_ADMIN.username,
    KEYCLOAK_ADMIN_PASSWORD: KC_ADMIN.password,
    INITIAL_ADMIN_PASSWORD: ADMIN_PASSWORD,
  };
  writeFileSync(
    join(root, ".env"),
    Object.entries(dotEnv)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(""),
  );
  const { REGISTRY_URL: _r, AUTH_SERVER_EXTERNAL_URL: _a, ...env } = process.env;
  try {
    return execFileSync("bash", [script], { encoding: "utf8", env });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`init-keycloak.sh failed:\n${stdout ?? ""}\n${stderr ?? ""}`, { cause: e });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function token(params: Record<string, string>): Promise<string> {
  const r = await fetch(`${keycloakUrl()}/realms/${REALM}/protocol/openid-connect/token`, {
    method: "POST",
    body: new URLSearchParams(params),
  });
  const body = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 200, JSON.stringify(body));
  return String(body.access_token);
}

/** An MCP request through the gateway, as nginx asks the auth server about it. */
const INITIALIZE = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} });

/**
 * The bootstrap M2M client's token and the admin's are accepted: the admin (in a group the seeds map to every server)
 * is allowed; the M2M client's service account (in `mcp-servers-unrestricted`, which no seed maps) is refused for
 * its scopes, not for its token (a token the server rejects is 401).
 */
async function tokensAccepted(): Promise<void> {
  const m2m = await token({
    grant_type: "client_credentials",
    client_id: "mcp-gateway-m2m",
    client_secret: await clientSecret("mcp-gateway-m2m"),
  });
  const admin = await token({
    grant_type: "password",
    client_id: "mcp-gateway-web",
    client_secret: await clientSecret("mcp-gateway-web"),
    username: "admin",
    password: ADMIN_PASSWORD,
    scope: "openid",
  });
  const asAdmin = await auth.validate({ token: admin, path: "/currenttime/mcp", body: INITIALIZE });
  assert.equal(asAdmin.status, 200, `admin: ${asAdmin.detail}`);
  const asM2M = await auth.validate({ token: m2m, path: "/currenttime/mcp", body: INITIALIZE });
  assert.notEqual(asM2M.status, 401, `M2M: ${asM2M.detail}`);
}

/** `mcp-access import` of the realm and the database into `dir`, as the docs run it: its report. */
async function importInto(dir: string): Promise<string> {
  const env = {
    KEYCLOAK_USER: KC_ADMIN.username,
    KEYCLOAK_PASSWORD: KC_ADMIN.password,
    MONGODB_CONNECTION_STRING: databaseUri(),
  };
  const args = ["import", "--keycloak-url", keycloakUrl(), "--realm", REALM, "--database", DB, "--out", dir];
  const r = await cli(args, env);
  assert.equal(r.code, 0, r.err + r.out);
  log(r.out);
  return r.out;
}

/**
 * The first preview of a stack with `bootstrap: true` and the settings `import` printed: it imports the bootstrap,
 * updates, replaces and deletes nothing, and creates in Keycloak only what `import` listed; after `up` the tokens are
 * accepted, the admin keeps its groups and no password is generated; the next preview is clean.
 */
async function adoptsWithBootstrap(t: TestContext, name: string, printed: string): Promise<void> {
  const base = printedSettings(printed, /^stack settings these definitions need:/);
  const boot = printedSettings(printed, /To let the stack manage it, also set:/);
  const e2e = await stackWith(name, [...base, ...boot], true);
  try {
    const steps = await previewSteps(e2e);
    t.diagnostic(`first preview: ${JSON.stringify(steps)}`);
    for (const object of ["bootstrap-realm", "bootstrap-web", "bootstrap-m2m", "bootstrap-admin", "admin-groups"])
      assert.ok(
        steps.some((s) => s.op === "import" && s.name.endsWith(object)),
        `${object} imported: ${JSON.stringify(steps)}`,
      );
    assert.deepEqual(
      steps.filter((s) => CHANGES.includes(s.op)),
      [],
      JSON.stringify(steps, null, 1),
    );
    // In Keycloak, only what import listed is new: the stack's own group.
    const listed = printed.slice(printed.indexOf("with bootstrap: true, the first pulumi up"));
    for (const s of steps.filter((x) => x.op === "create" && x.pkg === "keycloak")) {
      assert.equal(`${s.type} ${s.name.split("-bootstrap-").pop()}`, "Group registry-admins");
      assert.ok(listed.includes('- group "registry-admins" is created'), listed);
    }
    assert.ok(!steps.some((s) => s.name.endsWith("admin-password")), "no password is generated for the adopted admin");
    const up = await e2e.stack.up({ onOutput: log });
    assert.equal(up.summary.result, "succeeded");
    assert.equal(up.outputs.bootstrapAdminPassword, undefined);
    await tokensAccepted();
    const groups = (await rest("GET", `/users/${await userId("admin")}/groups`)) as Array<{ name: string }>;
    assert.deepEqual(groups.map((g) => g.name).sort(), ["mcp-registry-admin", "mcp-servers-unrestricted"]);
    assert.deepEqual(changes({ resourceChanges: (await e2e.stack.preview({ onOutput: log })).changeSummary }), {});
  } finally {
    // The stack is forgotten, not destroyed: the next one adopts the same realm.
    await e2e.cleanup();
  }
}

const cli = (args: string[], env: Record<string, string> = {}): Promise<CliRun> => binCli(args, env);

/** The `pulumi config set mcp-gateway-access:<key> <value>` lines of one block of import's report. */
function printedSettings(text: string, heading: RegExp): Array<[string, string]> {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => heading.test(l));
  assert.ok(start >= 0, `no ${heading} in:\n${text}`);
  const settings: Array<[string, string]> = [];
  for (const l of lines.slice(start + 1)) {
    const m = /^ {2}pulumi config set mcp-gateway-access:(\S+) (.+)$/.exec(l);
    if (!m) break;
    settings.push([m[1]!, m[2]!.replace(/^'(.*)'$/, "$1")]);
  }
  return settings;
}

interface Step {
  op: string;
  /** The type's package (`keycloak`, `pulumi-nodejs` for the scope store's records). */
  pkg: string;
  type: string;
  name: string;
  diffs?: string[];
}

const isComponent = (type: string) => type === "pulumi:pulumi:Stack" || /^mcp-gateway-access:[a-z]+:/.test(type);

/** Every resource step of a preview (same, refresh, providers and components left out). */
async function previewSteps(e2e: EngineStack): Promise<Step[]> {
  const steps: Step[] = [];
  const onEvent = (e: EngineEvent) => {
    const m = e.resourcePreEvent?.metadata;
    if (!m || m.op === "same" || m.op === "refresh" || m.op === "read") return;
    if (m.type.startsWith("pulumi:providers:") || isComponent(m.type)) return;
    const name = m.urn.split("::").pop()!;
    const [pkg, , type] = m.type.split(":");
    // The changed properties, to the field (`securityDefenses.headers.xFrameOptions`), when the engine says them.
    const detailed = Object.keys(m.detailedDiff ?? {});
    const diffs = detailed.length ? detailed : (m.diffs ?? []);
    steps.push({ op: m.op, pkg: pkg!, type: type!, name, ...(diffs.length ? { diffs } : {}) });
  };
  await e2e.stack.preview({ onOutput: log, onEvent });
  return steps;
}

const CHANGES = ["update", "replace", "create-replacement", "delete-replaced", "delete", "discard"];

async function stackWith(name: string, settings: Array<[string, string]>, bootstrap: boolean): Promise<EngineStack> {
  const e2e = await engineStack(
    name,
    programStackConfig(REALM, { repo: out, database: DB, mongodbUri: databaseUri(), bootstrap }),
  );
  for (const [key, value] of settings) await e2e.stack.setConfig(`mcp-gateway-access:${key}`, { value });
  return e2e;
}

before(async () => {
  const uri = databaseUri();
  mongo = await new MongoClient(uri, { retryWrites: false }).connect();
  db = mongo.db(DB);
  const master = await keycloakAdmin("master");
  // A fresh realm: the script's name is fixed, so one left by an earlier run is removed first.
  await master.realms.del({ realm: REALM }).catch(() => undefined);
  const src = registrySource();
  log(runInitKeycloak(src));

  // A person added as the registry's tools add one (user-create-human), in a group its seeds map; an admin then
  // verified the e-mail in the console.
  await rest("POST", "/users", {
    username: "dana",
    email: "dana@example.com",
    firstName: "Dana",
    lastName: "Ops",
    enabled: true,
    emailVerified: false,
  });
  const groups = (await rest("GET", "/groups")) as Array<{ name: string; id: string }>;
  const adminGroup = groups.find((g) => g.name === "mcp-registry-admin")!;
  await rest("PUT", `/users/${await userId("dana")}/groups/${adminGroup.id}`);
  await updateUser("dana", { emailVerified: true });
  // The admin's first login would change its temporary password: cleared, so a password grant works.
  await updateUser("admin", { requiredActions: [] });

  auth = startAuthServer({
    port: PORT,
    keycloakUrl: keycloakUrl(),
    realm: REALM,
    webClientSecret: await clientSecret("mcp-gateway-web"),
    m2mClientSecret: await clientSecret("mcp-gateway-m2m"),
    mongodbUri: uri,
    database: DB,
  });
  const seeded = await auth.seedStep();
  assert.match(seeded, /registry-admins/, "the seed step ran");
  out = makeRepo({});
});

after(async () => {
  auth?.stop();
  await (await keycloakAdmin("master").catch(() => undefined))?.realms.del({ realm: REALM }).catch(() => undefined);
  await db?.dropDatabase().catch(() => undefined);
  await mongo?.close();
});

describe("adopting a registry set up by upstream's init-keycloak.sh and seed step (8c5b834b)", () => {
  it("the bootstrap's M2M client and admin get tokens the auth server accepts, before any stack", async () => {
    await tokensAccepted();
  });

  it("import writes no file for the bootstrap admin, and the verified e-mail as email_verified: true", async () => {
    report = await importInto(out);
    assert.equal(existsSync(join(out, "users", "admin.yaml")), false);
    assert.match(report, /user "admin" is the registry bootstrap's admin/);
    const dana = parse(readFileSync(join(out, "users", "dana.yaml"), "utf8")) as Record<string, unknown>;
    assert.equal(dana.email_verified, true);
    assert.match(report, /To let the stack manage it, also set:/);
  });

  it("without bootstrap: the first preview only imports; tokens accepted after up; next preview clean", async (t) => {
    const base = printedSettings(report, /^stack settings these definitions need:/);
    const e2e = await stackWith(`e2e-adopt-plain-${process.pid}`, base, false);
    try {
      const steps = await previewSteps(e2e);
      t.diagnostic(`first preview: ${JSON.stringify(steps)}`);
      assert.deepEqual(
        steps.filter((s) => CHANGES.includes(s.op)),
        [],
        JSON.stringify(steps, null, 1),
      );
      assert.ok(
        steps.some((s) => s.op === "import" && s.name.endsWith("user-dana")),
        JSON.stringify(steps),
      );
      const up = await e2e.stack.up({ onOutput: log });
      assert.match(logs.join(""), /found in Keycloak \(adopted\)/);
      assert.doesNotMatch(logs.join(""), /a run was cut short/);
      assert.equal(up.summary.result, "succeeded");
      await tokensAccepted();
      const [dana] = (await rest("GET", "/users?username=dana&exact=true")) as Array<{ emailVerified: boolean }>;
      assert.equal(dana!.emailVerified, true, "the verified e-mail is kept");
      assert.deepEqual(changes({ resourceChanges: (await e2e.stack.preview({ onOutput: log })).changeSummary }), {});
    } finally {
      // The stack is forgotten, not destroyed: the next stack adopts the same realm.
      await e2e.cleanup();
    }
  });

  it(
    "with bootstrap: true (bootstrapRelease 1.30, as import finds it): the first preview imports the bootstrap and " +
      "changes nothing that existed; tokens accepted after up; the next preview is clean",
    async (t) => {
      const boot = printedSettings(report, /To let the stack manage it, also set:/);
      assert.deepEqual(
        boot.find(([k]) => k === "bootstrapRelease"),
        ["bootstrapRelease", "1.30"],
      );
      await adoptsWithBootstrap(t, `e2e-adopt-boot-${process.pid}`, report);
    },
  );

  it(
    "upgraded by release 1.31.0's script: import finds 1.31 (the default), and a stack with bootstrap: true adopts " +
      "it the same way",
    async (t) => {
      const bodies = JSON.parse(
        readFileSync(join(FIXTURES, "registry", "init-keycloak-1320f022", "bodies.json"), "utf8"),
      ) as Record<"realm" | "webClient" | "m2mClient", Record<string, unknown>>;
      // create_realm's PUT over the existing realm, upsert_client's PUT of each whole representation.
      await rest("PUT", "", bodies.realm);
      for (const body of [bodies.webClient, bodies.m2mClient]) {
        const [c] = (await rest("GET", `/clients?clientId=${String(body.clientId)}`)) as Array<{ id: string }>;
        await rest("PUT", `/clients/${c!.id}`, body);
      }
      const again = makeRepo({});
      const printed = await importInto(again);
      const boot = printedSettings(printed, /To let the stack manage it, also set:/);
      assert.equal(
        boot.find(([k]) => k === "bootstrapRelease"),
        undefined,
      );
      assert.deepEqual(
        boot.find(([k]) => k === "registryUrl"),
        ["registryUrl", "https://registry.example.com"],
      );
      await adoptsWithBootstrap(t, `e2e-adopt-131-${process.pid}`, printed);
    },
  );
});
