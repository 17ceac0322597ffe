/**
 * KeycloakAccess: the access model as Keycloak objects — groups, human users and their memberships, and one
 * confidential service-account client per M2M account — plus the optional registry bootstrap.
 * Memberships are one `UserGroups` per user, so a change to one user touches only that user's resources.
 */
import * as keycloak from "@pulumi/keycloak";
import * as pulumi from "@pulumi/pulumi";
import { keycloakObjectNames, keycloakRealmUrl, membershipKey, type IdentityPlan } from "../../lib";
import { declareIdentity, type IdentityAdapter } from "../identity";
import type { IdentityAccess, M2MCredentialsOutput, UserOutput } from "../outputs";
import { NO_ADOPTION, type DeclaredKeycloakObjects, type KeycloakAdoption } from "./adoption";
import { KeycloakBootstrap, type KeycloakBootstrapArgs } from "./bootstrap";
import { serviceAccountClient, userOptions } from "./mappers";
import { inStoredOrderOutput } from "./set-order";

export interface KeycloakAccessArgs {
  plan: IdentityPlan;
  realm: string;
  /** The Keycloak base URL agents use (token endpoint), e.g. https://auth.example.com. */
  keycloakUrl: string;
  /** Stack config secret `initialPasswords`: username → initial password. */
  initialPasswords?: pulumi.Output<Record<string, string> | undefined>;
  /** Users that keep the initial password an earlier version generated for them alone (see declareIdentity). */
  legacyPasswordUsers?: ReadonlySet<string>;
  /** The state holds a password seed an earlier version made (see PasswordSeed). */
  legacyPasswordSeed?: boolean;
  /** Present when the stack manages the bootstrap. */
  bootstrap?: Omit<KeycloakBootstrapArgs, "realm" | "adoption">;
  /** Objects that exist in Keycloak but not in the state: imported instead of created. */
  adoption?: KeycloakAdoption;
  /** Resource hooks given to every Keycloak object (the program's unreachable-Keycloak error hook). */
  hooks?: pulumi.ResourceHookBinding;
}

export function tokenUrl(keycloakUrl: string, realm: string): string {
  return `${keycloakRealmUrl(keycloakUrl, realm)}/protocol/openid-connect/token`;
}

/** The Keycloak objects `KeycloakAccess` declares with these arguments, by name (for adoption): the plan's names. */
export function declaredKeycloakObjects(
  args: Pick<KeycloakAccessArgs, "plan" | "realm" | "bootstrap" | "legacyPasswordUsers">,
): DeclaredKeycloakObjects {
  const names = keycloakObjectNames(args.plan, args.realm, args.bootstrap?.names);
  return { ...names, legacyPasswordUsers: args.legacyPasswordUsers };
}

export class KeycloakAccess extends pulumi.ComponentResource implements IdentityAccess {
  readonly m2m: Record<string, M2MCredentialsOutput>;
  readonly groups: Record<string, pulumi.Output<string>>;
  readonly users: Record<string, UserOutput>;
  readonly bootstrap?: KeycloakBootstrap;
  readonly realmId: pulumi.Output<string>;
  /** Secret; the bootstrap admin's generated initial password, when this stack generated it. */
  readonly bootstrapAdminPassword?: pulumi.Output<string>;
  /** The realm's URL, the `iss` of its tokens. */
  readonly issuers: string[];

