/**
 * EntraAccess: the same access model as Entra ID objects — security groups (whose Object IDs go into the scope
 * documents), users (new, or existing ones looked up by UPN) with `GroupMember` memberships, and for each M2M
 * account an application, its service principal, a client secret with an explicit end date, and memberships.
 */
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { BOOTSTRAP_ADMIN_GROUP, type AccessModel } from "../../lib";
import { initialPassword, type AccessOutputs, type M2MCredentialsOutput, type UserOutput } from "../outputs";
import { GeneratedSecret } from "../secrets/generated";
import { ReplicationDelay } from "./replication-delay";

export interface EntraAccessArgs {
  model: AccessModel;
  /** Domain for new users' UPNs (`<username>@<domain>`) when a username has no `@`. */
  userDomain?: string;
  /** Look users up by UPN instead of creating them (tenants that sync users). */
  existingUsers: boolean;
  initialPasswords?: pulumi.Output<Record<string, string> | undefined>;
  /** The gateway application's client id: M2M tokens are requested for `api://<id>/.default`. */
  gatewayClientId?: pulumi.Input<string>;
  /** Manage the gateway application itself (groups claim: security groups). */
  manageGatewayApplication?: { displayName: string };
  /** Explicit end date of M2M client secrets (RFC 3339). */
  secretEndDate: string;
  /** Change to rotate every M2M secret: the new one is issued before the old one is removed. */
  secretRotation?: string;
  /** Seconds to wait between creating principals and adding them to groups. */
  replicationDelaySeconds: number;
  /** Login host, for the token URL (sovereign clouds differ). */
  loginBaseUrl?: string;
}

export function entraTokenUrl(tenantId: string, base = "https://login.microsoftonline.com"): string {
  return `${base.replace(/\/+$/, "")}/${tenantId}/oauth2/v2.0/token`;
}

export function entraScope(gatewayClientId: string): string {
  return `api://${gatewayClientId}/.default`;
}

export class EntraAccess extends pulumi.ComponentResource implements AccessOutputs {
  readonly m2m: Record<string, M2MCredentialsOutput> = {};
  readonly groups: Record<string, pulumi.Output<string>> = {};
  readonly users: Record<string, UserOutput> = {};
  /** M2M name → application client id (the registry's `client_id`). */
  readonly clientIds: Record<string, pulumi.Output<string>> = {};
  readonly gatewayApplication?: azuread.Application;
  /** Secret values of M2M accounts' current client secrets. */
  readonly passwords: Record<string, azuread.ApplicationPassword> = {};

