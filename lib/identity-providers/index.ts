export * from "./schema";
export * from "./types";
export {
  buildIdentityProviders,
  loadIdentityProviderFiles,
  loadIdentityProviders,
  GUIDE_DEFAULTS,
  type LoadedIdentityProviders,
} from "./model";
export { withIdentityProviders } from "./check";
export { brokeredGroups, mapperText, type BrokeredGroups, type Claims, type MapperOutcome } from "./claims";
export {
  diffIdentityProviders,
  identityProviderMarkdown,
  type BrokeredGroupChange,
  type BrokeredProviderChange,
  type IdentityProviderDiff,
} from "./diff";
export { importIdentityProviders, type IdentityProviderSnapshot, type SnapshotIdentityProvider } from "./import";
export { mapperKeycloakConfig, renderIdentityProviders, type KeycloakIdentityProviderBody } from "./render";
