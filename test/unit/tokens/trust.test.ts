/**
 * `token --verify` and `verifyAnyToken` trust only configured issuers (issue 23, item 1): a token whose issuer is any
 * host serving its own JWKS (a forged key served on loopback) is refused, Keycloak- and Entra-shaped, through the CLI
 * and the exported API; a token from the stack's own realm or tenant, or from --issuer, is accepted.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { verifyAnyToken } from "../../../api";
import { run } from "../../../cli/main";
import { makeRepo } from "../../support/repo";

interface Idp {
  base: string;
  hits: string[];
  sign(iss: string, claims?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 serving one fresh RS256 key as the JWKS of every Keycloak realm and Entra tenant. */
async function startIdp(): Promise<Idp> {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k", alg: "RS256", use: "sig" };
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? "");
    if (/\/protocol\/openid-connect\/certs$|\/discovery\/v2\.0\/keys$/.test(req.url ?? "")) {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sign = (iss: string, claims: Record<string, unknown> = {}) =>
    new SignJWT({ groups: ["registry-admins"], azp: "bot", preferred_username: "service-account-bot", ...claims })
      .setProtectedHeader({ alg: "RS256", kid: "k" })
      .setIssuer(iss)
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(privateKey as CryptoKey);
  return { base, hits, sign, close: () => new Promise((r) => server.close(() => r())) };
}

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

let good: Idp;
let evil: Idp;
let repo: string;
let outputsFile: string;
const TENANT = "tenant-good";

before(async () => {
  good = await startIdp();
  evil = await startIdp();
  repo = makeRepo({ "groups/a.yaml": "scope_name: team-a\n" });
  outputsFile = join(repo, "outputs.json");
  writeFileSync(
    outputsFile,
    JSON.stringify({
      m2m: {
        kc: {
          clientId: "bot",
          clientSecret: "s",
          tokenUrl: `${good.base}/realms/mcp/protocol/openid-connect/token`,
          realm: "mcp",
          keycloakUrl: good.base,
          authProvider: "keycloak",
        },
        en: {
          clientId: "app",
          clientSecret: "s",
          tenantId: TENANT,
          tokenUrl: `${good.base}/${TENANT}/oauth2/v2.0/token`,
          scope: "api://gw/.default",
          authProvider: "entra",
        },
      },
      groups: {},
    }),
  );
});
after(async () => {
  await good.close();
  await evil.close();
});

const shapes = [
  {
    idp: "keycloak",
    forged: () => `${evil.base}/realms/x`,
    forgedSameName: () => `${evil.base}/realms/mcp`,
    real: () => `${good.base}/realms/mcp`,
    aud: "mcp-gateway",
  },
  {
    idp: "entra",
    forged: () => `${evil.base}/${TENANT}/v2.0`,
    forgedSameName: () => `${evil.base}/other-tenant/v2.0`,
    real: () => `${good.base}/${TENANT}/v2.0`,
    aud: "api://gw",
  },
] as const;

for (const s of shapes) {
  describe(`a ${s.idp}-shaped token from a host nobody configured`, () => {
    it("is refused by the CLI with the stack's outputs, and its JWKS is never fetched", async () => {
      evil.hits.length = 0;
      for (const iss of [s.forged(), s.forgedSameName()]) {
        const token = await evil.sign(iss, { aud: s.aud });
        const r = await cli(["token", "--verify", token, "--outputs", outputsFile, "--cwd", repo]);
        assert.equal(r.code, 1, r.out);
        assert.match(r.err, /issuer .* is not a trusted one/);
        assert.doesNotMatch(r.out, /valid/);
        assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
      }
      assert.deepEqual(evil.hits, []);
    });

    it("is refused by the CLI with --issuer naming the real one", async () => {
      const token = await evil.sign(s.forged(), { aud: s.aud });
      const r = await cli(["token", "--verify", token, "--issuer", s.real(), "--audience", s.aud]);
      assert.equal(r.code, 1);
      assert.match(r.err, /not a trusted one/);
    });

    it("is refused by the exported verifyAnyToken, configured or not", async () => {
      const token = await evil.sign(s.forged(), { aud: s.aud });
      await assert.rejects(verifyAnyToken(token), /no trusted issuer is configured/);
      await assert.rejects(verifyAnyToken(token, { audiences: [s.aud] }), /no trusted issuer is configured/);
      await assert.rejects(verifyAnyToken(token, { issuers: [s.real()], audiences: [s.aud] }), /is not a trusted one/);
      assert.deepEqual(evil.hits, []);
    });

    it("is refused when it claims the real issuer but is signed with another key", async () => {
      const token = await evil.sign(s.real(), { aud: s.aud });
      await assert.rejects(
        verifyAnyToken(token, { issuers: [s.real()], audiences: [s.aud] }),
        /signature does not verify|no key in the issuer's JWKS/,
      );
      const r = await cli(["token", "--verify", token, "--outputs", outputsFile, "--cwd", repo]);
      assert.equal(r.code, 1);
    });
  });

  describe(`a ${s.idp} token from the configured issuer`, () => {
    it("is accepted through the CLI (stack outputs or --issuer) and the API", async () => {
      const token = await good.sign(s.real(), { aud: s.aud });
      const r = await cli(["token", "--verify", token, "--outputs", outputsFile, "--cwd", repo, "--format", "json"]);
      assert.equal(r.code, 0, r.err);
      assert.equal(JSON.parse(r.out).method, s.idp);
      const i = await cli(["token", "--verify", token, "--issuer", s.real(), "--audience", s.aud]);
      assert.equal(i.code, 0, i.err);
      assert.match(i.out, new RegExp(`^valid ${s.idp} token`));
      const v = await verifyAnyToken(token, { issuers: [s.real()], audiences: [s.aud] });
      assert.deepEqual(v.groups, ["registry-admins"]);
    });

    it("is refused for another audience, and the audience is always checked", async () => {
      const token = await good.sign(s.real(), { aud: "someone-else" });
      await assert.rejects(verifyAnyToken(token, { issuers: [s.real()], audiences: [s.aud] }), /claim "aud"/);
      const r = await cli(["token", "--verify", token, "--outputs", outputsFile, "--cwd", repo]);
      assert.equal(r.code, 1);
      assert.match(r.err, /claim "aud"/);
    });
  });
}

describe("an Entra token without a known audience", () => {
  it("is refused rather than verified without checking aud", async () => {
    const token = await good.sign(`${good.base}/${TENANT}/v2.0`, { aud: "api://gw" });
    await assert.rejects(
      verifyAnyToken(token, { issuers: [`${good.base}/${TENANT}/v2.0`] }),
      /audience cannot be checked: give --audience/,
    );
  });
});

describe("the stack's issuers output", () => {
  it("is trusted without any M2M account, and nothing else is", async () => {
    const file = join(repo, "issuers-only.json");
    writeFileSync(file, JSON.stringify({ m2m: {}, groups: {}, issuers: [`${good.base}/realms/mcp`] }));
    const ok = await cli([
      "token",
      "--verify",
      await good.sign(`${good.base}/realms/mcp`, { aud: "mcp-gateway" }),
      "--outputs",
      file,
      "--cwd",
      repo,
    ]);
    assert.equal(ok.code, 0, ok.err);
    const forged = await cli([
      "token",
      "--verify",
      await evil.sign(`${evil.base}/realms/mcp`, { aud: "mcp-gateway" }),
      "--outputs",
      file,
      "--cwd",
      repo,
    ]);
    assert.equal(forged.code, 1);
    assert.match(forged.err, /not a trusted one/);
  });
});