  constructor(name: string, args: KeycloakAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mcp-gateway-access:keycloak:KeycloakAccess", name, {}, opts);
    const child = { parent: this };
    // Keycloak objects get the hooks as an option each: a stack transform doing it cost a callback from the engine
    // to the program for every resource of the stack.
    const kc: pulumi.CustomResourceOptions = { parent: this, hooks: args.hooks };
    const { plan } = args;
    const adoption = args.adoption ?? NO_ADOPTION;

    if (args.bootstrap) {
      this.bootstrap = new KeycloakBootstrap(
        `${name}-bootstrap`,
        { realm: args.realm, ...args.bootstrap, adoption, hooks: args.hooks },
        child,
      );
      this.realmId = this.bootstrap.realm.id;
      this.bootstrapAdminPassword = this.bootstrap.generatedAdminPassword;
    } else {
      // Adopt an existing realm by name; the lookup fails the preview if it does not exist.
      this.realmId = keycloak.getRealmOutput({ realm: args.realm }, child).apply((r) => r.realm);
    }
    const realmId = this.realmId;
    const bootstrap = this.bootstrap;
    const url = tokenUrl(args.keycloakUrl, args.realm);

    const adapter: IdentityAdapter = {
      createGroup: (group) => {
        // The bootstrap declares the registry's admin group itself (protected, with the registry's description).
        if (group.bootstrap && bootstrap) return bootstrap.adminGroup.id;
        const importId = adoption.groups[group.name];
        return new keycloak.Group(
          `${name}-group-${group.name}`,
          {
            realmId,
            name: group.name,
            ...(group.description ? { attributes: { description: group.description } } : {}),
          },
          // An adopted group is imported whatever its description attribute (import-group's may differ); the
          // next run sets it to the definition's.
          { ...kc, import: importId, ...(importId ? { ignoreChanges: ["attributes"] } : {}) },
        ).id;
      },
      lookUpGroup: (group) => keycloak.getGroupOutput({ realmId, name: group.name }, child).apply((g) => g.id),
      createUser: (user, password) =>
        new keycloak.User(
          `${name}-user-${user.name}`,
          {
            realmId,
            username: user.signInName,
            email: user.email,
            emailVerified: false,
            firstName: user.firstName,
            lastName: user.lastName,
            enabled: user.enabled,
            // Used only when Keycloak creates the user; the user must change it at first login. None for a user
            // that exists already with its own password (adopted from the registry's tools).
            ...(password ? { initialPassword: { value: password, temporary: true } } : {}),
          },
          userOptions(kc, adoption.users[user.signInName]),
        ).id,
      lookUpUser: (user) => keycloak.getUserOutput({ realmId, username: user.signInName }, child).apply((u) => u.id),
      client: (account) => {
        const client = serviceAccountClient(
          `${name}-m2m-${account.name}`,
          {
            realmId,
            clientId: account.name,
            description: account.description,
            enabled: account.enabled,
            mappers: account.mappers,
          },
          kc,
          adoption,
        );
        const credentials: M2MCredentialsOutput = {
          clientId: account.name,
          clientSecret: pulumi.secret(client.clientSecret),
          tokenUrl: url,
          realm: args.realm,
          keycloakUrl: args.keycloakUrl.replace(/\/+$/, ""),
          authProvider: "keycloak",
        };
        return { id: client.serviceAccountUserId, credentials };
      },
      // One exhaustive UserGroups per principal: a change to one touches only its own resources.
      memberships: (p, groupIds) =>
        void new keycloak.UserGroups(
          `${name}-${p.plan.kind === "user" ? "user" : "m2m"}-groups-${p.plan.name}`,
          { realmId, userId: p.id, groupIds: inStoredOrderOutput(groupIds), exhaustive: true },
          {
            ...kc,
            import:
              adoption.userGroups?.[
                membershipKey(p.plan.kind, p.plan.kind === "user" ? p.plan.signInName : p.plan.name)
              ],
          },
        ),
    };
    const out = declareIdentity(plan, adapter, {
      name,
      parent: this,
      initialPasswords: args.initialPasswords,
      keepPasswords: new Set(adoption.keepPasswords ?? []),
      legacyPasswordUsers: args.legacyPasswordUsers,
      legacyPasswordSeed: args.legacyPasswordSeed,
    });
    this.issuers = [keycloakRealmUrl(args.keycloakUrl, args.realm)];
    this.m2m = out.m2m;
    this.groups = out.groups;
    this.users = out.users;
    this.registerOutputs({
      m2m: this.m2m,
      groups: this.groups,
      users: this.users,
      bootstrapAdminPassword: this.bootstrapAdminPassword,
    });
  }
}
