/**
 * Conformance with the registry itself: for the example repository and for a generated one, `pulumi up` (real
 * engine, Keycloak plugin, FerretDB), then the registry's own auth server (scripts/registry.sh, upstream at its
 * pinned revision) asked `/validate` as nginx asks it, with real tokens of every identity — M2M accounts
 * (client credentials), users and the bootstrap admin (the web client), a disabled user and account — for a
 * matrix of requests: MCP methods and tools over every transport form, A2A agent paths, registry API paths,
 * body-less requests with any verb. explain (the CLI) must give the same answer on every pair, the scopes the
 * auth server resolved must be explain's, and access tests written from the registry's answers must pass.
 */
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MongoClient } from "mongodb";
import { stringify } from "yaml";
import { run } from "../../cli/main";
import { checkRepository, type AccessModel } from "../../lib";
import { startAuthServer, type AuthServer } from "../support/auth-server";
import {
  clientSecret,
  explainVerdict,
  registryVerdict,
  requestMatrix,
  requestToken,
  userToken,
  writeRepo,
  type Identity,
  type MatrixRequest,
  type Verdict,
} from "../support/conformance";
import { engineStack, type EngineStack } from "../support/engine";
import { keycloakAdmin, programStackConfig } from "../support/keycloak-admin";
import { REPO_ROOT } from "../support/paths";
import { randomRepo } from "../support/random-repo";
import { databaseUri, keycloakUrl } from "../support/services";

/** The example repository of this project: its definitions, settings and access tests, as a user clones them. */
function exampleFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  const root = REPO_ROOT;
  const walk = (dir: string) => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else files[rel] = readFileSync(join(root, rel), "utf8");
    }
  };
  for (const d of ["groups", "users", "m2m", "access-tests"]) walk(d);
  files["mcp-access.yaml"] = readFileSync(join(root, "mcp-access.yaml"), "utf8");
  return files;
}

const SEED = Number(process.env.MCP_ACCESS_CONFORMANCE_SEED ?? Date.now() % 1_000_000);

interface Suite {
  name: string;
  files: () => Record<string, string>;
  port: number;
}

const SUITES: Suite[] = [
  { name: "the example repository", files: exampleFiles, port: 18891 },
  {
    name: `a generated repository (seed ${SEED}; rerun with MCP_ACCESS_CONFORMANCE_SEED=${SEED})`,
    files: () => randomRepo(SEED).files,
    port: 18892,
  },
];

