/**
 * Verifying tokens the registry's auth server accepts, with jose: Keycloak and Entra RS256 tokens against the
 * issuer's JWKS, and the registry's own self-signed user tokens (HS256 with SECRET_KEY, or ES256).
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  importSPKI,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from "jose";
import { DEFAULT_REALM, GATEWAY_AUDIENCE, keycloakRealmUrl } from "../lib/registry/rules";
import type { M2MCredentials, StackOutputs } from "./outputs";
import { TokenError } from "./outputs";
import { baseUrl } from "../lib";

export const SELF_SIGNED_ISSUER = "mcp-auth-server";
export const SELF_SIGNED_AUDIENCE = "mcp-registry";
const LEEWAY_SECONDS = 30;
/** Longest lifetime the registry allows (self-signed tokens: 168 h); also makes jose refuse an `iat` in the future. */
const MAX_TOKEN_AGE = "7d";

export type TokenMethod = "keycloak" | "entra" | "self_signed";

export interface VerifiedToken {
  method: TokenMethod;
  claims: JWTPayload & Record<string, unknown>;
  username: string;
  clientId: string;
  groups: string[];
  /** Self-signed tokens carry their scopes; IdP tokens get them from the scope documents. */
  scopes: string[] | null;
}

export interface VerifyKeys {
  /** Override the JWKS location (or give a local JWKS), e.g. for tests or air-gapped hosts. */
  jwksUrl?: string;
  jwks?: { keys: unknown[] };
  /** HS256 key of self-signed tokens (the registry's SECRET_KEY). */
  secretKey?: string;
  /** ES256 public key (PEM) of self-signed tokens. */
  publicKeyPem?: string;
  /** Extra accepted audiences (the gateway client ids). */
  audiences?: string[];
  /**
   * The only issuers whose Keycloak/Entra tokens are trusted (exact `iss` values, e.g. `https://kc/realms/mcp-gateway`
   * or `https://login.microsoftonline.com/<tenant>/v2.0`); see `trustedIssuers`. Without them an IdP token is
   * verified only against keys the caller gives (`jwks`, `jwksUrl`), never against keys its own issuer names.
   */
  issuers?: string[];
}

/** The issuers an account's tokens come from: its realm URL (Keycloak) or its tenant's v2 and v1 issuers (Entra). */
export function accountIssuers(c: M2MCredentials): string[] {
  if (c.authProvider === "keycloak")
    return [keycloakRealmUrl(c.keycloakUrl ?? new URL(c.tokenUrl).origin, c.realm ?? DEFAULT_REALM)];
  const tenant = c.tenantId ?? /^https?:\/\/[^/]+\/([^/]+)\/oauth2\//.exec(c.tokenUrl)?.[1];
  if (!tenant) return [];
  return [`${new URL(c.tokenUrl).origin}/${tenant}/v2.0`, `https://sts.windows.net/${tenant}/`];
}

/** The issuers and audiences a stack's outputs vouch for: its `issuers` output, and those of its M2M accounts. */
export function trustedIssuers(outputs: Pick<StackOutputs, "m2m" | "issuers">): {
  issuers: string[];
  audiences: string[];
} {
  const issuers = new Set<string>(outputs.issuers ?? []);
  const audiences = new Set<string>();
  for (const c of Object.values(outputs.m2m)) {
    for (const i of accountIssuers(c)) issuers.add(i);
    for (const a of c.authProvider === "entra" ? entraAudiences(c.scope) : []) audiences.add(a);
  }
  return { issuers: [...issuers], audiences: [...audiences] };
}

function list(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === "string") return v.split(/\s+/).filter(Boolean);
  return [];
}

function entraBase(issuer: string): { base: string; tenant: string } | null {
  const v2 = /^(https?:\/\/[^/]+)\/([^/]+)\/v2\.0\/?$/.exec(issuer);
  if (v2) return { base: v2[1]!, tenant: v2[2]! };
  const v1 = /^https:\/\/sts\.windows\.net\/([^/]+)\/$/.exec(issuer);
  if (v1) return { base: "https://login.microsoftonline.com", tenant: v1[1]! };
  return null;
}

