/**
 * Every stack setting (namespace `mcp-gateway-access`) in one place: its type, default, environment fallback
 * and meaning. Parsed once — from the stack config in the program, from `stacks/Pulumi.<stack>.yaml` for the
 * CLI — and passed down typed. Rules between settings (one that another needs) are refinements of the same
 * schema. The settings tables in docs/ are generated from `SETTINGS` (tested).
 */
import { z } from "zod";
import { baseUrl, DEFAULT_DATABASE, DEFAULT_NAMESPACE, DEFAULT_REALM } from "../registry/rules";
import { GuardSettings } from "./guards";
import { RegistrySettings } from "../registry/switches";
import { BOOTSTRAP_ADMIN_GROUP, IDENTITY_PROVIDERS } from "../registry/rules";
import { BOOTSTRAP_RELEASES, DEFAULT_BOOTSTRAP_RELEASE } from "../registry/keycloak-bootstrap";
import { StackSettingsError } from "../errors/errors";

/** The bootstrap admin user the stack creates with `bootstrap`, unless the stack names another. */
export const DEFAULT_BOOTSTRAP_ADMIN_USERNAME = "admin";
export const DEFAULT_BOOTSTRAP_ADMIN_EMAIL = "admin@example.com";
/** The names both versions of upstream's script give its admin (`admin_user_json`). */
export const DEFAULT_BOOTSTRAP_ADMIN_NAMES = { firstName: "Admin", lastName: "User" } as const;

export const CONFIG_NAMESPACE = "mcp-gateway-access";

/** How the scope store treats a registry record changed outside this stack. */
export const CONFLICT_POLICIES = ["fail", "merge", "overwrite"] as const;
export type ConflictPolicy = (typeof CONFLICT_POLICIES)[number];

/** Stack config values are strings in `pulumi.Config` and typed in a YAML file; both mean the same. */
function asBoolean(v: unknown): unknown {
  if (typeof v !== "string") return v;
  if (/^(true|1|yes|on)$/i.test(v)) return true;
  if (/^(false|0|no|off)$/i.test(v)) return false;
  return v;
}

function asNumber(v: unknown): unknown {
  return typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : v;
}

/** A release typed unquoted in a stack file reads as a number (`1.30` is 1.3): the two digits it was written with. */
function asRelease(v: unknown): unknown {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+\.\d$/.test(v) ? Number(v) : undefined;
  return n === undefined ? v : n.toFixed(2);
}

