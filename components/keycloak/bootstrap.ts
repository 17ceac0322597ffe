/**
 * The registry's Keycloak bootstrap (what its `init-keycloak.sh` does), declared: realm `mcp-gateway`, clients
 * `mcp-gateway-web` and `mcp-gateway-m2m` with the groups and audience claims, the `registry-admins` group and
 * an admin user in its groups. The realm and the admin group are protected from deletion. The realm's settings and
 * the two clients are what the script of the stack's `bootstrapRelease` writes (lib/registry/keycloak-bootstrap.ts),
 * so a realm it made is adopted unchanged and a run of it changes nothing the stack holds. The clients' secrets are
 * Keycloak's: the stack never sets them (upstream's `setup_client_secrets` regenerates them on every run;
 * components/keycloak/stock-secrets.ts says when it did); so is the password of an admin the stack adopted.
 */
import * as keycloak from "@pulumi/keycloak";
import * as pulumi from "@pulumi/pulumi";
import {
  AUDIENCE_MAPPER,
  BOOTSTRAP_CLIENT_NAMES,
  BOOTSTRAP_RELEASE_VALUES,
  BOOTSTRAP_REALM_LOGIN,
  DEFAULT_BOOTSTRAP_ADMIN_NAMES,
  GROUPS_MAPPER,
  membershipKey,
  PlanError,
  postLogoutRedirectUris,
  RESOURCE_NAMES,
  scopeMapperKey,
  type BootstrapRelease,
  type KeycloakBootstrapPlan,
} from "../../lib";
import { GeneratedSecret } from "../secrets/generated";
import { mapperKey, type KeycloakAdoption } from "./adoption";
import { audienceMapper, groupsMapper, serviceAccountClient, userOptions } from "./mappers";
import { inStoredOrder, inStoredOrderOutput } from "./set-order";

const KN = RESOURCE_NAMES.keycloak;

export interface KeycloakBootstrapArgs {
  realm: string;
  /** Redirect URIs of the web client, e.g. `<auth server>/oauth2/callback/keycloak` and `<registry>/*`. */
  webRedirectUris: string[];
  webOrigins: string[];
  /** Which version of upstream's script the realm and clients follow (`bootstrapRelease`, default 1.31). */
  release?: BootstrapRelease;
  /** The objects' names (the plan's: lib/model/identity-plan.ts `keycloakBootstrapPlan`); adoption reads the same. */
  names: KeycloakBootstrapPlan;
  adminEmail: string;
  /** The admin's names (default upstream's `Admin` `User`). */
  adminNames?: { firstName: string; lastName: string };
  /** From the stack config secret; generated when absent. Never applied to an adopted admin. */
  adminPassword?: pulumi.Output<string>;
  adoption: KeycloakAdoption;
  /** Resource hooks given to every Keycloak object. */
  hooks?: pulumi.ResourceHookBinding;
}

/** What every object of the bootstrap shares. */
interface BootstrapContext {
  name: string;
  args: KeycloakBootstrapArgs;
  /** Options of every Keycloak object (with the hooks). */
  kc: pulumi.CustomResourceOptions;
}

/** The release's values (bootstrapRelease). */
const valuesOf = (args: KeycloakBootstrapArgs) => BOOTSTRAP_RELEASE_VALUES[args.release ?? "1.31"];

/**
 * The realm, with the registry's login settings and the release's brute-force detection (the provider turns
 * `bruteForceProtected` on with the block, and calls `failureFactor` `maxLoginFailures`).
 */
function realm({ name, args, kc }: BootstrapContext): keycloak.Realm {
  const bruteForce = valuesOf(args).bruteForce;
  const { failureFactor, ...lockout } = bruteForce ?? { failureFactor: 0 };
  // Neither version of upstream's script sets the signature algorithm: Keycloak's default (RS256 for a realm it
  // creates from a POST) is kept, so an adopted realm does not lose it to the provider's empty value. A release
  // whose script sets no brute-force detection (1.30) leaves the realm's security defenses to Keycloak. An adopted
  // realm's brute-force detection is read on import by the patched plugin
  // (scripts/patches/pulumi-keycloak-6.13.0-upstream-import-brute-force.patch), so 1.31's imports without an update.
  const ignoreChanges = bruteForce ? ["defaultSignatureAlgorithm"] : ["defaultSignatureAlgorithm", "securityDefenses"];
  return new keycloak.Realm(
    KN.realm(name),
    {
      realm: args.realm,
      enabled: true,
      ...BOOTSTRAP_REALM_LOGIN,
      ...(bruteForce
        ? { securityDefenses: { bruteForceDetection: { maxLoginFailures: failureFactor, ...lockout } } }
        : {}),
    },
    { ...kc, protect: true, import: args.adoption.realm, ignoreChanges },
  );
}

