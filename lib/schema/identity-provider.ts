/**
 * The format of `identity-providers/` files: one corporate identity provider brokered through the registry's
 * Keycloak realm (OIDC or SAML, said by which of `oidc:` / `saml:` it has) and its group mappers. Defaults are
 * those of upstream's guide (docs/idp/keycloak-identity-brokering.md, PR #1629, section 2B).
 */
import { z } from "zod";

/** Keycloak's sync modes; FORCE re-applies the mappers on every login (guide 2B, Step 1 notes). */
export const SYNC_MODES = ["FORCE", "IMPORT", "LEGACY"] as const;
export type SyncMode = (typeof SYNC_MODES)[number];

/** Keycloak's OIDC client authentication methods (its admin console's values). */
export const CLIENT_AUTH_METHODS = ["client_secret_post", "client_secret_basic", "client_secret_jwt"] as const;

const text = z.string().min(1);
const url = z.string().regex(/^https?:\/\/[^\s]+$/, { error: "must be an http(s) URL" });

export const OidcSettings = z
  .strictObject({
    issuer: url
      .optional()
      .describe("the provider's issuer (iss of its tokens), e.g. https://login.microsoftonline.com/<tenant>/v2.0"),
    authorization_url: url.describe("its authorization endpoint"),
    token_url: url.describe("its token endpoint"),
    jwks_url: url.optional().describe("its JWKS endpoint: the ID tokens' signatures are checked against it"),
    user_info_url: url.optional().describe("its userinfo endpoint (optional)"),
    logout_url: url.optional().describe("its end-session endpoint (optional)"),
    client_id: text.describe("the client (application) id registered at the provider for this Keycloak"),
    client_auth_method: z
      .enum(CLIENT_AUTH_METHODS)
      .optional()
      .describe("default client_secret_post, as upstream's guide"),
    default_scopes: text.optional().describe('default "openid profile email", as upstream\'s guide'),
  })
  .describe(
    "An OIDC provider (Entra ID, Okta, Cognito, another Keycloak...); its client secret comes from the stack's " +
      "secret config identityProviderSecrets, never from this file",
  );

export const SamlSettings = z
  .strictObject({
    single_sign_on_service_url: url.describe("the provider's SAML SSO endpoint"),
    entity_id: text
      .optional()
      .describe("this Keycloak's SP entity id as registered at the provider (default the realm URL)"),
    single_logout_service_url: url.optional(),
    name_id_policy_format: z
      .enum([
        "Persistent",
        "Transient",
        "Email",
        "Kerberos",
        "X.509 Subject Name",
        "Windows Domain Qualified Name",
        "Unspecified",
      ])
      .optional()
      .describe("default Persistent"),
    principal_type: z.enum(["SUBJECT", "ATTRIBUTE", "FRIENDLY_ATTRIBUTE"]).optional().describe("default SUBJECT"),
    principal_attribute: text.optional().describe("with principal_type ATTRIBUTE or FRIENDLY_ATTRIBUTE"),
    signing_certificate: text.optional().describe("the provider's signing certificate (PEM body, public)"),
    validate_signature: z.boolean().optional().describe("default true when signing_certificate is given"),
    want_assertions_signed: z.boolean().optional(),
    post_binding_response: z.boolean().optional().describe("default true"),
    post_binding_authn_request: z.boolean().optional().describe("default true"),
  })
  .describe("A SAML provider; needs no client secret");

export const GroupMapper = z
  .strictObject({
    group: text.describe("the group the person gets: a group of groups/ (or an existing / bootstrap group)"),
    claim: text
      .optional()
      .describe(
        "OIDC: the claim to match (default groups); a path, each unescaped . one level down: a\\.b is the claim a.b",
      ),
    attribute: text.optional().describe("SAML: the attribute to match (e.g. memberOf or a group attribute name)"),
    value: text.optional().describe("the value the claim or attribute must hold (one of its values for a list)"),
    regex: z
      .boolean()
      .optional()
      .describe(
        "value is a regular expression (Java syntax, RE2 subset) matched against the whole value (default false)",
      ),
    everyone: z
      .literal(true)
      .optional()
      .describe("every person from this provider gets the group (hardcoded-group mapper)"),
    name: text.optional().describe("the mapper's name in Keycloak (default derived from the group and the value)"),
    acknowledge_everyone_admin: z
      .literal(true)
      .optional()
      .describe(
        "with everyone: true (or a regex matching every value) into a group that makes its members registry " +
          "admins: yes, every person of this provider is meant to be an admin (otherwise an error)",
      ),
    sync_mode: z
      .enum(SYNC_MODES)
      .optional()
      .describe("default FORCE: group removed at the next login once the value is gone"),
  })
  .describe("An upstream claim or attribute value -> one group of this repository");

export const IdentityProviderDefinition = z
  .strictObject({
    alias: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]*$/, {
        error: "must be lower-case letters, digits, - or _ (it is part of the redirect URI)",
      })
      .max(64)
      .describe(
        "the Keycloak alias; the redirect URI to register upstream is " +
          "<keycloak>/realms/<realm>/broker/<alias>/endpoint",
      ),
    display_name: text.optional().describe("the login button's text"),
    enabled: z.boolean().optional().describe("default true"),
    trust_email: z.boolean().optional().describe("default true, as upstream's guide"),
    store_token: z.boolean().optional().describe("default false, as upstream's guide"),
    hide_on_login_page: z.boolean().optional().describe("default false"),
    first_broker_login_flow: text.optional().describe('default "first broker login"'),
    sync_mode: z.enum(SYNC_MODES).optional().describe("default FORCE, as upstream's guide"),
    oidc: OidcSettings.optional(),
    saml: SamlSettings.optional(),
    mappers: z.array(GroupMapper).optional().describe("which groups a person from this provider gets; none: no access"),
    description: z.string().optional().describe("for reviewers; not applied"),
  })
  .describe("A corporate identity provider brokered through the registry's Keycloak realm");

export type OidcSettings = z.infer<typeof OidcSettings>;
export type SamlSettings = z.infer<typeof SamlSettings>;
export type GroupMapper = z.infer<typeof GroupMapper>;
export type IdentityProviderDefinition = z.infer<typeof IdentityProviderDefinition>;
