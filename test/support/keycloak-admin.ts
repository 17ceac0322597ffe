/** Keycloak's admin REST API (through @keycloak/keycloak-admin-client), to check what a stack really created. */
import { signInKeycloak, type KeycloakAdminClient } from "../../clients/keycloak-admin";
import { keycloakUrl } from "./services";

export type { KeycloakAdminClient } from "../../clients/keycloak-admin";

export const KC_ADMIN = {
  username: process.env.KC_BOOTSTRAP_ADMIN_USERNAME ?? "admin",
  password: process.env.KC_BOOTSTRAP_ADMIN_PASSWORD ?? "admin",
};

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
