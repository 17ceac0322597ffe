/**
 * Brokered identity providers as a checked model: the `identity-providers/` files in, the providers and their
 * group mappers out, every problem with file:line:column. Follows upstream's guide
 * (docs/idp/keycloak-identity-brokering.md, PR #1629): one Keycloak identity provider per upstream IdP, one mapper
 * per (upstream group -> Keycloak group) pair, `syncMode: FORCE`.
 */
import { z } from "zod";
import type { Diagnostic, FieldPath } from "../errors/diagnostics";
import { authScopes } from "../review/effective-access";
import { filesUnder, readDefinitionSource, type Located } from "../load/definitions";
import type { AccessModel } from "./access-model";
import type { IdentityProvider } from "../registry/rules";
import { fieldNames, suggest, translateIssues } from "../schema/issues";
import { diagnosticAt, type RawFile, type ReadOptions, type SourceFile, type SourceRef } from "../source/file";
import { IDENTITY_PROVIDERS_DIR, IdentityProviderDefinition, type GroupMapper } from "../schema/identity-provider";
import {
  HARDCODED_GROUP_MAPPER,
  OIDC_CLAIM_GROUP_MAPPER,
  SAML_ATTRIBUTE_GROUP_MAPPER,
  type BrokeredMapper,
  type BrokeredProvider,
} from "./identity-provider-types";
import { byCodeUnit } from "../errors/order";

/** Keys that would put a credential in git; the client secret comes from the stack's secret config. */
const SECRET_KEY = /^(client_?secret|secret|password|credentials?|private_?key)$/i;

/** Upstream's guide, section 2B, Step 1 (OIDC instance body). */
export const GUIDE_DEFAULTS = {
  trustEmail: true,
  storeToken: false,
  firstBrokerLoginFlow: "first broker login",
  syncMode: "FORCE",
  clientAuthMethod: "client_secret_post",
  defaultScopes: "openid profile email",
  claim: "groups",
} as const;

let known: Set<string> | undefined;
const knownFields = () =>
  (known ??= fieldNames(z.toJSONSchema(IdentityProviderDefinition, { io: "input", target: "draft-7" })));

export interface LoadedIdentityProviders {
  definitions: Located<IdentityProviderDefinition>[];
  /** Files seen under identity-providers/, valid or not (an Entra stack refuses them all). */
  files: string[];
  diagnostics: Diagnostic[];
}

export function loadIdentityProviderFiles(
  files: readonly RawFile[],
  options: ReadOptions = {},
): LoadedIdentityProviders {
  const mine = files
    .filter((f) => f.file.startsWith(`${IDENTITY_PROVIDERS_DIR}/`))
    .sort((a, b) => byCodeUnit(a.file, b.file));
  const diagnostics: Diagnostic[] = [];
  const definitions: Located<IdentityProviderDefinition>[] = [];
  for (const raw of mine) {
    const source = readDefinitionSource(raw, options, diagnostics);
    const def = source && checkFile(source, diagnostics);
    if (def) definitions.push(def);
  }
  return { definitions, files: mine.map((f) => f.file), diagnostics };
}

export function loadIdentityProviders(root: string, options: ReadOptions = {}): LoadedIdentityProviders {
  return loadIdentityProviderFiles(filesUnder(root, IDENTITY_PROVIDERS_DIR), options);
}

function secretPaths(value: unknown, path: (string | number)[], out: FieldPath[]): void {
  if (Array.isArray(value)) value.forEach((v, i) => secretPaths(v, [...path, i], out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_KEY.test(k)) out.push([...path, k]);
      else secretPaths(v, [...path, k], out);
    }
  }
}

/** One provider per file: the alias is what the upstream redirect URI names, so one file per registration. */
function checkFile(source: SourceFile, out: Diagnostic[]): Located<IdentityProviderDefinition> | null {
  const value = source.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    out.push(
      diagnosticAt(
        source,
        [],
        "expected one identity provider (a mapping with alias, oidc: or saml:, mappers) at the top of the file",
      ),
    );
    return null;
  }
  const secrets: FieldPath[] = [];
  secretPaths(value, [], secrets);
  for (const p of secrets) {
    const key = String(p[p.length - 1]);
    out.push(
      diagnosticAt(
        source,
        p,
        `"${key}" must not be in a definition file (it would be committed to git): set the client secret with ` +
          "pulumi config set --secret --path 'mcp-gateway-access:identityProviderSecrets.<alias>' <secret>",
        "error",
        true,
      ),
    );
  }
  const skipKeys = new Set(secrets.map((p) => p.join("\u0000")));
  const res = IdentityProviderDefinition.safeParse(value);
  if (!res.success) {
    out.push(...translateIssues(res.error.issues, { source, prefix: [], knownFields: knownFields(), skipKeys }));
    return null;
  }
  if (secrets.length) return null;
  return { value: res.data, source: source.ref, at: [] };
}

