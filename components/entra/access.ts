/**
 * EntraAccess: the same access model as Entra ID objects — security groups (whose Object IDs go into the scope
 * documents), users (new, or existing ones looked up by UPN) with `GroupMember` memberships, and for each M2M
 * account an application, its service principal, a client secret with an explicit end date, and memberships.
 */
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import {
  checkEntraPlan,
  RESOURCE_NAMES,
  entraDeclaredObjects,
  type ClientPlan,
  type GroupPlan,
  type IdentityPlan,
  type UserPlan,
} from "../../lib";
import { declareIdentity, type IdentityAdapter, type Principal } from "../identity";
import type { IdentityAccess, M2MCredentialsOutput, UserOutput } from "../outputs";
import { ReplicationDelay } from "./replication-delay";
import { NO_ENTRA_ADOPTION, type DeclaredEntraObjects, type EntraAdoption } from "./adoption";
import { baseUrl } from "../../lib";

const EN = RESOURCE_NAMES.entra;

export interface EntraAccessArgs {
  /** Users' UPNs and whether they are created or looked up are in the plan. */
  plan: IdentityPlan;
  initialPasswords?: pulumi.Output<Record<string, string> | undefined>;
  /** Users that keep the initial password an earlier version generated for them alone (see declareIdentity). */
  legacyPasswordUsers?: ReadonlySet<string>;
  /**
   * The gateway application: its client id (M2M tokens are requested for `api://<id>/.default`), or managed by
   * this component (groups claim: security groups).
   */
  gateway: { clientId: pulumi.Input<string> } | { manage: { displayName: string } };
  /** Explicit end date of M2M client secrets (RFC 3339). */
  secretEndDate: string;
  /** Change to rotate every M2M secret: the new one is issued before the old one is removed. */
  secretRotation?: string;
  /** Seconds to wait between creating principals and adding them to groups. */
  replicationDelaySeconds: number;
  /** Login host, for the token URL (sovereign clouds differ). */
  loginBaseUrl?: string;
  /** Objects that exist in the tenant but not in the state: imported instead of created. */
  adoption?: EntraAdoption;
}

/** The Entra objects `EntraAccess` `name` declares with this plan (for adoption): the plan's list. */
export function declaredEntraObjects(name: string, plan: IdentityPlan): DeclaredEntraObjects {
  return entraDeclaredObjects(plan, name);
}

export function entraTokenUrl(tenantId: string, base = "https://login.microsoftonline.com"): string {
  return `${baseUrl(base)}/${tenantId}/oauth2/v2.0/token`;
}

export function entraScope(gatewayClientId: string): string {
  return `api://${gatewayClientId}/.default`;
}

/** What every Entra object of one EntraAccess shares. */
interface EntraContext {
  name: string;
  args: EntraAccessArgs;
  adoption: EntraAdoption;
  child: { parent: pulumi.Resource };
  tenantId: pulumi.Output<string>;
  tokenUrl: pulumi.Output<string>;
  scope: pulumi.Output<string>;
  /** What the component exports of each M2M account's application and secret. */
  clientIds: Record<string, pulumi.Output<string>>;
  passwords: Record<string, azuread.ApplicationPassword>;
  /** Set once the principals are declared, when new ones must replicate before joining groups. */
  delay?: ReplicationDelay;
}

/** The gateway application, managed: tokens for it carry security-group Object IDs in `groups`. */
function gatewayApplication(name: string, displayName: string, child: { parent: pulumi.Resource }) {
  const app = new azuread.Application(
    EN.gateway(name),
    { displayName, signInAudience: "AzureADMyOrg", groupMembershipClaims: ["SecurityGroup"] },
    child,
  );
  new azuread.ApplicationIdentifierUri(
    EN.gatewayUri(name),
    { applicationId: app.id, identifierUri: pulumi.interpolate`api://${app.clientId}` },
    child,
  );
  return app;
}

function createGroup(ctx: EntraContext, group: GroupPlan): pulumi.Output<string> {
  return new azuread.Group(
    group.bootstrap ? EN.bootstrapGroup(ctx.name, group.name) : EN.group(ctx.name, group.name),
    {
      displayName: group.name,
      ...(group.description ? { description: group.description } : {}),
      securityEnabled: true,
      mailEnabled: false,
      preventDuplicateNames: true,
    },
    group.bootstrap ? { ...ctx.child, protect: true } : { ...ctx.child, import: ctx.adoption.groups[group.name] },
  ).objectId;
}

function createUser(ctx: EntraContext, user: UserPlan, password: pulumi.Output<string> | undefined) {
  return new azuread.User(
    EN.user(ctx.name, user.name),
    {
      userPrincipalName: user.signInName,
      displayName: `${user.firstName} ${user.lastName}`,
      givenName: user.firstName,
      surname: user.lastName,
      mail: user.email,
      mailNickname: user.signInName.split("@")[0]!,
      accountEnabled: user.enabled,
      // None for a user that exists already with its own password (adopted).
      ...(password ? { password, forcePasswordChange: true } : {}),
    },
    // The password is an initial one, as on Keycloak (used only when the user is created): a later change of
    // how initial passwords are made, or of initialPasswords, never resets a user's own password.
    { ...ctx.child, import: ctx.adoption.users[user.signInName], ignoreChanges: ["password"] },
  ).objectId;
}

