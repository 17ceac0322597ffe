/**
 * KeycloakAccess: the access model as Keycloak objects — groups, human users and their memberships, and one
 * confidential service-account client per M2M account — plus the optional registry bootstrap.
 * Memberships are one `UserGroups` per user, so a change to one user touches only that user's resources.
 */
import * as keycloak from "@pulumi/keycloak";
import * as pulumi from "@pulumi/pulumi";
import { BOOTSTRAP_ADMIN_GROUP, keycloakRealmUrl, type AccessModel } from "../../lib";
import { initialPassword, type AccessOutputs, type M2MCredentialsOutput, type UserOutput } from "../outputs";
import { GeneratedSecret } from "../secrets/generated";
import { NO_ADOPTION, type DeclaredKeycloakObjects, type KeycloakAdoption } from "./adoption";
import { KeycloakBootstrap, M2M_CLIENT, WEB_CLIENT, type KeycloakBootstrapArgs } from "./bootstrap";
import { GROUPS_MAPPER, SERVICE_ACCOUNT_MAPPERS, serviceAccountClient, userOptions } from "./mappers";

export interface KeycloakAccessArgs {
  model: AccessModel;
  realm: string;
  /** The Keycloak base URL agents use (token endpoint), e.g. https://auth.example.com. */
  keycloakUrl: string;
  /** Stack config secret `initialPasswords`: username → initial password. */
  initialPasswords?: pulumi.Output<Record<string, string> | undefined>;
  /** Present when the stack manages the bootstrap. */
  bootstrap?: Omit<KeycloakBootstrapArgs, "realm" | "adoption">;
  /** Objects that exist in Keycloak but not in the state: imported instead of created. */
  adoption?: KeycloakAdoption;
}

export function tokenUrl(keycloakUrl: string, realm: string): string {
  return `${keycloakRealmUrl(keycloakUrl, realm)}/protocol/openid-connect/token`;
}

/** The Keycloak objects `KeycloakAccess` declares with these arguments, by name (for adoption). */
export function declaredKeycloakObjects(args: KeycloakAccessArgs): DeclaredKeycloakObjects {
  const { model, bootstrap } = args;
  const clients: Record<string, readonly string[]> = Object.fromEntries(model.m2m.map((a) => [a.name, SERVICE_ACCOUNT_MAPPERS]));
  if (bootstrap) {
    clients[WEB_CLIENT] = [GROUPS_MAPPER];
    clients[M2M_CLIENT] = SERVICE_ACCOUNT_MAPPERS;
  }
  return {
    realm: args.realm,
    managesRealm: !!bootstrap,
    groups: [...model.groups.filter((g) => g.createInIdp).map((g) => g.name), ...(bootstrap ? [BOOTSTRAP_ADMIN_GROUP] : [])],
    users: [...model.users.map((u) => u.username), ...(bootstrap ? [bootstrap.adminUsername] : [])],
    clients,
  };
}

export class KeycloakAccess extends pulumi.ComponentResource implements AccessOutputs {
  readonly m2m: Record<string, M2MCredentialsOutput> = {};
  readonly groups: Record<string, pulumi.Output<string>> = {};
  readonly users: Record<string, UserOutput> = {};
  readonly bootstrap?: KeycloakBootstrap;
  readonly realmId: pulumi.Output<string>;

  constructor(name: string, args: KeycloakAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mcp-gateway-access:keycloak:KeycloakAccess", name, {}, opts);
    const child = { parent: this };
    const { model } = args;
    const adoption = args.adoption ?? NO_ADOPTION;

    if (args.bootstrap) {
      this.bootstrap = new KeycloakBootstrap(`${name}-bootstrap`, { realm: args.realm, ...args.bootstrap, adoption }, child);
      this.realmId = this.bootstrap.realm.id;
      this.groups[BOOTSTRAP_ADMIN_GROUP] = this.bootstrap.adminGroup.id;
    } else {
      // Adopt an existing realm by name; the lookup fails the preview if it does not exist.
      this.realmId = keycloak.getRealmOutput({ realm: args.realm }, child).apply((r) => r.realm);
    }
    const realmId = this.realmId;

    for (const group of model.groups.filter((g) => g.createInIdp)) {
      this.groups[group.name] = new keycloak.Group(
        `${name}-group-${group.name}`,
        { realmId, name: group.name, ...(group.description ? { attributes: { description: group.description } } : {}) },
        { ...child, import: adoption.groups[group.name] },
      ).id;
    }
    for (const existing of model.externalGroups.filter((g) => !(g in this.groups))) {
      this.groups[existing] = keycloak.getGroupOutput({ realmId, name: existing }, child).apply((g) => g.id);
    }
    const groupIds = (names: readonly string[]) => names.map((n) => this.groups[n]!);

    const configured = args.initialPasswords ?? pulumi.output(undefined);
    for (const user of model.users) {
      const generated = new GeneratedSecret(`${name}-password-${user.username}`, 24, child);
      const password = initialPassword(configured, user.username, generated.value);
      const kcUser = new keycloak.User(
        `${name}-user-${user.username}`,
        {
          realmId,
          username: user.username,
          email: user.email,
          emailVerified: false,
          firstName: user.firstName,
          lastName: user.lastName,
          enabled: user.enabled,
          // Used only when Keycloak creates the user; the user must change it at first login.
          initialPassword: { value: password.value, temporary: true },
        },
        userOptions(child, adoption.users[user.username]),
      );
      new keycloak.UserGroups(
        `${name}-user-groups-${user.username}`,
        { realmId, userId: kcUser.id, groupIds: groupIds(user.groups), exhaustive: true },
        child,
      );
      this.users[user.username] = { id: kcUser.id, initialPassword: password.exported };
    }

    const url = tokenUrl(args.keycloakUrl, args.realm);
    for (const account of model.m2m) {
      const client = serviceAccountClient(
        `${name}-m2m-${account.name}`,
        { realmId, clientId: account.name, description: account.description ?? `Service account for ${account.name}`, enabled: account.enabled },
        child,
        adoption,
      );
      new keycloak.UserGroups(
        `${name}-m2m-groups-${account.name}`,
        { realmId, userId: client.serviceAccountUserId, groupIds: groupIds(account.groups), exhaustive: true },
        child,
      );
      this.m2m[account.name] = {
        clientId: account.name,
        clientSecret: pulumi.secret(client.clientSecret),
        tokenUrl: url,
        realm: args.realm,
        keycloakUrl: args.keycloakUrl.replace(/\/+$/, ""),
        authProvider: "keycloak",
      };
    }
    this.registerOutputs({});
  }
}
