/** Keycloak's admin REST API (through @keycloak/keycloak-admin-client), to check what a stack really created. */
import { signInKeycloak, type KeycloakAdminClient } from "../../clients/keycloak-admin";
import { keycloakUrl } from "./services";

export type { KeycloakAdminClient } from "../../clients/keycloak-admin";

export const KC_ADMIN = {
  username: process.env.KC_BOOTSTRAP_ADMIN_USERNAME ?? "admin",
  password: process.env.KC_BOOTSTRAP_ADMIN_PASSWORD ?? "admin",
};

/**
 * A master-realm admin token the way the registry's scripts get one (`get_admin_token`, keycloak_manager.py): the
 * password grant of `admin-cli`, for tests that send raw admin REST bodies shaped like theirs.
 */
export async function adminToken(): Promise<string> {
  const body = new URLSearchParams({
    grant_type: "password",
    client_id: "admin-cli",
    username: KC_ADMIN.username,
    password: KC_ADMIN.password,
  });
  const r = await fetch(`${keycloakUrl()}/realms/master/protocol/openid-connect/token`, { method: "POST", body });
  if (r.status !== 200) throw new Error(`admin token: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { access_token: string }).access_token;
}

/** What one admin REST call answered: its status, its JSON body (null when empty), its Location header. */
export interface RestAnswer {
  status: number;
  json: unknown;
  location: string | null;
}

/**
 * One admin REST call under /admin/realms/<realm>, the way the registry's scripts make it with curl (a raw body, the
 * master admin's token); fails on an error status.
 */
export async function realmRest(realm: string, method: string, path: string, body?: unknown): Promise<RestAnswer> {
  const r = await fetch(`${keycloakUrl()}/admin/realms/${realm}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await adminToken()}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return { status: r.status, json: text ? JSON.parse(text) : null, location: r.headers.get("location") };
}

/** An admin client signed in to the master realm, working on `realm` (of the shared Keycloak unless `baseUrl`). */
export async function keycloakAdmin(realm: string, baseUrl = keycloakUrl()): Promise<KeycloakAdminClient> {
  const admin = await signInKeycloak({
    url: baseUrl,
    basePath: "",
    realm: "master",
    clientId: "admin-cli",
    ...KC_ADMIN,
  });
  admin.setConfig({ realmName: realm });
  return admin;
}

/** The stack config that points the Keycloak provider (and the program's adoption) at the test Keycloak. */
export function keycloakStackConfig(realm: string): Record<string, { value: string; secret?: boolean }> {
  return {
    "keycloak:url": { value: keycloakUrl() },
    "keycloak:clientId": { value: "admin-cli" },
    "keycloak:username": { value: KC_ADMIN.username },
    "keycloak:password": { value: KC_ADMIN.password, secret: true },
    "keycloak:realm": { value: "master" },
    "mcp-gateway-access:keycloakRealm": { value: realm },
  };
}

/**
 * A stack of this repository's program on the test Keycloak and database: definitions in `repo`, documents in
 * `database`.
 */
export function programStackConfig(
  realm: string,
  opts: {
    repo: string;
    database: string;
    mongodbUri: string;
    bootstrap?: boolean;
    extra?: Record<string, { value: string; secret?: boolean }>;
  },
): Record<string, { value: string; secret?: boolean }> {
  return {
    ...keycloakStackConfig(realm),
    "mcp-gateway-access:definitionsDir": { value: opts.repo },
    ...(opts.bootstrap ? { "mcp-gateway-access:bootstrap": { value: "true" } } : {}),
    "mcp-gateway-access:database": { value: opts.database },
    "mcp-gateway-access:mongodbUri": { value: opts.mongodbUri, secret: true },
    ...opts.extra,
  };
}
