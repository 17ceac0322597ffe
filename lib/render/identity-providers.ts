/**
 * The brokered providers as Keycloak's admin REST API represents them (IdentityProviderRepresentation and
 * IdentityProviderMapperRepresentation), the bodies upstream's guide POSTs by hand (section 2B, Steps 1 and 2,
 * PR #1629): what `mcp-access render --identity-providers` prints for review. No secret: a placeholder names
 * where it comes from.
 */
import type { BrokeredMapper, BrokeredProvider } from "../model/identity-provider-types";
import { redactUrl } from "../schema/names";

export interface KeycloakIdentityProviderBody {
  alias: string;
  displayName: string;
  providerId: "oidc" | "saml";
  enabled: boolean;
  trustEmail: boolean;
  storeToken: boolean;
  hideOnLogin: boolean;
  firstBrokerLoginFlowAlias: string;
  config: Record<string, string>;
  mappers: Array<{
    name: string;
    identityProviderAlias: string;
    identityProviderMapper: string;
    config: Record<string, string>;
  }>;
}

/** The mapper's config as Keycloak stores it (components/keycloak/identity-providers.ts declares the same). */
export function mapperKeycloakConfig(m: BrokeredMapper): Record<string, string> {
  // Groups of this project are top-level Keycloak groups: the path is "/<name>".
  const common = { group: `/${m.group}`, syncMode: m.syncMode };
  if (m.kind === "everyone") return common;
  const pairs = JSON.stringify([{ key: m.key, value: m.value }]);
  if (m.kind === "claim") return { ...common, claims: pairs, "are.claim.values.regex": String(m.regex) };
  return { ...common, attributes: pairs, "are.attribute.values.regex": String(m.regex) };
}

function providerConfig(p: BrokeredProvider): Record<string, string> {
  const out: Record<string, string> = { syncMode: p.syncMode };
  // Credentials written into a URL are refused at load; should one reach here, it is never printed.
  const set = (k: string, v: string | boolean | null) => {
    if (v !== null) out[k] = typeof v === "string" ? redactUrl(v) : String(v);
  };
  if (p.oidc) {
    const o = p.oidc;
    set("clientId", o.clientId);
    set("clientSecret", `(stack secret config identityProviderSecrets.${p.alias})`);
    set("clientAuthMethod", o.clientAuthMethod);
    set("authorizationUrl", o.authorizationUrl);
    set("tokenUrl", o.tokenUrl);
    set("jwksUrl", o.jwksUrl);
    set("useJwksUrl", o.jwksUrl !== null);
    set("validateSignature", o.jwksUrl !== null);
    set("issuer", o.issuer);
    set("userInfoUrl", o.userInfoUrl);
    set("logoutUrl", o.logoutUrl);
    set("defaultScope", o.defaultScopes);
  }
  if (p.saml) {
    const s = p.saml;
    set("singleSignOnServiceUrl", s.singleSignOnServiceUrl);
    set("entityId", s.entityId);
    set("singleLogoutServiceUrl", s.singleLogoutServiceUrl);
    set("nameIDPolicyFormat", s.nameIdPolicyFormat);
    set("principalType", s.principalType);
    set("principalAttribute", s.principalAttribute);
    set("signingCertificate", s.signingCertificate);
    set("validateSignature", s.validateSignature);
    set("wantAssertionsSigned", s.wantAssertionsSigned);
    set("postBindingResponse", s.postBindingResponse);
    set("postBindingAuthnRequest", s.postBindingAuthnRequest);
  }
  return out;
}

export function renderIdentityProviders(providers: readonly BrokeredProvider[]): KeycloakIdentityProviderBody[] {
  return providers.map((p) => ({
    alias: p.alias,
    displayName: p.displayName,
    providerId: p.type,
    enabled: p.enabled,
    trustEmail: p.trustEmail,
    storeToken: p.storeToken,
    hideOnLogin: p.hideOnLoginPage,
    firstBrokerLoginFlowAlias: p.firstBrokerLoginFlow,
    config: providerConfig(p),
    mappers: p.mappers.map((m) => ({
      name: m.name,
      identityProviderAlias: p.alias,
      identityProviderMapper: m.keycloakType,
      config: mapperKeycloakConfig(m),
    })),
  }));
}
