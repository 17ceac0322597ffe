/** Naming rules the identity providers and the registry impose, with messages that say how to comply. */

/** Keycloak lower-cases usernames; Entra builds the UPN from them. Letters, digits and . _ - @ only. */
const USERNAME = /^[a-z0-9][a-z0-9._@-]*$/;
/** Client ids double as Keycloak service-account usernames (`service-account-<id>`, lower-cased). */
const M2M_NAME = /^[a-z0-9][a-z0-9._-]*$/;
/** Scope names: the registry's own use slashes (`mcp-servers-unrestricted/read`). */
const SCOPE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:\/-]*$/;

export const SERVICE_ACCOUNT_PREFIX = "service-account-";
export const MAX_NAME_LENGTH = 255;

export function usernameProblem(name: string): string | null {
  if (name.length > MAX_NAME_LENGTH) return `username is longer than ${MAX_NAME_LENGTH} characters`;
  if (name !== name.toLowerCase() && USERNAME.test(name.toLowerCase())) {
    return `username "${name}" has upper-case letters; Keycloak stores usernames lower-case, so write "${name.toLowerCase()}"`;
  }
  if (!USERNAME.test(name)) {
    return `username "${name}" has characters the identity provider refuses; use lower-case letters, digits and . _ - @, starting with a letter or digit`;
  }
  if (name.startsWith(SERVICE_ACCOUNT_PREFIX)) {
    return `username "${name}" starts with "${SERVICE_ACCOUNT_PREFIX}", which Keycloak reserves for M2M service-account users; choose another name`;
  }
  return null;
}

export function m2mNameProblem(name: string): string | null {
  if (name.length > MAX_NAME_LENGTH) return `name is longer than ${MAX_NAME_LENGTH} characters`;
  if (name !== name.toLowerCase() && M2M_NAME.test(name.toLowerCase())) {
    return `M2M name "${name}" has upper-case letters; its Keycloak service-account user is lower-cased, so write "${name.toLowerCase()}"`;
  }
  if (!M2M_NAME.test(name)) {
    return `M2M name "${name}" has characters a client id may not use here; use lower-case letters, digits and . _ -, starting with a letter or digit`;
  }
  return null;
}

export function scopeNameProblem(name: string, createInIdp: boolean): string | null {
  if (name.length > MAX_NAME_LENGTH) return `scope_name is longer than ${MAX_NAME_LENGTH} characters`;
  if (!SCOPE_NAME.test(name)) {
    return `scope_name "${name}" has characters the registry and identity providers refuse; use letters, digits and . _ - : /`;
  }
  if (createInIdp && name.includes("/")) {
    return `scope_name "${name}" contains "/", which Keycloak reads as a group path separator; rename it, or set create_in_idp: false and map it with group_mappings`;
  }
  return null;
}
