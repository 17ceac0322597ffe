/**
 * `mcp-access token` without a tenant: the Entra request shape and verification against a local JWKS with
 * tokens signed by jose, the registry's token files, caching, self-signed tokens, and the errors users meet.
 * (Keycloak tokens are fetched from a real Keycloak in test/e2e.)
 */
import assert from "node:assert/strict";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import { run } from "../../../cli/main";
import { readTokenArgument } from "../../../cli/token";
import { getToken, getTokens, readStackOutputs, TokenError, verifyAnyToken, type StackOutputs } from "../../../tokens";
import { startFakeEntra, type FakeEntra } from "../../support/fake-entra";
import { makeRepo } from "../../support/repo";

let entra: FakeEntra;
let outputs: StackOutputs;
let repo: string;

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

before(async () => {
  entra = await startFakeEntra();
  const cred = (id: string) => ({
    clientId: id,
    clientSecret: `secret-${id}`,
    tenantId: entra.tenant,
    tokenUrl: `${entra.base}/${entra.tenant}/oauth2/v2.0/token`,
    scope: "api://gateway-id/.default",
    authProvider: "entra" as const,
  });
  outputs = { m2m: { "agent-a": cred("app-a"), "agent-b": cred("app-b") }, groups: { "team-a": "oid-team-a" } };
  repo = makeRepo({
    "groups/a.yaml": "scope_name: team-a\n",
    "groups/b.yaml": "scope_name: team-b\n",
    "outputs.json": JSON.stringify(outputs),
  });
});
after(() => entra.close());