/** An M2M account: its application, service principal and client secret. */
function m2mClient(ctx: EntraContext, account: ClientPlan): ReturnType<IdentityAdapter["client"]> {
  const { name, args, adoption, child } = ctx;
  const app = new azuread.Application(
    EN.application(name, account.name),
    {
      displayName: account.name,
      description: account.description,
      signInAudience: "AzureADMyOrg",
      preventDuplicateNames: true,
    },
    { ...child, import: adoption.applications[account.name] },
  );
  const sp = new azuread.ServicePrincipal(
    EN.servicePrincipal(name, account.name),
    { clientId: app.clientId, accountEnabled: account.enabled },
    { ...child, import: adoption.servicePrincipals[account.name] },
  );
  // A rotation replaces the password; Pulumi creates the replacement before deleting the old one, so a
  // running agent keeps a valid secret until it reads the new output (no deleteBeforeReplace here).
  const password = new azuread.ApplicationPassword(
    EN.secret(name, account.name),
    {
      applicationId: app.id,
      displayName: `${account.name}-secret`,
      endDate: args.secretEndDate,
      ...(args.secretRotation ? { rotateWhenChanged: { rotation: args.secretRotation } } : {}),
    },
    { ...child, additionalSecretOutputs: ["value"] },
  );
  ctx.passwords[account.name] = password;
  ctx.clientIds[account.name] = app.clientId;
  const credentials: M2MCredentialsOutput = {
    clientId: app.clientId,
    clientSecret: pulumi.secret(password.value),
    tenantId: ctx.tenantId,
    tokenUrl: ctx.tokenUrl,
    scope: ctx.scope,
    authProvider: "entra",
  };
  return { id: sp.objectId, credentials };
}

/** Principals first, then one wait for the new ones to replicate, then every membership. */
function replicationDelay(ctx: EntraContext, principals: readonly Principal[]): void {
  const created = principals.filter((p) => p.created).map((p) => p.id);
  if (created.length > 0 && ctx.args.replicationDelaySeconds > 0) {
    ctx.delay = new ReplicationDelay(
      EN.replicationDelay(ctx.name),
      { seconds: ctx.args.replicationDelaySeconds, after: created },
      ctx.child,
    );
  }
}

function memberships(ctx: EntraContext, p: Principal, groupIds: pulumi.Output<string>[]): void {
  p.plan.groups.forEach((group, i) => {
    const resource = EN.member(ctx.name, p.plan.kind, p.plan.name, group);
    new azuread.GroupMember(
      resource,
      { groupObjectId: groupIds[i]!, memberObjectId: p.id },
      { ...ctx.child, dependsOn: ctx.delay ? [ctx.delay] : [], import: ctx.adoption.members[resource] },
    );
  });
}

function entraAdapter(ctx: EntraContext): IdentityAdapter {
  const { child } = ctx;
  return {
    createGroup: (group) => createGroup(ctx, group),
    lookUpGroup: (group) => azuread.getGroupOutput({ displayName: group.name, securityEnabled: true }, child).objectId,
    lookUpUser: (user) => azuread.getUserOutput({ userPrincipalName: user.signInName }, child).objectId,
    createUser: (user, password) => createUser(ctx, user, password),
    client: (account) => m2mClient(ctx, account),
    beforeMemberships: (principals) => replicationDelay(ctx, principals),
    memberships: (p, groupIds) => memberships(ctx, p, groupIds),
  };
}

export class EntraAccess extends pulumi.ComponentResource implements IdentityAccess {
  /** The tenant's v2 and v1 token issuers. */
  readonly issuers: pulumi.Output<string[]>;
  readonly m2m: Record<string, M2MCredentialsOutput>;
  readonly groups: Record<string, pulumi.Output<string>>;
  readonly users: Record<string, UserOutput>;
  /** M2M name → application client id (the registry's `client_id`). */
  readonly clientIds: Record<string, pulumi.Output<string>> = {};
  readonly gatewayApplication?: azuread.Application;
  /** Secret values of M2M accounts' current client secrets. */
  readonly passwords: Record<string, azuread.ApplicationPassword> = {};
  readonly assignedIds: NonNullable<IdentityAccess["assignedIds"]>;

  constructor(name: string, args: EntraAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mcp-gateway-access:entra:EntraAccess", name, {}, opts);
    // Before any object: a plan Entra cannot take must declare nothing.
    checkEntraPlan(args.plan);
    const child = { parent: this };
    const tenantId = azuread.getClientConfigOutput(child).tenantId;
    let gatewayClientId: pulumi.Input<string>;
    if ("manage" in args.gateway) {
      this.gatewayApplication = gatewayApplication(name, args.gateway.manage.displayName, child);
      gatewayClientId = this.gatewayApplication.clientId;
    } else {
      gatewayClientId = args.gateway.clientId;
    }
    this.issuers = tenantId.apply((t) => [
      `${new URL(entraTokenUrl(t, args.loginBaseUrl)).origin}/${t}/v2.0`,
      `https://sts.windows.net/${t}/`,
    ]);
    const ctx: EntraContext = {
      name,
      args,
      adoption: args.adoption ?? NO_ENTRA_ADOPTION,
      child,
      tenantId,
      tokenUrl: tenantId.apply((t) => entraTokenUrl(t, args.loginBaseUrl)),
      scope: pulumi.output(gatewayClientId).apply(entraScope),
      clientIds: this.clientIds,
      passwords: this.passwords,
    };
    const out = declareIdentity(args.plan, entraAdapter(ctx), {
      name,
      parent: this,
      initialPasswords: args.initialPasswords,
      keepPasswords: new Set(ctx.adoption.keepPasswords),
      legacyPasswordUsers: args.legacyPasswordUsers,
    });
    this.m2m = out.m2m;
    this.groups = out.groups;
    this.users = out.users;
    // Entra tokens carry Object IDs: each group's goes into its scope document's group_mappings.
    this.assignedIds = { groupObjectIds: this.groups, clientIds: this.clientIds };
    this.registerOutputs({ m2m: this.m2m, groups: this.groups, users: this.users, clientIds: this.clientIds });
  }
}
