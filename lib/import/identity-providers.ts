/**
 * `mcp-access import` for brokered identity providers: the realm's identity providers and their mappers (Keycloak
 * admin REST API `identity-provider/instances`, `.../mappers`) back into `identity-providers/` files. What the
 * definitions cannot say is reported, never dropped silently; client secrets are never read (Keycloak masks them).
 */
import type { ImportFinding, KindImport } from "./types";
import { sortedByCodeUnit, yamlFile } from "./files";
import {
  CLIENT_AUTH_METHODS,
  SYNC_MODES,
  type GroupMapper,
  type IdentityProviderDefinition,
} from "../schema/identity-provider";
import { GUIDE_DEFAULTS } from "../model/identity-providers";
import { mapperRegexProblem } from "../model/mapper-regex";
import {
  HARDCODED_GROUP_MAPPER,
  OIDC_CLAIM_GROUP_MAPPER,
  SAML_ATTRIBUTE_GROUP_MAPPER,
} from "../model/identity-provider-types";

/** An identity provider as the admin API represents it (IdentityProviderRepresentation, the fields used). */
export interface SnapshotIdentityProvider {
  alias: string;
  providerId: string;
  displayName?: string;
  enabled?: boolean;
  trustEmail?: boolean;
  storeToken?: boolean;
  hideOnLogin?: boolean;
  firstBrokerLoginFlowAlias?: string;
  config: Record<string, string>;
  mappers: Array<{ name: string; identityProviderMapper: string; config: Record<string, string> }>;
}

export interface IdentityProviderSnapshot {
  identityProviders?: SnapshotIdentityProvider[];
}

const SYNC: ReadonlySet<string> = new Set(SYNC_MODES);

/** One `[{key, value}]` pair of a mapper's `claims` / `attributes`, or null when there is not exactly one. */
function onePair(json: string | undefined): { key: string; value: string } | null {
  try {
    const v = JSON.parse(json ?? "") as unknown;
    if (!Array.isArray(v) || v.length !== 1) return null;
    const p = v[0] as { key?: unknown; value?: unknown };
    return typeof p.key === "string" && typeof p.value === "string" ? { key: p.key, value: p.value } : null;
  } catch {
    return null;
  }
}

