/**
 * The token claims the registry's auth server needs from Keycloak, defined once: a `groups` claim of plain
 * group names (`fullPath: false`; the provider's default would send `/name`) and an audience it accepts.
 */
import * as keycloak from "@pulumi/keycloak";
import * as pulumi from "@pulumi/pulumi";
import { AUDIENCE_MAPPER, GATEWAY_AUDIENCE, GROUPS_MAPPER, RESOURCE_NAMES } from "../../lib";
import { mapperKey, type KeycloakAdoption } from "./adoption";

/**
 * Options of a `keycloak.User`. Keycloak adds the `UPDATE_PASSWORD` required action when it sets a temporary
 * initial password, and removes it when the user has changed the password: required actions belong to
 * Keycloak's login flow, not to the definitions, so the stack never touches them (otherwise the second `up`
 * would strip the action and the user would keep the initial password).
 */
export function userOptions(
  opts: pulumi.CustomResourceOptions,
  importId: string | undefined,
  keepEmailVerified = false,
): pulumi.CustomResourceOptions {
  // An undeclared email_verified is Keycloak's after creation: an adopted user's verified e-mail, or one verified
  // since, is kept rather than reset to false.
  const ignoreChanges = keepEmailVerified ? ["requiredActions", "emailVerified"] : ["requiredActions"];
  return { ...opts, ignoreChanges, import: importId };
}

/** A client (its internal id, a UUID, not its clientId) or a client scope (its id) that carries a mapper. */
export type MapperTarget = { realmId: pulumi.Input<string> } & (
  { clientId: pulumi.Input<string> } | { clientScopeId: pulumi.Input<string> }
);

export function groupsMapper(
  name: string,
  target: MapperTarget,
  opts: pulumi.CustomResourceOptions,
): keycloak.openid.GroupMembershipProtocolMapper {
  return new keycloak.openid.GroupMembershipProtocolMapper(
    name,
    {
      ...target,
      name: GROUPS_MAPPER,
      claimName: "groups",
      fullPath: false,
      addToIdToken: true,
      addToAccessToken: true,
      addToUserinfo: true,
    },
    // Created with the groups claim in token introspection (the provider's default); the registry's own
    // mapper (`user-create-m2m`, setup_groups_mapper) leaves it out, and the registry reads the JWT, not
    // introspection: an adopted mapper keeps its setting.
    { ...opts, ignoreChanges: ["addToTokenIntrospection"] },
  );
}

export function audienceMapper(
  name: string,
  target: MapperTarget,
  opts: pulumi.CustomResourceOptions,
): keycloak.openid.AudienceProtocolMapper {
  return new keycloak.openid.AudienceProtocolMapper(
    name,
    {
      ...target,
      name: AUDIENCE_MAPPER,
      includedCustomAudience: GATEWAY_AUDIENCE,
      addToIdToken: false,
      addToAccessToken: true,
    },
    opts,
  );
}

/** A confidential client that only does the client-credentials grant, with the registry's claims. */
export function serviceAccountClient(
  name: string,
  args: {
    realmId: pulumi.Input<string>;
    clientId: string;
    /** Keycloak's `name` of the client; default its client id. */
    displayName?: string;
    /** Undefined: not managed (the bootstrap's stock client, whose description neither script sets). */
    description: string | undefined;
    enabled: boolean;
    /** Which of the registry's mappers it carries (default both). */
    mappers?: readonly string[];
    /**
     * Role mappings in its tokens: off for the bootstrap's stock client, as release 1.31.0's script has it (#1763,
     * init-keycloak.sh @ 1320f022); on (Keycloak's default) for an account's client, as the registry's
     * `user-create-m2m` makes it, so adopting one changes nothing. The registry decides by `groups`, which a protocol
     * mapper puts in either way.
     */
    fullScopeAllowed?: boolean;
  },
  opts: pulumi.CustomResourceOptions,
  adoption: KeycloakAdoption,
): keycloak.openid.Client {
  const client = new keycloak.openid.Client(
    name,
    {
      realmId: args.realmId,
      clientId: args.clientId,
      name: args.displayName ?? args.clientId,
      ...(args.description === undefined ? {} : { description: args.description }),
      enabled: args.enabled,
      accessType: "CONFIDENTIAL",
      serviceAccountsEnabled: true,
      standardFlowEnabled: false,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: false,
      // The provider's default, said: left to the default, a new client's inputs list it as defaulted, and the
      // first `up` after it (ignoreChanges below copies the value in) would rewrite the checkpoint once per client.
      useRefreshTokens: true,
      fullScopeAllowed: args.fullScopeAllowed ?? true,
    },
    // Refresh tokens play no part in the client-credentials grant, and clients made by the registry's
    // `user-create-m2m` have them off where the provider's default is on: not a difference worth an update.
    {
      ...opts,
      import: adoption.clients[args.clientId],
      ignoreChanges: args.description === undefined ? ["useRefreshTokens", "description"] : ["useRefreshTokens"],
    },
  );
  const target = { realmId: args.realmId, clientId: client.id };
  const mappers = args.mappers ?? [GROUPS_MAPPER, AUDIENCE_MAPPER];
  if (mappers.includes(GROUPS_MAPPER))
    groupsMapper(RESOURCE_NAMES.keycloak.mapper(name, GROUPS_MAPPER), target, {
      ...opts,
      import: adoption.mappers[mapperKey(args.clientId, GROUPS_MAPPER)],
    });
  if (mappers.includes(AUDIENCE_MAPPER))
    audienceMapper(RESOURCE_NAMES.keycloak.mapper(name, AUDIENCE_MAPPER), target, {
      ...opts,
      import: adoption.mappers[mapperKey(args.clientId, AUDIENCE_MAPPER)],
    });
  return client;
}
