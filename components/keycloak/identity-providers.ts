/**
 * BrokeredIdentityProviders: the corporate identity providers of `identity-providers/` as Keycloak identity
 * providers (OIDC or SAML) in the registry's realm, and one mapper per (upstream value -> group) pair, as upstream's
 * guide configures them by hand (docs/idp/keycloak-identity-brokering.md, PR #1629, section 2B Steps 1 and 2).
 * Client secrets come from the stack's secret config and stay Pulumi secrets (never plain in the state).
 */
import { createHash } from "node:crypto";
import * as keycloak from "@pulumi/keycloak";
import * as pulumi from "@pulumi/pulumi";
import { mapperKeycloakConfig, type BrokeredProvider } from "../../lib";
import { idpMapperKey, NO_IDP_ADOPTION, type IdentityProviderAdoption } from "./identity-provider-adoption";

export interface BrokeredIdentityProvidersArgs {
  /** The realm's name (its id in Keycloak). */
  realm: pulumi.Input<string>;
  /** The realm's URL, e.g. https://auth.example.com/realms/mcp-gateway. */
  realmUrl: string;
  providers: readonly BrokeredProvider[];
  /** Stack config secret `identityProviderSecrets`: alias -> client secret. */
  secrets: pulumi.Output<Readonly<Record<string, string>> | undefined>;
  hooks?: pulumi.ResourceHookBinding;
  /** Providers and mappers that exist in the realm but not in the state: imported instead of created. */
  adoption?: IdentityProviderAdoption;
}

/**
 * On the run that adopts a provider, settings the definitions leave to Keycloak's defaults are kept as Keycloak has
 * them (an import must match what it reads); the next run sets the declared ones.
 */
const ADOPTED_IGNORES = ["extraConfig", "guiOrder", "loginHint", "uiLocales", "postBrokerLoginFlowAlias"];

/** A secret's version for Keycloak's write-only argument: changes when the secret does (itself kept secret). */
function secretVersion(secret: string): string {
  return createHash("sha256").update(secret).digest("hex").slice(0, 16);
}

/** Providers that authenticate to their IdP with a client secret: every OIDC one. */
export function providersNeedingSecrets(providers: readonly BrokeredProvider[]): string[] {
  return providers.filter((p) => p.type === "oidc").map((p) => p.alias);
}

/** The mapper's Keycloak config (upstream's guide, Step 2): the same as `render --identity-providers` shows. */
export const mapperConfig = mapperKeycloakConfig;

export class BrokeredIdentityProviders extends pulumi.ComponentResource {
  /** Alias -> the provider's internal id. */
  readonly providers: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: BrokeredIdentityProvidersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mcp-gateway-access:keycloak:BrokeredIdentityProviders", name, {}, opts);
    const kc: pulumi.CustomResourceOptions = { parent: this, hooks: args.hooks };
    const adoption = args.adoption ?? NO_IDP_ADOPTION;
    for (const p of args.providers) {
      const importId = adoption.providers[p.alias];
      const adopted: pulumi.CustomResourceOptions = importId
        ? { import: importId, ignoreChanges: ADOPTED_IGNORES }
        : {};
      const common = {
        realm: args.realm,
        alias: p.alias,
        displayName: p.displayName,
        enabled: p.enabled,
        trustEmail: p.trustEmail,
        storeToken: p.storeToken,
        hideOnLoginPage: p.hideOnLoginPage,
        firstBrokerLoginFlowAlias: p.firstBrokerLoginFlow,
        syncMode: p.syncMode,
      };
      let idp: pulumi.CustomResource & { alias: pulumi.Output<string>; internalId: pulumi.Output<string> };
      if (p.oidc) {
        const o = p.oidc;
        const alias = p.alias;
        // Checked before any resource is declared (program.ts): here a missing secret cannot happen.
        const plain = args.secrets.apply((s) => s?.[alias] ?? "");
        // Write-only: Keycloak gets it, the provider keeps it out of its state; a new secret, a new version.
        idp = new keycloak.oidc.IdentityProvider(
          `${name}-${p.alias}`,
          {
            ...common,
            authorizationUrl: o.authorizationUrl,
            tokenUrl: o.tokenUrl,
            clientId: o.clientId,
            clientSecretWo: pulumi.secret(plain),
            clientSecretWoVersion: pulumi.secret(plain.apply(secretVersion)),
            defaultScopes: o.defaultScopes,
            ...(o.issuer ? { issuer: o.issuer } : {}),
            ...(o.jwksUrl ? { jwksUrl: o.jwksUrl } : {}),
            ...(o.userInfoUrl ? { userInfoUrl: o.userInfoUrl } : {}),
            ...(o.logoutUrl ? { logoutUrl: o.logoutUrl } : {}),
            // The ID token's signature is checked when the provider's keys are known (upstream: useJwksUrl).
            validateSignature: o.jwksUrl !== null,
            extraConfig: { clientAuthMethod: o.clientAuthMethod },
          },
          { ...kc, ...adopted, additionalSecretOutputs: ["clientSecret", "clientSecretWoVersion"] },
        );
      } else {
        const s = p.saml!;
        idp = new keycloak.saml.IdentityProvider(
          `${name}-${p.alias}`,
          {
            ...common,
            singleSignOnServiceUrl: s.singleSignOnServiceUrl,
            // Keycloak's own default SP entity id: the realm's URL.
            entityId: s.entityId ?? args.realmUrl,
            ...(s.singleLogoutServiceUrl ? { singleLogoutServiceUrl: s.singleLogoutServiceUrl } : {}),
            nameIdPolicyFormat: s.nameIdPolicyFormat,
            principalType: s.principalType,
            ...(s.principalAttribute ? { principalAttribute: s.principalAttribute } : {}),
            ...(s.signingCertificate ? { signingCertificate: s.signingCertificate } : {}),
            validateSignature: s.validateSignature,
            wantAssertionsSigned: s.wantAssertionsSigned,
            postBindingResponse: s.postBindingResponse,
            postBindingAuthnRequest: s.postBindingAuthnRequest,
          },
          { ...kc, ...adopted },
        );
      }
      this.providers[p.alias] = idp.internalId;
      for (const m of p.mappers) {
        new keycloak.CustomIdentityProviderMapping(
          `${name}-${p.alias}-mapper-${m.name}`,
          {
            realm: args.realm,
            identityProviderAlias: idp.alias,
            name: m.name,
            identityProviderMapper: m.keycloakType,
            extraConfig: mapperConfig(m),
          },
          { ...kc, import: adoption.mappers[idpMapperKey(p.alias, m.name)] },
        );
      }
    }
    this.registerOutputs({ providers: this.providers });
  }
}