function convertMapper(
  m: SnapshotIdentityProvider["mappers"][number],
  alias: string,
  providerSync: string,
  findings: ImportFinding[],
): GroupMapper | null {
  const object = `identity-provider mapper "${m.name}" of "${alias}"`;
  const skip = (problem: string) => {
    findings.push({ object, problem, action: "not written; the stack leaves it alone in Keycloak" });
    return null;
  };
  const known = [HARDCODED_GROUP_MAPPER, OIDC_CLAIM_GROUP_MAPPER, SAML_ATTRIBUTE_GROUP_MAPPER];
  if (!known.includes(m.identityProviderMapper)) {
    return skip(`is of type ${m.identityProviderMapper}, not a group mapper the definitions express`);
  }
  const path = m.config.group ?? "";
  // Groups of the definitions are top-level: "/name" (Keycloak may also store the bare name).
  const group = path.replace(/^\//, "");
  if (!group || group.includes("/")) return skip(`maps to group "${path}", a subgroup the definitions cannot name`);
  const sync = m.config.syncMode && m.config.syncMode !== "INHERIT" ? m.config.syncMode : providerSync;
  const out: GroupMapper = { group };
  if (m.identityProviderMapper === HARDCODED_GROUP_MAPPER) out.everyone = true;
  else {
    const claim = m.identityProviderMapper === OIDC_CLAIM_GROUP_MAPPER;
    const pair = onePair(claim ? m.config.claims : m.config.attributes);
    if (!pair) return skip(`matches ${claim ? "claims" : "attributes"} other than exactly one key and value`);
    if (claim) out.claim = pair.key;
    else out.attribute = pair.key;
    out.value = pair.value;
    if ((claim ? m.config["are.claim.values.regex"] : m.config["are.attribute.values.regex"]) === "true") {
      // What validate would refuse is not written: the file would stop the first `up` (Keycloak keeps the mapper).
      const problem = mapperRegexProblem(pair.value);
      if (problem) return skip(`matches the regex ${JSON.stringify(pair.value)}, which validate refuses: ${problem}`);
      out.regex = true;
    }
  }
  out.name = m.name;
  if (SYNC.has(sync) && sync !== providerSync) out.sync_mode = sync as GroupMapper["sync_mode"];
  return out;
}

function convertProvider(p: SnapshotIdentityProvider, findings: ImportFinding[]): IdentityProviderDefinition | null {
  const object = `identity provider "${p.alias}"`;
  const c = p.config;
  const def: IdentityProviderDefinition = { alias: p.alias };
  if (p.displayName) def.display_name = p.displayName;
  if (p.enabled === false) def.enabled = false;
  // Written only where they differ from upstream's guide, the definitions' defaults.
  if (p.trustEmail !== undefined && p.trustEmail !== GUIDE_DEFAULTS.trustEmail) def.trust_email = p.trustEmail;
  if (p.storeToken !== undefined && p.storeToken !== GUIDE_DEFAULTS.storeToken) def.store_token = p.storeToken;
  if (p.hideOnLogin === true || c.hideOnLoginPage === "true") def.hide_on_login_page = true;
  if (p.firstBrokerLoginFlowAlias && p.firstBrokerLoginFlowAlias !== GUIDE_DEFAULTS.firstBrokerLoginFlow) {
    def.first_broker_login_flow = p.firstBrokerLoginFlowAlias;
  }
  // A provider without syncMode is Keycloak's default, LEGACY.
  const sync = SYNC.has(c.syncMode ?? "") ? c.syncMode! : "LEGACY";
  if (sync !== GUIDE_DEFAULTS.syncMode) def.sync_mode = sync as IdentityProviderDefinition["sync_mode"];
  if (p.providerId === "oidc" || p.providerId === "keycloak-oidc") {
    if (!c.authorizationUrl || !c.tokenUrl || !c.clientId) {
      findings.push({ object, problem: "has no authorizationUrl, tokenUrl or clientId", action: "not written" });
      return null;
    }
    const method = (CLIENT_AUTH_METHODS as readonly string[]).includes(c.clientAuthMethod ?? "")
      ? c.clientAuthMethod
      : undefined;
    def.oidc = {
      ...(c.issuer ? { issuer: c.issuer } : {}),
      authorization_url: c.authorizationUrl,
      token_url: c.tokenUrl,
      ...(c.jwksUrl ? { jwks_url: c.jwksUrl } : {}),
      ...(c.userInfoUrl ? { user_info_url: c.userInfoUrl } : {}),
      ...(c.logoutUrl ? { logout_url: c.logoutUrl } : {}),
      client_id: c.clientId,
      ...(method && method !== GUIDE_DEFAULTS.clientAuthMethod
        ? { client_auth_method: method as (typeof CLIENT_AUTH_METHODS)[number] }
        : {}),
      ...(c.defaultScope && c.defaultScope !== GUIDE_DEFAULTS.defaultScopes ? { default_scopes: c.defaultScope } : {}),
    };
    findings.push({
      object,
      problem: "its client secret is not read (Keycloak masks it) and never written to a file",
      action: `pulumi config set --secret --path 'mcp-gateway-access:identityProviderSecrets.${p.alias}' <secret>`,
    });
  } else if (p.providerId === "saml") {
    if (!c.singleSignOnServiceUrl) {
      findings.push({ object, problem: "has no singleSignOnServiceUrl", action: "not written" });
      return null;
    }
    def.saml = {
      single_sign_on_service_url: c.singleSignOnServiceUrl,
      ...(c.entityId ? { entity_id: c.entityId } : {}),
      ...(c.singleLogoutServiceUrl ? { single_logout_service_url: c.singleLogoutServiceUrl } : {}),
      ...(c.principalAttribute ? { principal_attribute: c.principalAttribute } : {}),
      ...(c.signingCertificate ? { signing_certificate: c.signingCertificate } : {}),
      ...(c.validateSignature ? { validate_signature: c.validateSignature === "true" } : {}),
      ...(c.wantAssertionsSigned === "true" ? { want_assertions_signed: true } : {}),
    };
  } else {
    findings.push({
      object,
      problem: `is a "${p.providerId}" provider; the definitions express OIDC and SAML providers`,
      action: "not written; the stack leaves it alone",
    });
    return null;
  }
  const mappers = p.mappers
    .map((m) => convertMapper(m, p.alias, sync, findings))
    .filter((m): m is GroupMapper => m !== null);
  if (mappers.length) def.mappers = sortedByCodeUnit(mappers, (m) => m.name!);
  return def;
}

/** One `identity-providers/<alias>.yaml` per provider the definitions can express. */
export function importIdentityProviders(s: IdentityProviderSnapshot): KindImport {
  const findings: ImportFinding[] = [];
  const files = sortedByCodeUnit(s.identityProviders ?? [], (p) => p.alias).flatMap((p) => {
    const def = convertProvider(p, findings);
    // Named by the alias as read, not made safe as other names are: the name these files have always had.
    return def ? [yamlFile("identity-providers", def.alias, def)] : [];
  });
  return { files, findings };
}