  constructor(name: string, args: EntraAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mcp-gateway-access:entra:EntraAccess", name, {}, opts);
    const child = { parent: this };
    const { model } = args;
    // Settings are checked before the first resource, so a bad one applies nothing.
    const noDomain = model.users.find((u) => !u.username.includes("@"));
    if (noDomain && !args.userDomain) {
      throw new pulumi.RunError(`user "${noDomain.username}" (${noDomain.file}) needs a UPN domain: set mcp-gateway-access:entraUserDomain`);
    }
    if (!args.gatewayClientId && !args.manageGatewayApplication) {
      throw new pulumi.RunError("set mcp-gateway-access:entraGatewayClientId (the gateway application's client id) or entraManageGatewayApplication");
    }
    const tenantId = azuread.getClientConfigOutput(child).tenantId;

    let gatewayClientId = args.gatewayClientId;
    if (args.manageGatewayApplication) {
      // Tokens for the gateway carry security-group Object IDs in `groups`, which the scope documents map.
      const app = new azuread.Application(
        `${name}-gateway`,
        { displayName: args.manageGatewayApplication.displayName, signInAudience: "AzureADMyOrg", groupMembershipClaims: ["SecurityGroup"] },
        child,
      );
      new azuread.ApplicationIdentifierUri(`${name}-gateway-uri`, { applicationId: app.id, identifierUri: pulumi.interpolate`api://${app.clientId}` }, child);
      this.gatewayApplication = app;
      gatewayClientId = app.clientId;
    }
    if (!gatewayClientId) throw new Error("unreachable: gateway client id checked above");

    if (model.bootstrap) {
      this.groups[BOOTSTRAP_ADMIN_GROUP] = new azuread.Group(
        `${name}-${BOOTSTRAP_ADMIN_GROUP}`,
        { displayName: BOOTSTRAP_ADMIN_GROUP, description: "MCP Gateway Registry administrators", securityEnabled: true, mailEnabled: false, preventDuplicateNames: true },
        { ...child, protect: true },
      ).objectId;
    }
    for (const group of model.groups.filter((g) => g.createInIdp)) {
      this.groups[group.name] = new azuread.Group(
        `${name}-group-${group.name}`,
        {
          displayName: group.name,
          ...(group.description ? { description: group.description } : {}),
          securityEnabled: true,
          mailEnabled: false,
          preventDuplicateNames: true,
        },
        child,
      ).objectId;
    }
    for (const existing of model.externalGroups.filter((g) => !(g in this.groups))) {
      this.groups[existing] = azuread.getGroupOutput({ displayName: existing, securityEnabled: true }, child).objectId;
    }

    // Principals first, then one wait, then every membership.
    const members: Array<{ who: string; objectId: pulumi.Output<string>; groups: string[]; created: boolean }> = [];
    const configured = args.initialPasswords ?? pulumi.output(undefined);
    for (const user of model.users) {
      const upn = user.username.includes("@") ? user.username : `${user.username}@${args.userDomain ?? ""}`;
      let objectId: pulumi.Output<string>;
      if (args.existingUsers) {
        objectId = azuread.getUserOutput({ userPrincipalName: upn }, child).objectId;
        this.users[user.username] = { id: objectId };
      } else {
        const generated = new GeneratedSecret(`${name}-password-${user.username}`, 24, child);
        const password = initialPassword(configured, user.username, generated.value);
        const created = new azuread.User(
          `${name}-user-${user.username}`,
          {
            userPrincipalName: upn,
            displayName: `${user.firstName} ${user.lastName}`,
            givenName: user.firstName,
            surname: user.lastName,
            mail: user.email,
            mailNickname: upn.split("@")[0]!,
            accountEnabled: user.enabled,
            password: password.value,
            forcePasswordChange: true,
          },
          child,
        );
        objectId = created.objectId;
        this.users[user.username] = { id: objectId, initialPassword: password.exported };
      }
      members.push({ who: `user-${user.username}`, objectId, groups: user.groups, created: !args.existingUsers });
    }

    const tokenUrl = tenantId.apply((t) => entraTokenUrl(t, args.loginBaseUrl));
    const scope = pulumi.output(gatewayClientId).apply(entraScope);
    for (const account of model.m2m) {
      const app = new azuread.Application(
        `${name}-app-${account.name}`,
        {
          displayName: account.name,
          description: account.description ?? `Service account for ${account.name}`,
          signInAudience: "AzureADMyOrg",
          preventDuplicateNames: true,
        },
        child,
      );
      const sp = new azuread.ServicePrincipal(`${name}-sp-${account.name}`, { clientId: app.clientId, accountEnabled: account.enabled }, child);
      // A rotation replaces the password; Pulumi creates the replacement before deleting the old one, so a
      // running agent keeps a valid secret until it reads the new output (no deleteBeforeReplace here).
      const password = new azuread.ApplicationPassword(
        `${name}-secret-${account.name}`,
        {
          applicationId: app.id,
          displayName: `${account.name}-secret`,
          endDate: args.secretEndDate,
          ...(args.secretRotation ? { rotateWhenChanged: { rotation: args.secretRotation } } : {}),
        },
        { ...child, additionalSecretOutputs: ["value"] },
      );
      this.passwords[account.name] = password;
      this.clientIds[account.name] = app.clientId;
      members.push({ who: `sp-${account.name}`, objectId: sp.objectId, groups: account.groups, created: true });
      this.m2m[account.name] = {
        clientId: app.clientId,
        clientSecret: pulumi.secret(password.value),
        tenantId,
        tokenUrl,
        scope,
        authProvider: "entra",
      };
    }

    const newPrincipals = members.filter((m) => m.created).map((m) => m.objectId);
    const delay =
      newPrincipals.length > 0 && args.replicationDelaySeconds > 0
        ? new ReplicationDelay(`${name}-replication-delay`, { seconds: args.replicationDelaySeconds, after: newPrincipals }, child)
        : undefined;
    for (const m of members) {
      for (const group of m.groups) {
        new azuread.GroupMember(
          `${name}-member-${m.who}-${group}`,
          { groupObjectId: this.groups[group]!, memberObjectId: m.objectId },
          { ...child, dependsOn: delay ? [delay] : [] },
        );
      }
    }
    this.registerOutputs({});
  }
}