function explain(e: unknown, what: string): TokenError {
  if (e instanceof TokenError) return e;
  if (e instanceof errors.JWTExpired)
    return new TokenError(`${what}: the token has expired (exp ${String(e.payload.exp)}); fetch a new one`);
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === "iat" || e.claim === "nbf") {
      return new TokenError(
        `${what}: the token's "${e.claim}" is in the future — this machine's clock and the identity ` +
          `provider's differ by more than ${LEEWAY_SECONDS}s; fix the clock (NTP)`,
      );
    }
    return new TokenError(`${what}: claim "${e.claim}" is not what the registry accepts (${e.reason})`);
  }
  if (e instanceof errors.JWSSignatureVerificationFailed)
    return new TokenError(`${what}: the signature does not verify against the issuer's keys`);
  if (e instanceof errors.JWKSNoMatchingKey)
    return new TokenError(`${what}: no key in the issuer's JWKS matches the token's kid`);
  if (e instanceof errors.JOSEError) return new TokenError(`${what}: ${e.message}`);
  const cause = (e as { cause?: { code?: string } }).cause?.code;
  return new TokenError(`${what}: ${cause ? `the issuer's keys are unreachable (${cause})` : (e as Error).message}`);
}

function keySet(url: string, keys: VerifyKeys): JWTVerifyGetKey {
  if (keys.jwks) return createLocalJWKSet(keys.jwks as Parameters<typeof createLocalJWKSet>[0]);
  return createRemoteJWKSet(new URL(keys.jwksUrl ?? url));
}

function result(
  method: TokenMethod,
  claims: JWTPayload & Record<string, unknown>,
  scopes: string[] | null,
): VerifiedToken {
  const aud = list(claims.aud);
  return {
    method,
    claims,
    username: String(claims.preferred_username ?? claims.sub ?? ""),
    clientId: String(claims.azp ?? claims.appid ?? aud[0] ?? ""),
    groups: list(claims.groups).length ? list(claims.groups) : list(claims.roles),
    scopes,
  };
}

/** Verifies a token fetched for an M2M account: issuer, audience and expiry as the auth server checks them. */
export async function verifyAccountToken(
  token: string,
  c: M2MCredentials,
  keys: VerifyKeys = {},
): Promise<VerifiedToken> {
  if (c.authProvider === "keycloak") {
    return verifyIdpToken(token, { ...keys, issuers: accountIssuers(c) });
  }
  return verifyIdpToken(token, {
    ...keys,
    issuers: accountIssuers(c),
    audiences: [...(keys.audiences ?? []), ...entraAudiences(c.scope)],
  });
}

/** `api://<gateway>/.default` → the audiences the auth server accepts: `api://<gateway>` and `<gateway>`. */
export function entraAudiences(scope: string | undefined): string[] {
  const m = /^api:\/\/(.+)\/\.default$/.exec(scope ?? "");
  return m ? [`api://${m[1]}`, m[1]!] : [];
}

async function verifyIdpToken(token: string, opts: VerifyKeys): Promise<VerifiedToken> {
  let unverified: JWTPayload;
  try {
    unverified = decodeJwt(token);
    decodeProtectedHeader(token);
  } catch {
    throw new TokenError("not a JWT (expected header.payload.signature)");
  }
  const iss = String(unverified.iss ?? "");
  const entra = entraBase(iss);
  // Trust comes from configuration, never from the token: its issuer must be one the caller named, or its keys
  // must be ones the caller gave. The JWKS is fetched only from a trusted issuer.
  const trusted = (opts.issuers ?? []).map((i) => baseUrl(i));
  if (trusted.length && !trusted.includes(baseUrl(iss))) {
    throw new TokenError(
      `token rejected: its issuer ${JSON.stringify(iss)} is not a trusted one ` +
        `(${trusted.join(", ")}); give --issuer or --stack/--outputs of the stack that issued it`,
    );
  }
  if (!trusted.length && !opts.jwks && !opts.jwksUrl) {
    throw new TokenError(
      `token rejected: no trusted issuer is configured for its issuer ${JSON.stringify(iss)}; give ` +
        `--stack/--outputs (the stack's realm or tenant), --issuer URL or --jwks-url URL`,
    );
  }
  try {
    if (entra) {
      // The gateway's client id decides the audience (`api://<id>` or `<id>`): always checked.
      if (!opts.audiences?.length)
        throw new TokenError(
          "token rejected: an Entra token's audience cannot be checked: give --audience (the " +
            "gateway's client id) or the stack's outputs",
        );
      const { payload } = await jwtVerify(token, keySet(`${entra.base}/${entra.tenant}/discovery/v2.0/keys`, opts), {
        issuer: [`${entra.base}/${entra.tenant}/v2.0`, `https://sts.windows.net/${entra.tenant}/`],
        audience: opts.audiences,
        algorithms: ["RS256"],
        clockTolerance: LEEWAY_SECONDS,
        maxTokenAge: MAX_TOKEN_AGE,
        requiredClaims: ["exp", "iat"],
      });
      return result("entra", payload as JWTPayload & Record<string, unknown>, null);
    }
    if (/\/realms\/[^/]+$/.test(iss)) {
      const { payload } = await jwtVerify(token, keySet(`${iss}/protocol/openid-connect/certs`, opts), {
        issuer: iss,
        audience: [GATEWAY_AUDIENCE, ...(opts.audiences ?? [])],
        algorithms: ["RS256"],
        clockTolerance: LEEWAY_SECONDS,
        maxTokenAge: MAX_TOKEN_AGE,
        requiredClaims: ["exp", "iat"],
      });
      return result("keycloak", payload as JWTPayload & Record<string, unknown>, null);
    }
  } catch (e) {
    throw explain(e, "token rejected");
  }
  throw new TokenError(
    `unknown issuer ${iss}: the registry accepts Keycloak (…/realms/<realm>), Entra ID and its own self-signed tokens`,
  );
}