/** The web client the registry's users sign in with, and its groups mapper. */
function webClient({ name, args, kc }: BootstrapContext, realmId: pulumi.Output<string>): keycloak.openid.Client {
  const { adoption } = args;
  const web = args.names.webClient.clientId;
  const release = valuesOf(args);
  const client = new keycloak.openid.Client(
    KN.webClient(name),
    {
      realmId,
      clientId: web,
      name: BOOTSTRAP_CLIENT_NAMES.web,
      accessType: "CONFIDENTIAL",
      standardFlowEnabled: true,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: true,
      serviceAccountsEnabled: false,
      fullScopeAllowed: release.fullScopeAllowed,
      validRedirectUris: inStoredOrder(args.webRedirectUris),
      webOrigins: inStoredOrder(args.webOrigins),
      // The provider writes them as the attribute `post.logout.redirect.uris`, `##`-joined, as the script does.
      ...(release.postLogoutRedirectUris
        ? { validPostLogoutRedirectUris: inStoredOrder(postLogoutRedirectUris(args.webRedirectUris)) }
        : {}),
    },
    // The scripts leave `use.refresh.tokens` unset (Keycloak's default: on); the provider would write it on an
    // adopted client, which changes nothing but shows as an update.
    { ...kc, import: adoption.clients[web], ignoreChanges: ["useRefreshTokens"] },
  );
  const webGroups = { ...kc, import: adoption.mappers[mapperKey(web, GROUPS_MAPPER)] };
  groupsMapper(KN.mapper(KN.webClient(name), GROUPS_MAPPER), { realmId, clientId: client.id }, webGroups);
  return client;
}

/** The groups and audience mappers on the realm's default client scope (`basic`). */
function scopeMappers({ name, args, kc }: BootstrapContext, realmId: pulumi.Output<string>): void {
  const scope = args.names.clientScope.name;
  // Keycloak creates `basic` with the realm; looked up once the realm exists.
  const basic = keycloak.openid.getClientScopeOutput({ realmId, name: scope }, { parent: kc.parent });
  const onBasic = { realmId, clientScopeId: basic.id };
  const scopeMapper = (mapper: string) => ({ ...kc, import: args.adoption.mappers[scopeMapperKey(scope, mapper)] });
  groupsMapper(KN.scopeMapper(name, scope, GROUPS_MAPPER), onBasic, scopeMapper(GROUPS_MAPPER));
  audienceMapper(KN.scopeMapper(name, scope, AUDIENCE_MAPPER), onBasic, scopeMapper(AUDIENCE_MAPPER));
}

function m2mClient({ name, args, kc }: BootstrapContext, realmId: pulumi.Output<string>): keycloak.openid.Client {
  return serviceAccountClient(
    KN.m2mClient(name),
    {
      realmId,
      clientId: args.names.m2mClient.clientId,
      displayName: BOOTSTRAP_CLIENT_NAMES.m2m,
      // Neither script sets one: Keycloak's (none, or what an operator wrote) is kept.
      description: undefined,
      enabled: true,
      mappers: args.names.m2mClient.mappers,
      fullScopeAllowed: valuesOf(args).fullScopeAllowed,
    },
    kc,
    args.adoption,
  );
}

function adminGroup({ name, args, kc }: BootstrapContext, realmId: pulumi.Output<string>): keycloak.Group {
  const group = args.names.adminGroup;
  return new keycloak.Group(
    KN.adminGroup(name, group),
    { realmId, name: group, attributes: { description: `${group} group for MCP Gateway access` } },
    { ...kc, protect: true, import: args.adoption.groups[group] },
  );
}

