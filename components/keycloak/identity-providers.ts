/**
 * BrokeredIdentityProviders: the corporate identity providers of `identity-providers/` as Keycloak identity
 * providers (OIDC or SAML) in the registry's realm, and one mapper per (upstream value -> group) pair, as upstream's
 * guide configures them by hand (docs/idp/keycloak-identity-brokering.md, PR #1629, section 2B Steps 1 and 2).
 * Client secrets come from the stack's secret config and stay Pulumi secrets (never plain in the state).
 */
import { createHash } from "node:crypto";
import * as keycloak from "@pulumi/keycloak";
import * as pulumi from "@pulumi/pulumi";
import { mapperKeycloakConfig, RESOURCE_NAMES, type BrokeredProvider } from "../../lib";
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

type DeclaredProvider = pulumi.CustomResource & { alias: pulumi.Output<string>; internalId: pulumi.Output<string> };

/** What every object of one BrokeredIdentityProviders shares. */
interface ProvidersContext {
  name: string;
  args: BrokeredIdentityProvidersArgs;
  adoption: IdentityProviderAdoption;
  kc: pulumi.CustomResourceOptions;
}

/** The arguments OIDC and SAML providers share. */
function commonArgs(args: BrokeredIdentityProvidersArgs, p: BrokeredProvider) {
  return {
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
}

/** The options of a provider: imported (with Keycloak's defaults kept for this run) when adopted. */
function providerOptions({ adoption, kc }: ProvidersContext, alias: string): pulumi.CustomResourceOptions {
  const importId = adoption.providers[alias];
  return { ...kc, ...(importId ? { import: importId, ignoreChanges: ADOPTED_IGNORES } : {}) };
}

function oidcProvider(ctx: ProvidersContext, p: BrokeredProvider): DeclaredProvider {
  const o = p.oidc!;
  const alias = p.alias;
  // Checked before any resource is declared (program.ts): here a missing secret cannot happen.
  const plain = ctx.args.secrets.apply((s) => s?.[alias] ?? "");
  // Write-only: Keycloak gets it, the provider keeps it out of its state; a new secret, a new version.
  return new keycloak.oidc.IdentityProvider(
    RESOURCE_NAMES.keycloak.provider(ctx.name, p.alias),
    {
      ...commonArgs(ctx.args, p),
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
    { ...providerOptions(ctx, alias), additionalSecretOutputs: ["clientSecret", "clientSecretWoVersion"] },
  );
}

function samlProvider(ctx: ProvidersContext, p: BrokeredProvider): DeclaredProvider {
  const s = p.saml!;
  return new keycloak.saml.IdentityProvider(
    RESOURCE_NAMES.keycloak.provider(ctx.name, p.alias),
    {
      ...commonArgs(ctx.args, p),
      singleSignOnServiceUrl: s.singleSignOnServiceUrl,
      // Keycloak's own default SP entity id: the realm's URL.
      entityId: s.entityId ?? ctx.args.realmUrl,
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
    providerOptions(ctx, p.alias),
  );
}

function providerMappers(ctx: ProvidersContext, p: BrokeredProvider, idp: DeclaredProvider): void {
  for (const m of p.mappers) {
    new keycloak.CustomIdentityProviderMapping(
      RESOURCE_NAMES.keycloak.providerMapper(ctx.name, p.alias, m.name),
      {
        realm: ctx.args.realm,
        identityProviderAlias: idp.alias,
        name: m.name,
        identityProviderMapper: m.keycloakType,
        extraConfig: mapperConfig(m),
      },
      { ...ctx.kc, import: ctx.adoption.mappers[idpMapperKey(p.alias, m.name)] },
    );
  }
}

export class BrokeredIdentityProviders extends pulumi.ComponentResource {
  /** Alias -> the provider's internal id. */
  readonly providers: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: BrokeredIdentityProvidersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mcp-gateway-access:keycloak:BrokeredIdentityProviders", name, {}, opts);
    const ctx: ProvidersContext = {
      name,
      args,
      adoption: args.adoption ?? NO_IDP_ADOPTION,
      kc: { parent: this, hooks: args.hooks },
    };
    for (const p of args.providers) {
      const idp = p.oidc ? oidcProvider(ctx, p) : samlProvider(ctx, p);
      this.providers[p.alias] = idp.internalId;
      providerMappers(ctx, p, idp);
    }
    this.registerOutputs({ providers: this.providers });
  }
}
