/**
 * The registry's Keycloak bootstrap (what its `init-keycloak.sh` does), declared: realm `mcp-gateway`, clients
 * `mcp-gateway-web` and `mcp-gateway-m2m` with the groups and audience claims, the `registry-admins` group and
 * an admin user. The realm and the admin group are protected from deletion.
 */
import * as keycloak from "@pulumi/keycloak";
import * as pulumi from "@pulumi/pulumi";
import { AUDIENCE_MAPPER, GROUPS_MAPPER, type KeycloakBootstrapPlan } from "../../lib";
import { GeneratedSecret } from "../secrets/generated";
import { mapperKey, scopeMapperKey, type KeycloakAdoption } from "./adoption";
import { audienceMapper, groupsMapper, serviceAccountClient, userOptions } from "./mappers";
import { inStoredOrder } from "./set-order";

export interface KeycloakBootstrapArgs {
  realm: string;
  /** Redirect URIs of the web client, e.g. `<auth server>/oauth2/callback/keycloak` and `<registry>/*`. */
  webRedirectUris: string[];
  webOrigins: string[];
  /** The objects' names (the plan's: lib/model/identity-plan.ts `keycloakBootstrapPlan`); adoption reads the same. */
  names: KeycloakBootstrapPlan;
  adminEmail: string;
  /** From the stack config secret; generated when absent. */
  adminPassword?: pulumi.Output<string>;
  adoption: KeycloakAdoption;
  /** Resource hooks given to every Keycloak object. */
  hooks?: pulumi.ResourceHookBinding;
}

export class KeycloakBootstrap extends pulumi.ComponentResource {
  readonly realm: keycloak.Realm;
  readonly adminGroup: keycloak.Group;
  readonly adminUser: keycloak.User;
  /** Secret; set when this stack generated the admin's initial password. */
  readonly generatedAdminPassword?: pulumi.Output<string>;
  readonly webClient: keycloak.openid.Client;
  readonly m2mClient: keycloak.openid.Client;

  constructor(name: string, args: KeycloakBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mcp-gateway-access:keycloak:Bootstrap", name, {}, opts);
    const child = { parent: this };
    const kc: pulumi.CustomResourceOptions = { parent: this, hooks: args.hooks };
    const { adoption, names } = args;
    const web = names.webClient.clientId;
    const scope = names.clientScope.name;
    const adminGroup = names.adminGroup;
    this.realm = new keycloak.Realm(
      `${name}-realm`,
      {
        realm: args.realm,
        enabled: true,
        registrationAllowed: false,
        loginWithEmailAllowed: true,
        duplicateEmailsAllowed: false,
        resetPasswordAllowed: true,
        editUsernameAllowed: false,
        securityDefenses: {
          bruteForceDetection: {
            maxLoginFailures: 5,
            waitIncrementSeconds: 60,
            maxFailureWaitSeconds: 900,
            permanentLockout: false,
          },
        },
      },
      { ...kc, protect: true, import: adoption.realm },
    );
    const realmId = this.realm.id;

    this.webClient = new keycloak.openid.Client(
      `${name}-web`,
      {
        realmId,
        clientId: web,
        name: "MCP Gateway Web Client",
        accessType: "CONFIDENTIAL",
        standardFlowEnabled: true,
        implicitFlowEnabled: false,
        directAccessGrantsEnabled: true,
        serviceAccountsEnabled: false,
        fullScopeAllowed: false,
        validRedirectUris: inStoredOrder(args.webRedirectUris),
        webOrigins: inStoredOrder(args.webOrigins),
        validPostLogoutRedirectUris: inStoredOrder(args.webRedirectUris.filter((u) => u.endsWith("/*"))),
      },
      { ...kc, import: adoption.clients[web] },
    );
    const webGroups = { ...kc, import: adoption.mappers[mapperKey(web, GROUPS_MAPPER)] };
    groupsMapper(`${name}-web-groups`, { realmId, clientId: this.webClient.id }, webGroups);

    // Keycloak creates `basic` with the realm; looked up once the realm exists.
    const basic = keycloak.openid.getClientScopeOutput({ realmId, name: scope }, { parent: this });
    const onBasic = { realmId, clientScopeId: basic.id };
    const scopeMapper = (mapper: string) => ({ ...kc, import: adoption.mappers[scopeMapperKey(scope, mapper)] });
    groupsMapper(`${name}-basic-groups`, onBasic, scopeMapper(GROUPS_MAPPER));
    audienceMapper(`${name}-basic-audience`, onBasic, scopeMapper(AUDIENCE_MAPPER));

    this.m2mClient = serviceAccountClient(
      `${name}-m2m`,
      {
        realmId,
        clientId: names.m2mClient.clientId,
        description: "MCP Gateway M2M Client",
        enabled: true,
        fullScopeAllowed: false,
        mappers: names.m2mClient.mappers,
      },
      kc,
      adoption,
    );

    this.adminGroup = new keycloak.Group(
      `${name}-${adminGroup}`,
      { realmId, name: adminGroup, attributes: { description: `${adminGroup} group for MCP Gateway access` } },
      { ...kc, protect: true, import: adoption.groups[adminGroup] },
    );

    let password = args.adminPassword;
    if (!password) {
      password = pulumi.secret(new GeneratedSecret(`${name}-admin-password`, 24, child).value);
      this.generatedAdminPassword = password;
    }
    this.adminUser = new keycloak.User(
      `${name}-admin`,
      {
        realmId,
        username: names.adminUsername,
        email: args.adminEmail,
        emailVerified: true,
        firstName: "Admin",
        lastName: "User",
        enabled: true,
        initialPassword: { value: password, temporary: true },
      },
      userOptions(kc, adoption.users[names.adminUsername]),
    );
    new keycloak.UserGroups(
      `${name}-admin-groups`,
      { realmId, userId: this.adminUser.id, groupIds: [this.adminGroup.id], exhaustive: true },
      kc,
    );
    this.registerOutputs({
      realmId: this.realm.id,
      adminGroupId: this.adminGroup.id,
      adminUserId: this.adminUser.id,
      webClientId: this.webClient.id,
      m2mClientId: this.m2mClient.id,
      generatedAdminPassword: this.generatedAdminPassword,
    });
  }
}
