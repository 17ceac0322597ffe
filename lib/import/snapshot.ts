/**
 * What `mcp-access import` reads from a running registry: the identity provider's groups, users and clients, and
 * the registry's documents. The CLI fills it in (cli/import-read.ts); secrets are never part of it.
 */
import type { IdentityProvider } from "../registry/rules";
import type { Doc } from "./types";
import type { RateLimitSnapshot } from "./rate-limits";
import type { IdentityProviderSnapshot } from "./identity-providers";

/** An identity-provider group (top level). */
export interface SnapshotGroup {
  name: string;
  /** Keycloak group id or Entra Object ID. */
  id: string;
  /** Keycloak: the `description` attribute (`undefined` when the group has none). */
  description?: string;
  /** Names of its subgroups (the definitions have none). */
  subGroups: string[];
}

export interface SnapshotUser {
  username: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  enabled: boolean;
  /** Names of the top-level groups it is a direct member of. */
  groups: string[];
  /** Group paths below the top level (`/a/b`): not expressible. */
  subGroupPaths: string[];
  /** Keycloak attribute names (not expressible). */
  attributes: string[];
  emailVerified?: boolean;
}

/** A client (Keycloak) or application (Entra). */
export interface SnapshotClient {
  clientId: string;
  /** Keycloak `name`; Entra display name. */
  name?: string;
  description?: string;
  enabled: boolean;
  /** Confidential, service account on, no browser or password flows: what `user-create-m2m` creates. */
  serviceAccountOnly: boolean;
  /** Groups of its service account (Keycloak) or service principal (Entra). */
  groups: string[];
  /** Protocol mapper names (Keycloak). */
  mappers: string[];
  /** Keycloak: what the bootstrap's clients are compared on (lib/import/bootstrap.ts). */
  redirectUris?: string[];
  webOrigins?: string[];
  /** The `post.logout.redirect.uris` attribute, split at `##`. */
  postLogoutRedirectUris?: string[];
  fullScopeAllowed?: boolean;
}

export type { Doc };

export interface ImportSnapshot extends RateLimitSnapshot, IdentityProviderSnapshot {
  idp: IdentityProvider;
  /** Where it was read from, for the report (`realm mcp-gateway at https://...`). */
  source: string;
  namespace: string;
  groups: SnapshotGroup[];
  users: SnapshotUser[];
  clients: SnapshotClient[];
  /** `mcp_scopes_<namespace>` documents as stored. */
  scopes: Doc[];
  /** `idp_m2m_clients` records as stored. */
  m2mRecords: Doc[];
  /** Keycloak: the realm's representation (login and brute-force settings), for the bootstrap's comparison. */
  realmSettings?: Record<string, unknown>;
}