describe("Entra client-credentials tokens", () => {
  it("requests the token as Entra expects and verifies it against the tenant's JWKS", async () => {
    entra.requests.length = 0;
    const [r] = await getTokens(["agent-a"], { outputs, outDir: join(repo, ".oauth-tokens"), definitionsDir: repo });
    assert.ok(r && r.ok, r && !r.ok ? r.error : "");
    const form = entra.requests[0]!;
    assert.deepEqual(Object.fromEntries(form), {
      grant_type: "client_credentials",
      client_id: "app-a",
      client_secret: "secret-app-a",
      scope: "api://gateway-id/.default",
    });
    assert.equal(r.token.verified.method, "entra");
    assert.deepEqual(r.token.verified.groups, ["oid-team-a"]);
    assert.deepEqual(r.token.scopes, ["team-a"], "the Object ID maps to the scope through the rendered documents");
  });

  it(
    "writes the registry's Entra token file (<identity_name>.json, no .env) with mode 0600 in a " +
      "git-ignored folder",
    async () => {
      const dir = join(repo, "tokens-out");
      const [r] = await getTokens(["agent-b"], { outputs, outDir: dir });
      assert.ok(r && r.ok);
      const file = join(dir, "agent-b.json");
      const text = readFileSync(file, "utf8");
      assert.ok(!text.endsWith("\n"), "json.dump writes no final newline");
      const doc = JSON.parse(text);
      assert.match(doc.generated_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);
      assert.deepEqual(Object.keys(doc), [
        "identity_name",
        "access_token",
        "token_type",
        "expires_in",
        "generated_at",
        "expires_at",
        "provider",
        "tenant_id",
        "client_id",
        "scope",
      ]);
      assert.equal(doc.identity_name, "agent-b");
      assert.equal(doc.provider, "entra");
      assert.equal(doc.scope, "api://gateway-id/.default");
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(readdirSync(dir).sort(), [".gitignore", "agent-b.json"], "no .env for Entra");
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      assert.equal(readFileSync(join(dir, ".gitignore"), "utf8").trim().split("\n").pop(), "*");
    },
  );

  it("reuses a cached token while it has more than --min-ttl left, and fetches when it has less", async () => {
    const dir = join(repo, "cache");
    await getTokens(["agent-a"], { outputs, outDir: dir });
    const count = entra.requests.length;
    const [again] = await getTokens(["agent-a"], { outputs, outDir: dir, minTtl: 60 });
    assert.ok(again && again.ok && again.token.cached);
    assert.equal(entra.requests.length, count, "no new request");
    const [expired] = await getTokens(["agent-a"], { outputs, outDir: dir, minTtl: 3600 });
    assert.ok(expired && expired.ok && !expired.token.cached);
    assert.equal(entra.requests.length, count + 1);
  });

  it("fetches several accounts concurrently with --all", async () => {
    entra.requests.length = 0;
    const results = await getTokens("all", { outputs, outDir: false });
    assert.deepEqual(
      results.map((r) => [r.name, r.ok]),
      [
        ["agent-a", true],
        ["agent-b", true],
      ],
    );
    assert.equal(entra.requests.length, 2);
  });

  it("rejects a token for another audience", async () => {
    entra.claims = { aud: "api://someone-else" };
    try {
      const [r] = await getTokens(["agent-a"], { outputs, outDir: false });
      assert.ok(r && !r.ok);
      assert.match(r.error, /agent-a: token rejected: claim "aud"/);
    } finally {
      entra.claims = {};
    }
  });

  it("explains clock skew", async () => {
    entra.claims = { iat: Math.floor(Date.now() / 1000) + 600 };
    try {
      const [r] = await getTokens(["agent-a"], { outputs, outDir: false });
      assert.ok(r && !r.ok);
      assert.match(r.error, /is in the future .* clock/);
    } finally {
      entra.claims = {};
    }
  });

  it("says what to do when the secret was rotated (invalid_client)", async () => {
    entra.fail = {
      status: 401,
      error: "invalid_client",
      error_description: "AADSTS7000215: Invalid client secret provided.",
    };
    try {
      await assert.rejects(
        getToken("agent-a", { outputs, outDir: false }),
        /refused the client credentials \(invalid_client.*rotated.*run pulumi up/,
      );
    } finally {
      delete entra.fail;
    }
  });

  it("says the identity provider is unreachable", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r)); // a port nobody listens on
    const dead = {
      ...outputs,
      m2m: { x: { ...outputs.m2m["agent-a"]!, tokenUrl: `http://127.0.0.1:${port}/t/oauth2/v2.0/token` } },
    };
    await assert.rejects(
      getToken("x", { outputs: dead, outDir: false }),
      new RegExp(`identity provider at http://127\\.0\\.0\\.1:${port} is unreachable \\(ECONNREFUSED\\)`),
    );
  });

  it("says the token endpoint's answer lacks expires_in, instead of failing on the date", async () => {
    const answer = async () =>
      new Response(JSON.stringify({ access_token: "ey.x.y", token_type: "Bearer" }), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    const [r] = await getTokens(["agent-a"], { outputs, outDir: false, fetch: answer as typeof fetch });
    assert.ok(r && !r.ok);
    assert.match(r.error, /^agent-a: the token response from http:\/\/127\.0\.0\.1:\d+ lacks a valid expires_in/);
  });

  it("says which stack output is missing, when the outputs are not what the program exports", async () => {
    const file = join(repo, "bad-outputs.json");
    writeFileSync(
      file,
      JSON.stringify({ m2m: { bot: { clientId: "c", tokenUrl: "http://x/t", authProvider: "keycloak" } } }),
    );
    await assert.rejects(
      readStackOutputs({ file }),
      (e: Error) =>
        e instanceof TokenError && /the stack output m2m\.bot\.clientSecret is missing; run pulumi up/.test(e.message),
    );
  });

  it("names the accounts the stack has when one is unknown", async () => {
    await assert.rejects(
      getToken("agent-z", { outputs, outDir: false }),
      /unknown M2M account "agent-z"; the stack has: agent-a, agent-b/,
    );
  });
});