function asJson(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

const bool = (dflt: boolean) => z.preprocess(asBoolean, z.boolean({ error: "must be true or false" }).default(dflt));
const text = () => z.string({ error: "must be a string" });
const stringList = () => z.preprocess(asJson, z.array(text(), { error: "must be a list of strings" }));
const withoutTrailingSlash = (dflt: string) => text().default(dflt).transform(baseUrl);

const port = "must be a TCP port number";
const millis = "must be a positive number of milliseconds";

/** The scope store's part: where the registry's database is, and which documents to write there. */
const connectionShape = {
  database: text().default(DEFAULT_DATABASE),
  namespace: text()
    .regex(/^[A-Za-z0-9_-]+$/, { error: "must be letters, digits, _ or -" })
    .default(DEFAULT_NAMESPACE),
  mongodbUri: text()
    .regex(/^mongodb(\+srv)?:\/\//, { error: "must start with mongodb:// or mongodb+srv://" })
    .optional(),
  mongodbHost: text().default("localhost"),
  mongodbPort: z.preprocess(
    asNumber,
    z.number({ error: port }).int({ error: port }).min(1, { error: port }).max(65535, { error: port }).default(27017),
  ),
  mongodbUsername: text().optional(),
  mongodbPassword: text().optional(),
  mongodbAuthMechanism: text().default("SCRAM-SHA-1"),
  mongodbAuthSource: text().default("admin"),
  mongodbTls: bool(true),
  mongodbTlsCaFile: text().optional(),
  mongodbReplicaSet: text().optional(),
  mongodbDirectConnection: bool(false),
  mongodbTimeoutMs: z.preprocess(asNumber, z.number({ error: millis }).positive({ error: millis }).default(10000)),
};

type ConnectionInput = { mongodbUri?: string; mongodbUsername?: string; mongodbPassword?: string };

/** A user without a password connects as nobody: the driver would fail later with a less helpful message. */
function checkConnection(s: ConnectionInput, ctx: z.RefinementCtx): void {
  if (!s.mongodbUri && s.mongodbUsername && !s.mongodbPassword) {
    const message = "is not set but mongodbUsername is (set it with pulumi config set --secret)";
    ctx.addIssue({ code: "custom", path: ["mongodbPassword"], message });
  }
}

const conflictPolicy = () => z.enum(CONFLICT_POLICIES, { error: `must be one of ${CONFLICT_POLICIES.join(", ")}` });

const stackShape = {
  definitionsDir: text().default("."),
  bootstrap: bool(false),
  existingGroups: stringList().default([]),
  identityProvider: z
    .enum(IDENTITY_PROVIDERS, { error: `must be one of ${IDENTITY_PROVIDERS.join(", ")}` })
    .default("keycloak"),
  manageIdentityProvider: bool(true),
  guards: z.preprocess(asJson, GuardSettings).optional(),
  registry: z.preprocess(asJson, RegistrySettings).optional(),
  ...connectionShape,
  onScopeConflict: conflictPolicy().default("fail"),
  onScopeConflictByGroup: z.preprocess(asJson, z.record(z.string(), conflictPolicy())).default({}),
  keycloakRealm: text().default(DEFAULT_REALM),
  keycloakUrl: text().optional(),
  keycloakM2MAudienceMapper: bool(true),
  initialPasswords: z
    .preprocess(asJson, z.record(z.string(), text(), { error: "must map usernames to passwords" }))
    .optional(),
  identityProviderSecrets: z
    .preprocess(asJson, z.record(z.string(), text(), { error: "must map identity-provider aliases to client secrets" }))
    .optional(),
  registryUrl: withoutTrailingSlash("http://localhost:7860"),
  authServerUrl: withoutTrailingSlash("http://localhost:8888"),
  webRedirectUris: stringList().optional(),
  webOrigins: stringList().optional(),
  bootstrapAdminUsername: text().default(DEFAULT_BOOTSTRAP_ADMIN_USERNAME),
  bootstrapAdminEmail: text().default(DEFAULT_BOOTSTRAP_ADMIN_EMAIL),
  bootstrapAdminFirstName: text().default(DEFAULT_BOOTSTRAP_ADMIN_NAMES.firstName),
  bootstrapAdminLastName: text().default(DEFAULT_BOOTSTRAP_ADMIN_NAMES.lastName),
  bootstrapAdminPassword: text().optional(),
  bootstrapAdminGroups: stringList().default([BOOTSTRAP_ADMIN_GROUP]),
  bootstrapRelease: z
    .preprocess(asRelease, z.enum(BOOTSTRAP_RELEASES, { error: `must be one of ${BOOTSTRAP_RELEASES.join(", ")}` }))
    .default(DEFAULT_BOOTSTRAP_RELEASE),
  entraUserDomain: text().optional(),
  entraExistingUsers: bool(false),
  entraGatewayClientId: text().optional(),
  entraManageGatewayApplication: bool(false),
  entraGatewayApplicationName: text().default("mcp-gateway"),
  entraSecretEndDate: text()
    .refine((s) => !Number.isNaN(Date.parse(s)), { error: "must be an RFC 3339 date, e.g. 2027-06-30T00:00:00Z" })
    .transform((s) => new Date(s).toISOString())
    .optional(),
  entraSecretRotation: text().optional(),
  entraReplicationDelaySeconds: z.preprocess(asNumber, z.number({ error: "must be a number of seconds" }).default(30)),
  entraLoginBaseUrl: text().optional(),
};

type EntraInput = {
  identityProvider: string;
  manageIdentityProvider: boolean;
  entraSecretEndDate?: string;
  entraGatewayClientId?: string;
  entraManageGatewayApplication: boolean;
};

/** What managing Entra ID needs besides its own provider's credentials. */
function checkEntra(s: EntraInput, ctx: z.RefinementCtx): void {
  if (s.identityProvider !== "entra" || !s.manageIdentityProvider) return;
  if (!s.entraSecretEndDate) {
    const message =
      "is required to manage Entra ID: the end date of M2M client secrets (RFC 3339, e.g. 2027-06-30T00:00:00Z)";
    ctx.addIssue({ code: "custom", path: ["entraSecretEndDate"], message });
  }
  if (!s.entraGatewayClientId && !s.entraManageGatewayApplication) {
    const message =
      "is required to manage Entra ID (the gateway application's client id), unless " +
      "entraManageGatewayApplication is true";
    ctx.addIssue({ code: "custom", path: ["entraGatewayClientId"], message });
  }
}

export const StackConfig = z.object(stackShape).superRefine((s, ctx) => {
  checkConnection(s, ctx);
  checkEntra(s, ctx);
});
const ConnectionSettings = z.object(connectionShape).superRefine(checkConnection);
export type StackConfig = z.output<typeof StackConfig>;
export type StackSettingKey = keyof typeof stackShape;
export type ConnectionSettings = z.output<typeof ConnectionSettings>;
export type ConnectionSettingKey = keyof typeof connectionShape;

export type SettingSection = "stack" | "database" | "keycloak" | "entra";

/** What the README says about a setting; the type makes every key say something. */
export interface SettingInfo {
  section: SettingSection;
  meaning: string;
  /** The default as a person reads it (the schema holds the value). */
  shownDefault: string;
  /** The environment variable used when the stack config does not set the key. */
  env?: string;
  secret?: boolean;
}

const S = (
  section: SettingSection,
  meaning: string,
  shownDefault: string,
  more: Pick<SettingInfo, "env" | "secret"> = {},
): SettingInfo => ({ section, meaning, shownDefault, ...more });

export const SETTINGS: Readonly<Record<StackSettingKey, SettingInfo>> = {
  definitionsDir: S("stack", "repository root holding `groups/`, `users/`, `m2m/` (relative to the project)", "`.`"),
  bootstrap: S("stack", "the stack manages the registry bootstrap (`registry-admins`)", "`false`"),
  existingGroups: S("stack", "IdP groups that exist already and may be referenced", "`[]`"),
  identityProvider: S("stack", "`keycloak` or `entra`", "`keycloak`"),
  manageIdentityProvider: S(
    "stack",
    "`false`: the IdP is managed elsewhere; keep only the registry's documents",
    "`true`",
  ),
  guards: S("stack", 'safety guards, e.g. `{"minAdmins": 2}` (see Reviewing access changes)', "`mcp-access.yaml`"),
  registry: S(
    "stack",
    'the registry\'s feature switches, e.g. `{"gatewayGenericProxy": true, "gatewayProxyPrefix": "gateway"}` ' +
      "(see Registry feature switches)",
    "`mcp-access.yaml`, else upstream's",
  ),
  database: S("database", "registry database", "`mcp_registry`", { env: "DOCUMENTDB_DATABASE" }),
  namespace: S("database", "collection suffix: scopes go to `mcp_scopes_<namespace>`", "`default`", {
    env: "DOCUMENTDB_NAMESPACE",
  }),
  mongodbUri: S("database", "full connection string; overrides host/port/user/password", "—", {
    env: "MONGODB_CONNECTION_STRING",
    secret: true,
  }),
  mongodbHost: S("database", "database host", "`localhost`", { env: "DOCUMENTDB_HOST" }),
  mongodbPort: S("database", "database port", "`27017`", { env: "DOCUMENTDB_PORT" }),
  mongodbUsername: S("database", "user name", "—", { env: "DOCUMENTDB_USERNAME" }),
  mongodbPassword: S("database", "password", "—", { env: "DOCUMENTDB_PASSWORD", secret: true }),
  mongodbAuthMechanism: S("database", "`SCRAM-SHA-1` (DocumentDB) or `SCRAM-SHA-256` (MongoDB CE)", "`SCRAM-SHA-1`"),
  mongodbAuthSource: S("database", "authentication database", "`admin`"),
  mongodbTls: S("database", "TLS (host/port settings)", "`true`", { env: "DOCUMENTDB_USE_TLS" }),
  mongodbTlsCaFile: S("database", "CA bundle (e.g. DocumentDB's `global-bundle.pem`)", "—", {
    env: "DOCUMENTDB_TLS_CA_FILE",
  }),
  mongodbReplicaSet: S("database", "replica set name", "—", { env: "DOCUMENTDB_REPLICA_SET" }),
  mongodbDirectConnection: S("database", "connect to one host directly", "`false`", {
    env: "DOCUMENTDB_DIRECT_CONNECTION",
  }),
  mongodbTimeoutMs: S("database", "how long to wait for the database", "`10000`"),
  onScopeConflict: S(
    "database",
    "what to do with scope documents and M2M records changed outside this stack: `fail`, `merge`, `overwrite`",
    "`fail`",
  ),
  onScopeConflictByGroup: S(
    "database",
    'per-group override for scope documents, e.g. `{"sre-operators": "merge"}`',
    "`{}`",
  ),
  keycloakRealm: S("keycloak", "realm of the registry", "`mcp-gateway`"),
  keycloakUrl: S("keycloak", "Keycloak URL for agents (token endpoint)", "`keycloak:url`"),
  keycloakM2MAudienceMapper: S(
    "keycloak",
    "give each M2M client its own `mcp-gateway-audience` mapper; `false` when the realm's `basic` " +
      "client scope adds the audience (clients made by `user-create-m2m`, see `mcp-access import`)",
    "`true`",
  ),
  initialPasswords: S("keycloak", "username → initial password (Keycloak and Entra)", "generated", { secret: true }),
  identityProviderSecrets: S(
    "keycloak",
    "alias → client secret of each brokered OIDC provider of `identity-providers/`",
    "—",
    {
      secret: true,
    },
  ),
  registryUrl: S(
    "keycloak",
    "the registry's URL, for the web client's redirect URIs and origins (bootstrap)",
    "`http://localhost:7860`",
  ),
  authServerUrl: S(
    "keycloak",
    "the auth server's URL, for the web client's redirect URIs and origins (bootstrap)",
    "`http://localhost:8888`",
  ),
  webRedirectUris: S("keycloak", "the web client's redirect URIs, set explicitly", "init-keycloak.sh's"),
  webOrigins: S("keycloak", "the web client's origins, set explicitly", "`bootstrapRelease`'s init-keycloak.sh's"),
  bootstrapAdminUsername: S("keycloak", "the bootstrap admin user", `\`${DEFAULT_BOOTSTRAP_ADMIN_USERNAME}\``),
  bootstrapAdminEmail: S("keycloak", "the bootstrap admin's email", `\`${DEFAULT_BOOTSTRAP_ADMIN_EMAIL}\``),
  bootstrapAdminFirstName: S(
    "keycloak",
    "the bootstrap admin's first name",
    `\`${DEFAULT_BOOTSTRAP_ADMIN_NAMES.firstName}\``,
  ),
  bootstrapAdminLastName: S(
    "keycloak",
    "the bootstrap admin's last name",
    `\`${DEFAULT_BOOTSTRAP_ADMIN_NAMES.lastName}\``,
  ),
  bootstrapAdminPassword: S(
    "keycloak",
    "its initial (temporary) password; none for an admin the stack adopted (it keeps its own)",
    "generated",
    { secret: true },
  ),
  bootstrapAdminGroups: S(
    "keycloak",
    "the groups the bootstrap admin is in (`registry-admins` or groups that exist, e.g. upstream's " +
      "`mcp-registry-admin` and `mcp-servers-unrestricted`, see `mcp-access import`)",
    `\`["${BOOTSTRAP_ADMIN_GROUP}"]\``,
  ),
  bootstrapRelease: S(
    "keycloak",
    "which version of upstream's `init-keycloak.sh` the bootstrap declares: `1.31` (release 1.31.0 on, #1763) or " +
      "`1.30` (before it); see Adopting a running registry",
    `\`${DEFAULT_BOOTSTRAP_RELEASE}\``,
  ),
  entraUserDomain: S("entra", "UPN domain of new users", "required for usernames without `@`"),
  entraExistingUsers: S("entra", "look users up instead of creating them", "`false`"),
  entraGatewayClientId: S("entra", "the gateway application's client id", "required unless managed"),
  entraManageGatewayApplication: S("entra", "create the gateway application", "`false`"),
  entraGatewayApplicationName: S("entra", "display name of the managed gateway application", "`mcp-gateway`"),
  entraSecretEndDate: S("entra", "end date of M2M secrets (RFC 3339)", "required"),
  entraSecretRotation: S("entra", "change it to rotate M2M secrets", "—"),
  entraReplicationDelaySeconds: S("entra", "wait before memberships of new principals", "`30`"),
  entraLoginBaseUrl: S("entra", "login host for the token URL", "`https://login.microsoftonline.com`"),
};

/** Reads one raw value by key (without the namespace); undefined when the stack does not set it. */
export type RawSettings = (key: string) => unknown;

/**
 * The raw values of the keys of `shape`: the stack's value, else the setting's environment variable. An
 * empty string counts as unset, as the registry's own settings treat it.
 */
function rawValues(keys: readonly string[], read: RawSettings, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const key of keys) {
    const name = SETTINGS[key as StackSettingKey]?.env;
    const v = read(key) ?? (name ? env[name] : undefined);
    if (v !== undefined && v !== "") raw[key] = v;
  }
  return raw;
}

function messageOf(
  error: z.ZodError,
  raw: Record<string, unknown>,
  where: string | undefined,
  env: NodeJS.ProcessEnv,
): string {
  return error.issues
    .map((i) => {
      const [key, ...rest] = i.path.map(String);
      const name = SETTINGS[key as StackSettingKey]?.env;
      const value = key === undefined ? undefined : raw[key];
      const from = name && value !== undefined && value === env[name] ? ` (from ${name})` : "";
      const path = [key, ...rest].join(".");
      const shown =
        SETTINGS[key as StackSettingKey]?.secret || value === undefined || rest.length
          ? ""
          : `, not ${JSON.stringify(value)}`;
      return `${where ? `${where}: ` : ""}${CONFIG_NAMESPACE}:${path}${from} ${i.message}${shown}`;
    })
    .join("\n");
}

/**
 * What managing Entra ID reads from the settings, typed as `checkEntra` guarantees it (the schema refused a stack
 * without them, so the throw is only for callers that skipped the schema).
 */
export function entraSettings(c: StackConfig): {
  gateway: { clientId: string } | { manage: { displayName: string } };
  secretEndDate: string;
} {
  const gateway = c.entraManageGatewayApplication
    ? { manage: { displayName: c.entraGatewayApplicationName } }
    : c.entraGatewayClientId
      ? { clientId: c.entraGatewayClientId }
      : undefined;
  if (!gateway || !c.entraSecretEndDate)
    throw new StackSettingsError("Entra ID settings were not checked by the schema");
  return { gateway, secretEndDate: c.entraSecretEndDate };
}

/** The whole stack config; a bad value throws StackSettingsError naming the key and what is allowed. */
export function parseStackConfig(read: RawSettings, where: string, env: NodeJS.ProcessEnv = process.env): StackConfig {
  const raw = rawValues(Object.keys(stackShape), read, env);
  const parsed = StackConfig.safeParse(raw);
  if (!parsed.success) throw new StackSettingsError(messageOf(parsed.error, raw, where, env));
  return parsed.data;
}

/** Only the scope store's connection part (what its provider needs, in the engine's process). */
export function parseConnectionSettings(read: RawSettings, env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  const raw = rawValues(Object.keys(connectionShape), read, env);
  const parsed = ConnectionSettings.safeParse(raw);
  if (!parsed.success) throw new StackSettingsError(messageOf(parsed.error, raw, undefined, env));
  return parsed.data;
}

export function stackFileName(stack: string): string {
  return `stacks/Pulumi.${stack}.yaml`;
}

/**
 * What Pulumi refuses in a stack's own name (letters, digits, `-`, `_`, `.`; at most 100), as a sentence; null when
 * the name is one Pulumi takes. The stack file's name is made of it, so no path separator can reach it.
 */
export function stackNameProblem(stack: string): string | null {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) return `stack name "${stack}" may hold only letters, digits, -, _ and .`;
  if (stack.length > 100) return `stack name "${stack.slice(0, 20)}..." is longer than 100 characters`;
  if (/^\.+$/.test(stack)) return `stack name "${stack}" is not a name`;
  return null;
}

/** The README's table of the settings of these sections (tested to match the README). */
export function settingsTable(sections: readonly SettingSection[]): string {
  const rows = (Object.entries(SETTINGS) as Array<[StackSettingKey, SettingInfo]>)
    .filter(([, s]) => sections.includes(s.section))
    .map(
      ([key, s]) =>
        `| \`${key}\`${s.secret ? " (secret)" : ""} | ${s.meaning} | ${s.shownDefault} | ` +
        `${s.env ? `\`${s.env}\`` : ""} |`,
    );
  return [`| key (\`${CONFIG_NAMESPACE}:\`) | meaning | default | environment |`, "|---|---|---|---|", ...rows].join(
    "\n",
  );
}