/**
 * The issuer of a token of the JWT's shape (its size, header and payload decode), before anything is trusted or
 * read: a token that is not a JWT is said so first, not after asking for the stack's outputs.
 */
export function jwtIssuer(token: string): string {
  if (token.length > 8192) throw new TokenError("token rejected: over 8192 bytes, which the auth server refuses");
  try {
    decodeProtectedHeader(token);
    return String(decodeJwt(token).iss ?? "");
  } catch {
    throw new TokenError("not a JWT (expected header.payload.signature)");
  }
}

/** Verifies any token the registry would accept: self-signed user tokens first (by issuer), then the IdPs'. */
export async function verifyAnyToken(token: string, keys: VerifyKeys = {}): Promise<VerifiedToken> {
  const iss = jwtIssuer(token);
  if (iss !== SELF_SIGNED_ISSUER) return verifyIdpToken(token, keys);
  const header = decodeProtectedHeader(token);
  try {
    let key: Uint8Array | CryptoKey;
    let alg: string;
    if (header.kid) {
      if (!keys.publicKeyPem && !keys.jwks && !keys.jwksUrl)
        throw new TokenError(
          "an ES256 self-signed token: give the public key (--public-key PEM) or the registry's " +
            "internal JWKS (--jwks-url)",
        );
      alg = "ES256";
      if (keys.publicKeyPem) key = await importSPKI(keys.publicKeyPem, "ES256");
      else {
        const { payload } = await jwtVerify(token, keySet(keys.jwksUrl ?? "", keys), {
          issuer: SELF_SIGNED_ISSUER,
          audience: SELF_SIGNED_AUDIENCE,
          algorithms: ["ES256"],
          clockTolerance: LEEWAY_SECONDS,
        });
        return selfSigned(payload);
      }
    } else {
      if (!keys.secretKey)
        throw new TokenError(
          "an HS256 self-signed token: give the registry's SECRET_KEY (--secret-key or MCP_REGISTRY_SECRET_KEY)",
        );
      alg = "HS256";
      key = new TextEncoder().encode(keys.secretKey);
    }
    const { payload } = await jwtVerify(token, key, {
      issuer: SELF_SIGNED_ISSUER,
      audience: SELF_SIGNED_AUDIENCE,
      algorithms: [alg],
      clockTolerance: LEEWAY_SECONDS,
      maxTokenAge: MAX_TOKEN_AGE,
      requiredClaims: ["exp", "iat"],
    });
    return selfSigned(payload);
  } catch (e) {
    throw explain(e, "token rejected");
  }
}

function selfSigned(payload: JWTPayload): VerifiedToken {
  const claims = payload as JWTPayload & Record<string, unknown>;
  if (claims.token_use !== "access") throw new TokenError('token rejected: token_use is not "access"');
  if (!claims.token_kind)
    throw new TokenError("token rejected: self-signed tokens without token_kind are refused at /validate");
  return { ...result("self_signed", claims, list(claims.scope)), clientId: "user-generated" };
}
