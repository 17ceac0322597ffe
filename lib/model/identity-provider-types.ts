/**
 * The brokered identity providers as checked (kept apart so lib/model/access-model.ts can name them without an import
 * cycle).
 */
import type { SyncMode } from "../schema/identity-provider";

/** Keycloak's identity-provider mapper types this project declares (Keycloak's provider ids). */
export const OIDC_CLAIM_GROUP_MAPPER = "oidc-advanced-group-idp-mapper";
export const SAML_ATTRIBUTE_GROUP_MAPPER = "saml-advanced-group-idp-mapper";
/** Keycloak's HardcodedGroupMapper: compatible with every provider type despite its id. */
export const HARDCODED_GROUP_MAPPER = "oidc-hardcoded-group-idp-mapper";

export interface BrokeredMapper {
  /** The mapper's name in Keycloak (unique per provider). */
  name: string;
  /** Its index in the file's `mappers`. */
  index: number;
  /** The group of this repository the person gets. */
  group: string;
  /** `claim` (OIDC), `attribute` (SAML) or `everyone` (hardcoded). */
  kind: "claim" | "attribute" | "everyone";
  /** The claim or attribute name; null for `everyone`. */
  key: string | null;
  value: string | null;
  regex: boolean;
  syncMode: SyncMode;
  /** Keycloak's mapper type (identityProviderMapper). */
  keycloakType: string;
}

export interface BrokeredOidc {
  issuer: string | null;
  authorizationUrl: string;
  tokenUrl: string;
  jwksUrl: string | null;
  userInfoUrl: string | null;
  logoutUrl: string | null;
  clientId: string;
  clientAuthMethod: string;
  defaultScopes: string;
}

export interface BrokeredSaml {
  singleSignOnServiceUrl: string;
  entityId: string | null;
  singleLogoutServiceUrl: string | null;
  nameIdPolicyFormat: string;
  principalType: string;
  principalAttribute: string | null;
  signingCertificate: string | null;
  validateSignature: boolean;
  wantAssertionsSigned: boolean;
  postBindingResponse: boolean;
  postBindingAuthnRequest: boolean;
}

export interface BrokeredProvider {
  alias: string;
  type: "oidc" | "saml";
  displayName: string;
  enabled: boolean;
  trustEmail: boolean;
  storeToken: boolean;
  hideOnLoginPage: boolean;
  firstBrokerLoginFlow: string;
  syncMode: SyncMode;
  oidc: BrokeredOidc | null;
  saml: BrokeredSaml | null;
  mappers: BrokeredMapper[];
  description: string;
  file: string;
}
