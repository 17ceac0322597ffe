/** The OAuth2 client-credentials grant against Keycloak or Entra ID, as the registry's scripts request it. */
import type { M2MCredentials } from "./outputs";
import { TokenError } from "./outputs";
import { defaultEntraScope } from "./files";
import { TokenResponse } from "./schemas";

export type { TokenResponse };

/**
 * Keycloak: `openid email profile` (keycloak/get_m2m_token.py); Entra: the stack's scope (`api://<gateway>/.default`),
 * else entra/get_m2m_token.py's default, the identity's own `api://<client_id>/.default`.
 */
export function requestedScope(c: M2MCredentials): string {
  return c.authProvider === "entra" ? c.scope || defaultEntraScope(c.clientId) : "openid email profile";
}

export function tokenRequestBody(c: M2MCredentials): URLSearchParams {
  return new URLSearchParams({
    grant_type: "client_credentials",
    client_id: c.clientId,
    client_secret: c.clientSecret,
    scope: requestedScope(c),
  });
}

export async function clientCredentialsGrant(
  name: string,
  c: M2MCredentials,
  fetchImpl: typeof fetch = fetch,
): Promise<TokenResponse> {
  let res: Response;
  try {
    res = await fetchImpl(c.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: tokenRequestBody(c),
      signal: AbortSignal.timeout(15000),
    });
  } catch (e) {
    const c0 = (e as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } }).cause;
    const cause = c0?.code ?? c0?.errors?.[0]?.code ?? c0?.message ?? (e as Error).message;
    throw new TokenError(
      `${name}: the identity provider at ${new URL(c.tokenUrl).origin} is unreachable (${cause}); ` +
        `check the URL and that it is running`,
    );
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* non-JSON error pages are reported by status */
  }
  if (!res.ok) {
    const error = String(body.error ?? res.status);
    if (error === "invalid_client" || error === "unauthorized_client" || res.status === 401) {
      throw new TokenError(
        `${name}: the identity provider refused the client credentials (${error}: ` +
          `${String(body.error_description ?? "")}). The secret may have been rotated or the client ` +
          `deleted: run pulumi up and read the stack outputs again`,
      );
    }
    throw new TokenError(
      `${name}: the token request failed with HTTP ${res.status} ` +
        `(${error}${body.error_description ? `: ${String(body.error_description)}` : ""})`,
    );
  }
  if (typeof body.access_token !== "string") throw new TokenError(`${name}: the token response has no access_token`);
  const parsed = TokenResponse.safeParse(body);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".")))].join(", ");
    throw new TokenError(
      `${name}: the token response from ${new URL(c.tokenUrl).origin} lacks a valid ${fields} (a ` +
        `client-credentials response must say how long the token lasts); check the token endpoint`,
    );
  }
  return parsed.data;
}