describe("mcp-access token (CLI)", () => {
  it("reads the outputs, writes the files and prints groups and scopes per account", async () => {
    const r = await cli(["token", "--all", "--outputs", join(repo, "outputs.json"), "--cwd", repo, "--format", "json"]);
    assert.equal(r.code, 0, r.err);
    const printed = JSON.parse(r.out);
    assert.deepEqual(
      printed.map((p: { name: string; scopes: string[] }) => [p.name, p.scopes]),
      [
        ["agent-a", ["team-a"]],
        ["agent-b", ["team-a"]],
      ],
    );
    assert.match(r.err, /agent-a: (new|cached) token valid until .*\n  groups: oid-team-a\n  scopes: team-a/);
  });

  it("exits 1 and says why when an account fails", async () => {
    const r = await cli(["token", "nope", "--outputs", join(repo, "outputs.json"), "--cwd", repo]);
    assert.equal(r.code, 1);
    assert.match(r.err, /unknown M2M account "nope"/);
  });

  it("asks for a name or --all", async () => {
    const r = await cli(["token", "--outputs", join(repo, "outputs.json")]);
    assert.equal(r.code, 2);
    assert.match(r.err, /name one or more M2M accounts, or use --all/);
  });

  it("verifies an Entra token given as a file and prints identity, groups and scopes", async () => {
    const token = await entra.sign({ aud: "api://gateway-id", azp: "app-a", sub: "sp", groups: ["oid-team-a"] });
    const file = join(repo, "token.json");
    writeFileSync(file, JSON.stringify({ tokens: { access_token: token } }));
    const r = await cli([
      "token",
      "--verify",
      file,
      "--outputs",
      join(repo, "outputs.json"),
      "--cwd",
      repo,
      "--audience",
      "api://gateway-id",
      "--format",
      "json",
    ]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out), {
      valid: true,
      method: "entra",
      username: "sp",
      client_id: "app-a",
      groups: ["oid-team-a"],
      scopes: ["team-a"],
      expires_at: JSON.parse(r.out).expires_at,
    });
  });
});

describe("the registry's self-signed user tokens", () => {
  const claims = {
    sub: "alice",
    preferred_username: "alice",
    groups: ["team-a"],
    scope: "team-a team-b",
    token_use: "access",
    token_kind: "user",
    auth_method: "oauth2",
  };

  it("verifies HS256 tokens with the SECRET_KEY and takes scopes from the scope claim", async () => {
    const key = new TextEncoder().encode("registry-secret-key");
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("mcp-auth-server")
      .setAudience("mcp-registry")
      .setIssuedAt()
      .setExpirationTime("8h")
      .sign(key);
    const v = await verifyAnyToken(token, { secretKey: "registry-secret-key" });
    assert.equal(v.method, "self_signed");
    assert.equal(v.username, "alice");
    assert.deepEqual(v.scopes, ["team-a", "team-b"]);
    await assert.rejects(verifyAnyToken(token, { secretKey: "wrong" }), /signature does not verify/);
    await assert.rejects(verifyAnyToken(token, {}), /give the registry's SECRET_KEY/);
  });

  it("verifies ES256 tokens with a kid against the public key", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .setIssuer("mcp-auth-server")
      .setAudience("mcp-registry")
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(privateKey);
    const v = await verifyAnyToken(token, { publicKeyPem: await exportSPKI(publicKey) });
    assert.deepEqual(v.groups, ["team-a"]);
  });

  it("refuses what the auth server refuses: no token_kind, expired, wrong audience", async () => {
    const key = new TextEncoder().encode("k");
    const sign = (c: Record<string, unknown>, aud = "mcp-registry", exp: string | number = "1h") =>
      new SignJWT(c)
        .setProtectedHeader({ alg: "HS256" })
        .setIssuer("mcp-auth-server")
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime(exp)
        .sign(key);
    const { token_kind: _kind, ...noKind } = claims;
    await assert.rejects(verifyAnyToken(await sign(noKind), { secretKey: "k" }), /without token_kind are refused/);
    await assert.rejects(
      verifyAnyToken(await sign(claims, "mcp-registry", Math.floor(Date.now() / 1000) - 3600), { secretKey: "k" }),
      /has expired/,
    );
    await assert.rejects(verifyAnyToken(await sign(claims, "other"), { secretKey: "k" }), /claim "aud"/);
  });

  it("refuses something that is not a JWT", async () => {
    await assert.rejects(verifyAnyToken("not-a-token"), /not a JWT/);
  });
});

