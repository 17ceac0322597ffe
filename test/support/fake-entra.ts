/**
 * A stand-in for Entra ID's token and JWKS endpoints on 127.0.0.1 (no tenant is reachable from tests):
 * records each token request and answers with a token signed by a local RS256 key, shaped like Entra's v2
 * client-credentials tokens.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";

export interface FakeEntra {
  base: string;
  tenant: string;
  requests: URLSearchParams[];
  /** Claims to add to, or override in, the next tokens. */
  claims: Record<string, unknown>;
  /** Answer with this error instead of a token. */
  fail?: { status: number; error: string; error_description?: string };
  sign(claims: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function startFakeEntra(tenant = "tenant-1"): Promise<FakeEntra> {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: "test-key", alg: "RS256", use: "sig" };
  let base = "";
  const fake: FakeEntra = {
    base: "",
    tenant,
    requests: [],
    claims: {},
    async sign(claims) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ ver: "2.0", ...claims })
        .setProtectedHeader({ alg: "RS256", kid: "test-key", typ: "JWT" })
        .setIssuer(`${base}/${tenant}/v2.0`)
        .setIssuedAt(typeof claims.iat === "number" ? (claims.iat as number) : now)
        .setExpirationTime(typeof claims.exp === "number" ? (claims.exp as number) : now + 3599)
        .sign(privateKey);
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", async () => {
      if (req.method === "GET" && req.url === `/${tenant}/discovery/v2.0/keys`) {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
        return;
      }
      if (req.method === "POST" && req.url === `/${tenant}/oauth2/v2.0/token`) {
        const form = new URLSearchParams(body);
        fake.requests.push(form);
        if (fake.fail) {
          res.writeHead(fake.fail.status, { "content-type": "application/json" }).end(JSON.stringify(fake.fail));
          return;
        }
        const gateway = (form.get("scope") ?? "").replace(/\/\.default$/, "");
        const token = await fake.sign({
          aud: gateway,
          azp: form.get("client_id"),
          appid: form.get("client_id"),
          sub: "sp-object-id",
          oid: "sp-object-id",
          groups: ["oid-team-a"],
          ...fake.claims,
        });
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: token }));
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.base = base;
  return fake;
}
