/**
 * KeycloakAccess: the access model as Keycloak objects — groups, human users and their memberships, and one
 * confidential service-account client per M2M account — plus the optional registry bootstrap.
 * Memberships are one `UserGroups` per user, so a change to one user touches only that user's resources.
 */
import * as keycloak from "@pulumi/keycloak";
import * as pulumi from "@pulumi/pulumi";
import {
  keycloakDeclaredObjects,
  keycloakRealmUrl,
  RESOURCE_NAMES,
  membershipKey,
  type ClientPlan,
  type GroupPlan,
  type IdentityPlan,
  type UserPlan,
} from "../../lib";
import { declareIdentity, type IdentityAdapter, type Principal } from "../identity";
import type { IdentityAccess, M2MCredentialsOutput, UserOutput } from "../outputs";
import { NO_ADOPTION, type DeclaredKeycloakObjects, type KeycloakAdoption } from "./adoption";
import { KeycloakBootstrap, type KeycloakBootstrapArgs } from "./bootstrap";
import { stockSecretDigests } from "./stock-secrets";
import { serviceAccountClient, userOptions } from "./mappers";
import { inStoredOrderOutput } from "./set-order";
import { baseUrl } from "../../lib";

export interface KeycloakAccessArgs {
  plan: IdentityPlan;
  realm: string;
  /** The Keycloak base URL agents use (token endpoint), e.g. https://auth.example.com. */
  keycloakUrl: string;
  /** Stack config secret `initialPasswords`: username → initial password. */
  initialPasswords?: pulumi.Output<Record<string, string> | undefined>;
  /** Users that keep the initial password an earlier version generated for them alone (see declareIdentity). */
  legacyPasswordUsers?: ReadonlySet<string>;
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

/** The Keycloak objects `KeycloakAccess` `name` declares with these arguments (for adoption): the plan's list. */
export function declaredKeycloakObjects(
  name: string,
  args: Pick<KeycloakAccessArgs, "plan" | "realm" | "bootstrap" | "legacyPasswordUsers">,
): DeclaredKeycloakObjects {
  const objects = keycloakDeclaredObjects(args.plan, name, args.realm, args.bootstrap?.names);
  return { realm: args.realm, objects, legacyPasswordUsers: args.legacyPasswordUsers };
}

/** What every Keycloak object of one KeycloakAccess shares. */
interface KeycloakContext {
  name: string;
  realm: string;
  realmId: pulumi.Output<string>;
  keycloakUrl: string;
  adoption: KeycloakAdoption;
  bootstrap?: KeycloakBootstrap;
  /** Options of data-source lookups. */
  child: pulumi.InvokeOutputOptions;
  /**
   * Options of every Keycloak object: the hooks as an option each (a stack transform doing it cost a callback from
   * the engine to the program for every resource of the stack).
   */
  kc: pulumi.CustomResourceOptions;
}

function createGroup(ctx: KeycloakContext, group: GroupPlan): pulumi.Output<string> {
  // The bootstrap declares the registry's admin group itself (protected, with the registry's description).
  if (group.bootstrap && ctx.bootstrap) return ctx.bootstrap.adminGroup.id;
  const importId = ctx.adoption.groups[group.name];
  return new keycloak.Group(
    RESOURCE_NAMES.keycloak.group(ctx.name, group.name),
    {
      realmId: ctx.realmId,
      name: group.name,
      ...(group.description ? { attributes: { description: group.description } } : {}),
    },
    // An adopted group is imported whatever its description attribute (import-group's may differ); the
    // next run sets it to the definition's.
    { ...ctx.kc, import: importId, ...(importId ? { ignoreChanges: ["attributes"] } : {}) },
  ).id;
}

function createUser(
  ctx: KeycloakContext,
  user: UserPlan,
  password: pulumi.Output<string> | undefined,
): pulumi.Output<string> {
  return new keycloak.User(
    RESOURCE_NAMES.keycloak.user(ctx.name, user.name),
    {
      realmId: ctx.realmId,
      username: user.signInName,
      email: user.email,
      emailVerified: user.emailVerified ?? false,
      firstName: user.firstName,
      lastName: user.lastName,
      enabled: user.enabled,
      // Used only when Keycloak creates the user; the user must change it at first login. None for a user
      // that exists already with its own password (adopted from the registry's tools).
      ...(password ? { initialPassword: { value: password, temporary: true } } : {}),
    },
    userOptions(ctx.kc, ctx.adoption.users[user.signInName], user.emailVerified === undefined),
  ).id;
}

function m2mClient(ctx: KeycloakContext, account: ClientPlan): ReturnType<IdentityAdapter["client"]> {
  const client = serviceAccountClient(
    RESOURCE_NAMES.keycloak.m2m(ctx.name, account.name),
    {
      realmId: ctx.realmId,
      clientId: account.name,
      description: account.description,
      enabled: account.enabled,
      mappers: account.mappers,
    },
    ctx.kc,
    ctx.adoption,
  );
  const credentials: M2MCredentialsOutput = {
    clientId: account.name,
    clientSecret: pulumi.secret(client.clientSecret),
    tokenUrl: tokenUrl(ctx.keycloakUrl, ctx.realm),
    realm: ctx.realm,
    keycloakUrl: baseUrl(ctx.keycloakUrl),
    authProvider: "keycloak",
  };
  return { id: client.serviceAccountUserId, credentials };
}

/** One exhaustive UserGroups per principal: a change to one touches only its own resources. */
function memberships(ctx: KeycloakContext, p: Principal, groupIds: pulumi.Output<string>[]): void {
  const key = membershipKey(p.plan.kind, p.plan.kind === "user" ? p.plan.signInName : p.plan.name);
  new keycloak.UserGroups(
    RESOURCE_NAMES.keycloak.memberships(ctx.name, p.plan.kind, p.plan.name),
    { realmId: ctx.realmId, userId: p.id, groupIds: inStoredOrderOutput(groupIds), exhaustive: true },
    { ...ctx.kc, import: ctx.adoption.userGroups?.[key] },
  );
}

function keycloakAdapter(ctx: KeycloakContext): IdentityAdapter {
  const { realmId, child } = ctx;
  return {
    createGroup: (group) => createGroup(ctx, group),
    lookUpGroup: (group) => keycloak.getGroupOutput({ realmId, name: group.name }, child).apply((g) => g.id),
    createUser: (user, password) => createUser(ctx, user, password),
    lookUpUser: (user) => keycloak.getUserOutput({ realmId, username: user.signInName }, child).apply((u) => u.id),
    client: (account) => m2mClient(ctx, account),
    memberships: (p, groupIds) => memberships(ctx, p, groupIds),
  };
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
  /** With the bootstrap: client id → digest of each stock client's secret (stock-secrets.ts). */
  readonly bootstrapClientSecretDigests?: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: KeycloakAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mcp-gateway-access:keycloak:KeycloakAccess", name, {}, opts);
    const child = { parent: this };
    const adoption = args.adoption ?? NO_ADOPTION;
    if (args.bootstrap) {
      this.bootstrap = new KeycloakBootstrap(
        RESOURCE_NAMES.keycloak.bootstrap(name),
        { realm: args.realm, ...args.bootstrap, adoption, hooks: args.hooks },
        child,
      );
      this.realmId = this.bootstrap.realm.id;
      this.bootstrapAdminPassword = this.bootstrap.generatedAdminPassword;
      const { webClient, m2mClient } = this.bootstrap;
      const stock = {
        [args.bootstrap.names.webClient.clientId]: webClient,
        [args.bootstrap.names.m2mClient.clientId]: m2mClient,
      };
      this.bootstrapClientSecretDigests = stockSecretDigests(stock);
    } else {
      // Adopt an existing realm by name; the lookup fails the preview if it does not exist.
      this.realmId = keycloak.getRealmOutput({ realm: args.realm }, child).apply((r) => r.realm);
    }
    const ctx: KeycloakContext = {
      name,
      realm: args.realm,
      realmId: this.realmId,
      keycloakUrl: args.keycloakUrl,
      adoption,
      bootstrap: this.bootstrap,
      child,
      kc: { parent: this, hooks: args.hooks },
    };
    const out = declareIdentity(args.plan, keycloakAdapter(ctx), {
      name,
      parent: this,
      initialPasswords: args.initialPasswords,
      keepPasswords: new Set(adoption.keepPasswords ?? []),
      legacyPasswordUsers: args.legacyPasswordUsers,
    });
    this.bootstrap?.adminMemberships(out.groups);
    this.issuers = [keycloakRealmUrl(args.keycloakUrl, args.realm)];
    this.m2m = out.m2m;
    this.groups = out.groups;
    this.users = out.users;
    this.registerOutputs({
      m2m: this.m2m,
      groups: this.groups,
      users: this.users,
      bootstrapAdminPassword: this.bootstrapAdminPassword,
      bootstrapClientSecretDigests: this.bootstrapClientSecretDigests,
    });
  }
}