describe("mcp-access token: files and folders (issue 14)", () => {
  it("accepts the m2m output alone (pulumi stack output m2m --json) as well as the whole output object", async () => {
    const file = join(repo, "m2m-only.json");
    writeFileSync(file, JSON.stringify(outputs.m2m));
    const r = await cli(["token", "agent-a", "--outputs", file, "--cwd", repo, "--format", "raw"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^ey/);
  });

  it("calls constructor and __proto__ unknown accounts", async () => {
    const r = await cli([
      "token",
      "constructor",
      "__proto__",
      "toString",
      "--outputs",
      join(repo, "outputs.json"),
      "--cwd",
      repo,
    ]);
    assert.equal(r.code, 1);
    for (const n of ["constructor", "__proto__", "toString"])
      assert.match(r.err, new RegExp(`unknown M2M account "${n}"; the stack has: agent-a, agent-b`));
  });

  it("writes only its files into an existing folder: its .gitignore and mode stay as they are", async () => {
    const dir = join(makeRepo({ "own/.gitignore": "# the team's own rules\nkeep-me\n" }), "own");
    chmodSync(dir, 0o755);
    const r = await cli(["token", "agent-a", "--outputs", join(repo, "outputs.json"), "--cwd", repo, "--out", dir]);
    assert.equal(r.code, 0, r.err);
    assert.equal(readFileSync(join(dir, ".gitignore"), "utf8"), "# the team's own rules\nkeep-me\n");
    assert.equal(statSync(dir).mode & 0o777, 0o755);
    assert.equal(statSync(join(dir, "agent-a.json")).mode & 0o777, 0o600);
  });

  it("resolves --out against the current directory, and defaults to .oauth-tokens in --cwd", async () => {
    const here = makeRepo({});
    const before = process.cwd();
    process.chdir(here);
    try {
      const r = await cli([
        "token",
        "agent-b",
        "--outputs",
        join(repo, "outputs.json"),
        "--cwd",
        repo,
        "--out",
        "rel-tokens",
      ]);
      assert.equal(r.code, 0, r.err);
      assert.ok(existsSync(join(here, "rel-tokens", "agent-b.json")));
      assert.ok(!existsSync(join(repo, "rel-tokens")));
      const d = await cli(["token", "agent-b", "--outputs", join(repo, "outputs.json"), "--cwd", repo]);
      assert.equal(d.code, 0, d.err);
      assert.ok(existsSync(join(repo, ".oauth-tokens", "agent-b.json")));
    } finally {
      process.chdir(before);
    }
  });

  it("says what is wrong with --outputs and --out instead of ENOENT/EISDIR", async () => {
    const missing = await cli(["token", "agent-a", "--outputs", join(repo, "nope.json")]);
    assert.equal(missing.code, 1);
    assert.match(
      missing.err,
      new RegExp(
        String.raw`cannot read --outputs .*nope\.json: no such file; save the outputs wit` +
          String.raw`h pulumi stack output m2m --json --show-secrets`,
      ),
    );
    const folder = await cli(["token", "agent-a", "--outputs", repo]);
    assert.match(folder.err, /cannot read --outputs .*: it is a folder, not a file/);
    const file = await cli([
      "token",
      "agent-a",
      "--outputs",
      join(repo, "outputs.json"),
      "--cwd",
      repo,
      "--out",
      join(repo, "outputs.json"),
      "--min-ttl",
      "0",
    ]);
    assert.equal(file.code, 1);
    assert.match(file.err, /--out .*outputs\.json is a file, not a folder/);
    assert.doesNotMatch(missing.err + folder.err + file.err, /ENOENT|EISDIR|ENOTDIR/);
  });
});

describe("token --verify <file>", () => {
  it(
    "reads the token from a registry token file or the registry's wrapped shapes, and refuses JSON " + "without one",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "mcp-access-verify-"));
      const write = (name: string, body: unknown) => {
        const f = join(dir, name);
        writeFileSync(f, typeof body === "string" ? body : JSON.stringify(body));
        return f;
      };
      assert.equal(readTokenArgument(write("a.json", { access_token: "t1", token_type: "Bearer" })), "t1");
      assert.equal(readTokenArgument(write("b.json", { tokens: { access_token: "t2" } })), "t2");
      assert.equal(readTokenArgument(write("c.json", { token_data: { access_token: "t3" } })), "t3");
      assert.equal(readTokenArgument(write("raw.txt", "eyJraw.token.text\n")), "eyJraw.token.text");
      assert.equal(readTokenArgument("eyJnot.a.file"), "eyJnot.a.file");
      assert.throws(
        () => readTokenArgument(write("d.json", { token: "x" })),
        (e: Error) => e instanceof TokenError && /without an access_token/.test(e.message),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  );
});
