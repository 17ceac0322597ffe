/**
 * The stack files `init` writes: the one named by --stack, every setting of the settings table listed (the ones
 * not set commented out, so a new setting appears by itself), and the local stack `mcp-access local` applies.
 */
import { CONFIG_NAMESPACE, SETTINGS, type IdentityProvider, type SettingInfo, type StackSettingKey } from "../../lib";

export const LOCAL_STACK = "local";

const plain = (s: string) => s.replace(/`/g, "");

/** One setting not set: a commented line with its default, meaning and environment variable. */
export function settingLine(key: string, s: SettingInfo): string {
  const name = `${CONFIG_NAMESPACE}:${key}`;
  const env = s.env ? ` (env ${s.env})` : "";
  if (s.secret) return `  # pulumi config set --secret ${name} ...   # ${plain(s.meaning)}${env}`;
  // A value, not a reference to another setting or file (`keycloak:url`, `mcp-access.yaml`).
  const single = /^`([^`]*)`$/.exec(s.shownDefault);
  if (single && !/\.yaml$|^[^:]+:[^/]/.test(single[1]!))
    return `  # ${name}: ${single[1]}   # ${plain(s.meaning)}${env}`;
  return `  # ${name}:   # ${plain(s.meaning)}; default: ${plain(s.shownDefault)}${env}`;
}

/** The identity provider's own Pulumi provider, which the stack configures beside the settings. */
function providerLines(idp: IdentityProvider): string[] {
  if (idp === "entra") {
    return [
      "  # The azuread provider: the tenant, and the application Pulumi signs in as (or ARM_* environment variables).",
      "  # azuread:tenantId: 00000000-0000-0000-0000-000000000000",
      "  # azuread:clientId: 00000000-0000-0000-0000-000000000000",
      "  # pulumi config set --secret azuread:clientSecret ...",
    ];
  }
  return [
    "  # The keycloak provider: where Keycloak is, and the admin client Pulumi signs in as (or KEYCLOAK_* variables).",
    "  # keycloak:url: https://keycloak.example.com",
    "  # keycloak:clientId: admin-cli",
    "  # pulumi config set --secret keycloak:clientSecret ...",
  ];
}

function stackHeader(stack: string, idp: IdentityProvider): string[] {
  const lines = [
    `# The stack ${stack}: mcp-gateway-access's settings, every one listed; uncomment and set what this stack needs.`,
    "# Secrets are never written here as text: pulumi config set --secret ... stores them as {secure: ...}.",
  ];
  if (idp === "entra") {
    lines.push(
      "# Entra ID needs entraSecretEndDate and entraGatewayClientId (or entraManageGatewayApplication: true), and",
      "# the azuread provider's keys, before mcp-access validate --stack or pulumi up can run on this stack.",
    );
  }
  return lines;
}

/** `stacks/Pulumi.<stack>.yaml`: identityProvider set (bootstrap too for the local stack), the rest listed. */
export function stackFile(stack: string, idp: IdentityProvider): string {
  const set: Partial<Record<StackSettingKey, string>> = { identityProvider: idp };
  if (stack === LOCAL_STACK) set.bootstrap = '"true"';
  const lines = [
    ...stackHeader(stack, idp),
    "config:",
    ...Object.entries(set).map(([k, v]) => `  ${CONFIG_NAMESPACE}:${k}: ${v}`),
    ...(Object.entries(SETTINGS) as Array<[StackSettingKey, SettingInfo]>)
      .filter(([k]) => !(k in set))
      .map(([k, s]) => settingLine(k, s)),
    ...providerLines(idp),
  ];
  return lines.join("\n") + "\n";
}

/** The local stack (`mcp-access local`): a Keycloak and a database on this machine, the bootstrap managed. */
export function localStackFile(): string {
  return [
    "# The local stack: a Keycloak and a MongoDB-wire database on this machine (npm run local).",
    "config:",
    `  ${CONFIG_NAMESPACE}:bootstrap: "true"`,
    `  ${CONFIG_NAMESPACE}:identityProvider: keycloak`,
    "",
  ].join("\n");
}