/** Runs `fn` over `items`, `width` at a time. */
async function pool<T, R>(items: readonly T[], width: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

const sorted = (xs: readonly string[]) => [...new Set(xs)].sort();

SUITES.forEach((suite, n) => {
  describe(`conformance with the registry's auth server: ${suite.name}`, () => {
    const id = `${n}-${process.pid}`;
    const realm = `conformance-${id}`;
    const database = `mcp_registry_conformance_${n}_${process.pid}`;
    let repo: string;
    let model: AccessModel;
    let e2e: EngineStack;
    let auth: AuthServer;
    const identities: Identity[] = [];

    before(async () => {
      const uri = databaseUri();
      repo = writeRepo(suite.files());
      const checked = checkRepository(repo, { bootstrap: true });
      assert.equal(checked.ok, true, `the definitions are valid: ${JSON.stringify(checked.errors.slice(0, 5))}`);
      model = checked.model;
      e2e = await engineStack(
        `e2e-conf-${id}`,
        programStackConfig(realm, { repo, database, mongodbUri: uri, bootstrap: true }),
      );
      await e2e.stack.up({ onOutput: () => undefined });
      const kc = await keycloakAdmin(realm);
      const web = await clientSecret(kc, "mcp-gateway-web");
      auth = startAuthServer({
        port: suite.port,
        keycloakUrl: keycloakUrl(),
        realm,
        webClientSecret: web,
        m2mClientSecret: await clientSecret(kc, "mcp-gateway-m2m"),
        mongodbUri: uri,
        database,
      });
      const tokenUrl = `${keycloakUrl()}/realms/${realm}/protocol/openid-connect/token`;
      for (const a of model.m2m) {
        const t = await requestToken(tokenUrl, {
          grant_type: "client_credentials",
          client_id: a.name,
          client_secret: await clientSecret(kc, a.name),
        });
        identities.push({ kind: "m2m", name: a.name, ...t });
      }
      for (const name of [...model.users.map((u) => u.username), model.bootstrapAdmin!.username]) {
        identities.push({ kind: "user", name, ...(await userToken(kc, tokenUrl, web, name)) });
      }
    });

    after(async () => {
      auth?.stop();
      await (await keycloakAdmin(realm).catch(() => undefined))?.realms.del({ realm }).catch(() => undefined);
      await e2e?.cleanup();
      const mongo = await new MongoClient(databaseUri()).connect();
      await mongo
        .db(database)
        .dropDatabase()
        .catch(() => undefined);
      await mongo.close();
      if (repo) rmSync(repo, { recursive: true, force: true });
    });

    it("gets a token for every enabled identity and none for a disabled one", () => {
      for (const who of identities) {
        const enabled =
          who.kind === "m2m"
            ? model.m2m.find((a) => a.name === who.name)!.enabled
            : (model.users.find((u) => u.username === who.name)?.enabled ?? true);
        assert.equal(who.token !== null, enabled, `${who.kind} ${who.name}: ${who.refused ?? "got a token"}`);
      }
      assert.ok(
        identities.some((w) => w.token === null),
        "the suite has a disabled identity",
      );
    });

    const answers: Array<{ who: Identity; req: MatrixRequest; real: Verdict }> = [];

    it(
      "explain gives the registry's answer on every identity × request pair, with the scopes it " + "resolved",
      async () => {
        const requests = requestMatrix(model);
        const pairs = identities.flatMap((who) => requests.map((req) => ({ who, req })));
        const results = await pool(pairs, 6, async ({ who, req }) => {
          const [real, said] = [await registryVerdict(auth, who, req), await explainVerdict(repo, who, req)];
          answers.push({ who, req, real });
          const problems: string[] = [];
          if (real.allowed !== said.allowed || real.status !== said.status)
            problems.push(
              `registry ${real.status} (${real.detail}), explain ${said.status} ${said.branch} (${said.reason})`,
            );
          else if (
            real.allowed &&
            !req.path.startsWith("/api/") &&
            sorted(real.scopes).join(",") !== sorted(said.scopes).join(",")
          ) {
            problems.push(`scopes: registry [${sorted(real.scopes)}], explain [${sorted(said.scopes)}]`);
          }
          return problems.length ? `${who.kind} ${who.name} × ${req.label}: ${problems.join("; ")}` : null;
        });
        const disagreements = results.filter((r): r is string => r !== null);
        const allowed = answers.filter((a) => a.real.allowed).length;
        console.log(
          `conformance (${suite.name}): ${pairs.length - disagreements.length}/${pairs.length} pairs ` +
            `agree (the registry allowed ${allowed}, refused ${answers.length - allowed})`,
        );
        assert.ok(allowed > 0 && allowed < answers.length, "the matrix holds both allowed and refused requests");
        assert.ok(pairs.length >= 150, `hundreds of pairs per run (got ${pairs.length})`);
        assert.deepEqual(disagreements.slice(0, 40), [], `${disagreements.length} of ${pairs.length} pairs disagree`);
      },
    );

    it("access tests written from the registry's answers pass, beside the repository's own", async () => {
      assert.ok(answers.length > 0, "the previous test collected the registry's answers");
      const byIdentity = new Map<string, { allow: Record<string, string>[]; deny: Record<string, string>[] }>();
      for (const { who, req, real } of answers) {
        if (!req.accessTest) continue;
        const key = `${who.kind}:${who.name}`;
        const entry = byIdentity.get(key) ?? byIdentity.set(key, { allow: [], deny: [] }).get(key)!;
        (real.allowed ? entry.allow : entry.deny).push(req.accessTest);
      }
      const tests = [...byIdentity].map(([key, e]) => {
        const [kind, name] = key.split(":") as ["user" | "m2m", string];
        return {
          identity: { [kind]: name },
          ...(e.allow.length ? { allow: e.allow } : {}),
          ...(e.deny.length ? { deny: e.deny } : {}),
        };
      });
      mkdirSync(join(repo, "access-tests"), { recursive: true });
      writeFileSync(join(repo, "access-tests", "conformance.yaml"), stringify(tests));
      const out: string[] = [];
      const code = await run(["test", "--dir", repo, "--bootstrap"], {
        out: (s) => out.push(s),
        err: (s) => out.push(s),
      });
      assert.equal(code, 0, out.join("\n").slice(-6000));
    });
  });
});
