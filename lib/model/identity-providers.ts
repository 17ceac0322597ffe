/**
 * Brokered identity providers as a checked model: the `identity-providers/` files in, the providers and their
 * group mappers out, every problem with file:line:column. Follows upstream's guide
 * (docs/idp/keycloak-identity-brokering.md, PR #1629): one Keycloak identity provider per upstream IdP, one mapper
 * per (upstream group -> Keycloak group) pair, `syncMode: FORCE`.
 */
import type { Diagnostic, FieldPath } from "../errors/diagnostics";
import type { Located } from "../load/definitions";
import type { AccessModel } from "./access-model";
import type { IdentityProvider } from "../registry/rules";
import { suggest } from "../schema/issues";
import { ModelDiagnostics } from "./diagnostics";
import type { GroupMapper, IdentityProviderDefinition } from "../schema/identity-provider";
import {
  HARDCODED_GROUP_MAPPER,
  OIDC_CLAIM_GROUP_MAPPER,
  SAML_ATTRIBUTE_GROUP_MAPPER,
  type BrokeredMapper,
  type BrokeredProvider,
} from "./identity-provider-types";
import { mapperRegexProblem } from "./mapper-regex";
import { urlClaimProblem } from "./brokered-claims";
import { javaBacktrackingRisk } from "./java-backtracking";

/** The loaded `identity-providers/` files (lib/load/repository.ts): the builder's input. */
export interface LoadedIdentityProviders {
  definitions: Located<IdentityProviderDefinition>[];
}

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

/** Keycloak groups a mapper may target: the groups this stack creates, and the external ones. */
export function keycloakGroups(model: AccessModel): Set<string> {
  return new Set([...model.groups.filter((g) => g.createInIdp).map((g) => g.name), ...model.externalGroups]);
}

function defaultMapperName(m: Pick<BrokeredMapper, "kind" | "key" | "value" | "group">): string {
  return m.kind === "everyone" ? `everyone to ${m.group}` : `${m.key}=${m.value} to ${m.group}`;
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
      const why = mapperRegexProblem(m.value);
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
 * its own way, outside this project). Whether a scope maps a mapper's group needs the rendered scope documents:
 * that warning is the review's (lib/review/model-review.ts).
 */
export function buildIdentityProviders(
  loaded: Pick<LoadedIdentityProviders, "definitions">,
  model: AccessModel,
  idp: IdentityProvider = "keycloak",
): { providers: BrokeredProvider[]; diagnostics: Diagnostic[] } {
  const o = new ModelDiagnostics();
  if (idp === "entra") {
    for (const loc of loaded.definitions) {
      o.error(
        loc,
        [],
        "identity providers are brokered by the registry's Keycloak realm; this stack's identityProvider is " +
          "entra, which cannot broker them here: federate the corporate IdP in Entra ID itself (External " +
          "Identities), or use a Keycloak stack",
      );
    }
    return { providers: [], diagnostics: o.diagnostics };
  }
  const groups = keycloakGroups(model);
  const byAlias = new Map<string, Located<IdentityProviderDefinition>>();
  const providers: BrokeredProvider[] = [];
  for (const loc of loaded.definitions) {
    const first = byAlias.get(loc.value.alias);
    if (first) {
      const at = `${first.source.file}:${first.source.locate(["alias"]).line}`;
      o.error(
        loc,
        ["alias"],
        `alias "${loc.value.alias}" is also the alias of ${at}: Keycloak keys a provider on its alias`,
      );
      continue;
    }
    byAlias.set(loc.value.alias, loc);
    const p = buildProvider(loc, (path, message, key) => o.error(loc, path, message, key));
    if (!p) continue;
    checkMapperGroups(o, loc, model, groups);
    checkMappers(o, loc, p);
    providers.push(p);
  }
  return { providers, diagnostics: o.diagnostics };
}

/** Each mapper's group is a Keycloak group this stack creates or knows (a mapper gives a Keycloak group). */
function checkMapperGroups(
  o: ModelDiagnostics,
  loc: Located<IdentityProviderDefinition>,
  model: AccessModel,
  groups: ReadonlySet<string>,
): void {
  (loc.value.mappers ?? []).forEach((m, i) => {
    if (groups.has(m.group)) return;
    const hint = suggest(m.group, groups);
    const known = model.groups.find((g) => g.name === m.group);
    const why = known
      ? `group "${m.group}" has create_in_idp: false: no Keycloak group a person can join`
      : `no group "${m.group}" in groups/ (nor an existing or bootstrap group)` +
        (hint ? `: did you mean "${hint}"?` : "");
    o.error(loc, ["mappers", i, "group"], `${why} (a mapper gives a Keycloak group)`);
  });
}

/** The built mappers of one provider: unique names, no mapping twice, and what a sync mode other than FORCE means. */
function checkMappers(o: ModelDiagnostics, loc: Located<IdentityProviderDefinition>, p: BrokeredProvider): void {
  const names = new Map<string, number>();
  const pairs = new Map<string, number>();
  for (const m of p.mappers) {
    const at: FieldPath = ["mappers", m.index];
    const prev = names.get(m.name);
    if (prev !== undefined) {
      o.error(
        loc,
        [...at, "name"],
        `a mapper named "${m.name}" is already mappers[${prev}]: mapper names are unique per provider`,
      );
    } else names.set(m.name, m.index);
    const pair = `${m.kind}\u0000${m.key}\u0000${m.value}\u0000${m.regex}\u0000${m.group}`;
    const twice = pairs.get(pair);
    if (twice !== undefined) o.warn(loc, at, `the same mapping as mappers[${twice}]: remove one`);
    else pairs.set(pair, m.index);
    const dotted = m.kind === "claim" && m.key !== null ? urlClaimProblem(m.key) : null;
    // A URL-like claim with an unescaped dot reads nested claims in Keycloak (splitClaimPath): almost never meant.
    if (dotted) o.warn(loc, [...at, "claim"], dotted);
    const slow = m.regex && m.value !== null ? javaBacktrackingRisk(m.value) : null;
    if (slow) o.warn(loc, [...at, "value"], slow);
    if (m.syncMode !== "FORCE") {
      o.warn(
        loc,
        at,
        `sync mode ${m.syncMode}: the group is set at the first login only; ` +
          "a person who leaves the upstream group keeps it",
      );
    }
  }
}