/** The admin user, with its initial password unless the stack adopted it (its own password stays). */
function adminUser(
  { name, args, kc }: BootstrapContext,
  realmId: pulumi.Output<string>,
  password: pulumi.Output<string> | undefined,
): keycloak.User {
  return new keycloak.User(
    KN.admin(name),
    {
      realmId,
      username: args.names.adminUsername,
      email: args.adminEmail,
      emailVerified: true,
      ...(args.adminNames ?? DEFAULT_BOOTSTRAP_ADMIN_NAMES),
      enabled: true,
      ...(password ? { initialPassword: { value: password, temporary: true } } : {}),
    },
    userOptions(kc, args.adoption.users[args.names.adminUsername]),
  );
}

/** The admin's password: none for an admin Keycloak keeps one of (adopted); the configured one; else generated. */
function adminPassword(
  component: pulumi.ComponentResource,
  name: string,
  args: KeycloakBootstrapArgs,
): { password?: pulumi.Output<string>; generated?: pulumi.Output<string> } {
  if (args.adoption.keepPasswords?.includes(args.names.adminUsername)) {
    if (args.adminPassword)
      void pulumi.log.warn(
        `bootstrapAdminPassword is not applied: the admin "${args.names.adminUsername}" exists in Keycloak with ` +
          "its own password, which the stack keeps",
      );
    return {};
  }
  if (args.adminPassword) return { password: args.adminPassword };
  const generated = pulumi.secret(new GeneratedSecret(KN.adminPassword(name), 24, { parent: component }).value);
  return { password: generated, generated };
}

export class KeycloakBootstrap extends pulumi.ComponentResource {
  readonly realm: keycloak.Realm;
  readonly adminGroup: keycloak.Group;
  readonly adminUser: keycloak.User;
  /** Secret; set when this stack generated the admin's initial password. */
  readonly generatedAdminPassword?: pulumi.Output<string>;
  readonly webClient: keycloak.openid.Client;
  readonly m2mClient: keycloak.openid.Client;
  private readonly ctx: BootstrapContext;

  constructor(name: string, args: KeycloakBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mcp-gateway-access:keycloak:Bootstrap", name, {}, opts);
    const ctx: BootstrapContext = { name, args, kc: { parent: this, hooks: args.hooks } };
    this.realm = realm(ctx);
    const realmId = this.realm.id;
    this.webClient = webClient(ctx, realmId);
    scopeMappers(ctx, realmId);
    this.m2mClient = m2mClient(ctx, realmId);
    this.adminGroup = adminGroup(ctx, realmId);
    const { password, generated } = adminPassword(this, name, args);
    this.generatedAdminPassword = generated;
    this.adminUser = adminUser(ctx, realmId, password);
    this.ctx = ctx;
    this.registerOutputs({
      realmId: this.realm.id,
      adminGroupId: this.adminGroup.id,
      adminUserId: this.adminUser.id,
      webClientId: this.webClient.id,
      m2mClientId: this.m2mClient.id,
      generatedAdminPassword: this.generatedAdminPassword,
    });
  }

  /**
   * The admin's groups (`names.adminGroups`), once the access component knows their ids: the bootstrap's own group
   * or groups the stack creates or looks up. Imported when Keycloak's groups of an adopted admin are exactly these.
   */
  adminMemberships(groupIds: Readonly<Record<string, pulumi.Output<string>>>): keycloak.UserGroups {
    const { name, args, kc } = this.ctx;
    const ids = args.names.adminGroups.map((g) => {
      const id = g === args.names.adminGroup ? this.adminGroup.id : groupIds[g];
      if (!id) throw new PlanError(`the bootstrap admin's group "${g}" is neither created nor looked up by this stack`);
      return id;
    });
    return new keycloak.UserGroups(
      KN.adminGroups(name),
      { realmId: this.realm.id, userId: this.adminUser.id, groupIds: inStoredOrderOutput(ids), exhaustive: true },
      { ...kc, import: args.adoption.userGroups?.[membershipKey("user", args.names.adminUsername)] },
    );
  }
}