/** Keycloak groups a mapper may target: the groups this stack creates, and the external ones. */
function keycloakGroups(model: AccessModel): Set<string> {
  return new Set([...model.groups.filter((g) => g.createInIdp).map((g) => g.name), ...model.externalGroups]);
}

function defaultMapperName(m: Pick<BrokeredMapper, "kind" | "key" | "value" | "group">): string {
  return m.kind === "everyone" ? `everyone to ${m.group}` : `${m.key}=${m.value} to ${m.group}`;
}

/** A Java-compatible enough check: Keycloak matches with java.util.regex; what JavaScript refuses is refused. */
function regexProblem(value: string): string | null {
  try {
    new RegExp(value, "u");
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

function buildMapper(
  m: GroupMapper,
  index: number,
  type: "oidc" | "saml",
  providerSync: BrokeredProvider["syncMode"],
  err: (path: FieldPath, message: string, key?: boolean) => void,
): BrokeredMapper | null {
  let ok = true;
  const bad = (path: FieldPath, message: string, key = false) => {
    err(path, message, key);
    ok = false;
  };
  if (m.everyone) {
    for (const k of ["claim", "attribute", "value", "regex"] as const) {
      if (m[k] !== undefined) bad([k], `"${k}" does not go with everyone: true (every person gets the group)`, true);
    }
  } else {
    if (m.value === undefined) bad([], `a mapper needs "value" (the upstream group id or name) or everyone: true`);
    if (type === "oidc" && m.attribute !== undefined) {
      bad(
        ["attribute"],
        `"attribute" is for SAML providers; an OIDC provider matches a "claim" (default groups)`,
        true,
      );
    }
    if (type === "saml" && m.claim !== undefined) {
      bad(["claim"], `"claim" is for OIDC providers; a SAML provider matches an "attribute"`, true);
    }
    if (type === "saml" && m.attribute === undefined)
      bad([], `a SAML mapper needs "attribute": the assertion attribute to match`);
    if (m.regex && m.value !== undefined) {
      const why = regexProblem(m.value);
      if (why) bad(["value"], `"value" is not a valid regular expression: ${why}`);
    }
  }
  if (!ok) return null;
  const kind: BrokeredMapper["kind"] = m.everyone ? "everyone" : type === "oidc" ? "claim" : "attribute";
  const key = kind === "everyone" ? null : kind === "claim" ? (m.claim ?? GUIDE_DEFAULTS.claim) : m.attribute!;
  const value = kind === "everyone" ? null : m.value!;
  const keycloakType =
    kind === "everyone"
      ? HARDCODED_GROUP_MAPPER
      : kind === "claim"
        ? OIDC_CLAIM_GROUP_MAPPER
        : SAML_ATTRIBUTE_GROUP_MAPPER;
  const base = { kind, key, value, group: m.group };
  return {
    name: m.name ?? defaultMapperName(base),
    index,
    ...base,
    regex: m.regex ?? false,
    syncMode: m.sync_mode ?? providerSync,
    keycloakType,
  };
}

function buildProvider(
  loc: Located<IdentityProviderDefinition>,
  err: (path: FieldPath, message: string, key?: boolean) => void,
): BrokeredProvider | null {
  const d = loc.value;
  const both = d.oidc !== undefined && d.saml !== undefined;
  if (both || (d.oidc === undefined && d.saml === undefined)) {
    err(both ? ["saml"] : [], `an identity provider has exactly one of "oidc:" or "saml:" (its protocol)`, both);
    return null;
  }
  const type = d.oidc ? "oidc" : "saml";
  const syncMode = d.sync_mode ?? GUIDE_DEFAULTS.syncMode;
  const mappers: BrokeredMapper[] = [];
  (d.mappers ?? []).forEach((m, i) => {
    const built = buildMapper(m, i, type, syncMode, (p, msg, key) => err(["mappers", i, ...p], msg, key));
    if (built) mappers.push(built);
  });
  const o = d.oidc;
  const s = d.saml;
  return {
    alias: d.alias,
    type,
    displayName: d.display_name ?? d.alias,
    enabled: d.enabled ?? true,
    trustEmail: d.trust_email ?? GUIDE_DEFAULTS.trustEmail,
    storeToken: d.store_token ?? GUIDE_DEFAULTS.storeToken,
    hideOnLoginPage: d.hide_on_login_page ?? false,
    firstBrokerLoginFlow: d.first_broker_login_flow ?? GUIDE_DEFAULTS.firstBrokerLoginFlow,
    syncMode,
    oidc: o
      ? {
          issuer: o.issuer ?? null,
          authorizationUrl: o.authorization_url,
          tokenUrl: o.token_url,
          jwksUrl: o.jwks_url ?? null,
          userInfoUrl: o.user_info_url ?? null,
          logoutUrl: o.logout_url ?? null,
          clientId: o.client_id,
          clientAuthMethod: o.client_auth_method ?? GUIDE_DEFAULTS.clientAuthMethod,
          defaultScopes: o.default_scopes ?? GUIDE_DEFAULTS.defaultScopes,
        }
      : null,
    saml: s
      ? {
          singleSignOnServiceUrl: s.single_sign_on_service_url,
          entityId: s.entity_id ?? null,
          singleLogoutServiceUrl: s.single_logout_service_url ?? null,
          nameIdPolicyFormat: s.name_id_policy_format ?? "Persistent",
          principalType: s.principal_type ?? "SUBJECT",
          principalAttribute: s.principal_attribute ?? null,
          signingCertificate: s.signing_certificate ?? null,
          validateSignature: s.validate_signature ?? s.signing_certificate !== undefined,
          wantAssertionsSigned: s.want_assertions_signed ?? false,
          postBindingResponse: s.post_binding_response ?? true,
          postBindingAuthnRequest: s.post_binding_authn_request ?? true,
        }
      : null,
    mappers,
    description: d.description ?? "",
    file: loc.source.file,
  };
}

/**
 * Checks the providers against each other and the access model: one alias per provider, mappers to groups that
 * exist in Keycloak, no mapper twice. An Entra ID stack refuses them: only Keycloak brokers here (Entra federates
 * its own way, outside this project).
 */
export function buildIdentityProviders(
  loaded: LoadedIdentityProviders,
  model: AccessModel,
  idp: IdentityProvider = "keycloak",
): { providers: BrokeredProvider[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const error = (src: SourceRef, path: FieldPath, message: string, key = false) =>
    diagnostics.push(diagnosticAt(src, path, message, "error", key));
  const warn = (src: SourceRef, path: FieldPath, message: string) =>
    diagnostics.push(diagnosticAt(src, path, message, "warning"));
  if (idp === "entra") {
    for (const loc of loaded.definitions) {
      error(
        loc.source,
        [],
        "identity providers are brokered by the registry's Keycloak realm; this stack's identityProvider is " +
          "entra, which cannot broker them here: federate the corporate IdP in Entra ID itself (External " +
          "Identities), or use a Keycloak stack",
      );
    }
    return { providers: [], diagnostics };
  }
  const groups = keycloakGroups(model);
  // auth_server/group_filter.py `filter_session_groups` (Design C, the default) drops a group no scope's
  // group_mappings names, and server.py `map_groups_to_scopes` maps it to nothing (guide 3.4, PR #1629).
  const mapped = new Set(authScopes(model).flatMap((d) => d.group_mappings));
  const byAlias = new Map<string, Located<IdentityProviderDefinition>>();
  const providers: BrokeredProvider[] = [];
  for (const loc of loaded.definitions) {
    const src = loc.source;
    const first = byAlias.get(loc.value.alias);
    if (first) {
      const where = `${first.source.file}:${first.source.locate(["alias"]).line}`;
      error(
        src,
        ["alias"],
        `alias "${loc.value.alias}" is also the alias of ${where}: Keycloak keys a provider on its alias`,
      );
      continue;
    }
    byAlias.set(loc.value.alias, loc);
    const p = buildProvider(loc, (path, message, key) => error(src, path, message, key));
    if (!p) continue;
    const names = new Map<string, number>();
    const pairs = new Map<string, number>();
    (loc.value.mappers ?? []).forEach((m, i) => {
      const at: FieldPath = ["mappers", i];
      if (!groups.has(m.group)) {
        const hint = suggest(m.group, groups);
        const known = model.groups.find((g) => g.name === m.group);
        const why = known
          ? `group "${m.group}" has create_in_idp: false: no Keycloak group a person can join`
          : `no group "${m.group}" in groups/ (nor an existing or bootstrap group)` +
            (hint ? `: did you mean "${hint}"?` : "");
        error(src, [...at, "group"], `${why} (a mapper gives a Keycloak group)`);
      } else if (!mapped.has(m.group)) {
        warn(
          src,
          [...at, "group"],
          `no scope maps group "${m.group}": the auth server drops it (auth_server/group_filter.py ` +
            "filter_session_groups), " +
            "so the person gets no access from it",
        );
      }
    });
    for (const m of p.mappers) {
      const at: FieldPath = ["mappers", m.index];
      const prev = names.get(m.name);
      if (prev !== undefined) {
        error(
          src,
          [...at, "name"],
          `a mapper named "${m.name}" is already mappers[${prev}]: mapper names are unique per provider`,
        );
      } else names.set(m.name, m.index);
      const pair = `${m.kind}\u0000${m.key}\u0000${m.value}\u0000${m.regex}\u0000${m.group}`;
      const twice = pairs.get(pair);
      if (twice !== undefined) warn(src, at, `the same mapping as mappers[${twice}]: remove one`);
      else pairs.set(pair, m.index);
      if (m.syncMode !== "FORCE") {
        warn(
          src,
          at,
          `sync mode ${m.syncMode}: the group is set at the first login only; ` +
            "a person who leaves the upstream group keeps it",
        );
      }
    }
    providers.push(p);
  }
  return { providers, diagnostics };
}
