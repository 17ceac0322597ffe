/**
 * `explain` as one call: an identity of the definitions (a user, an M2M account, or bare groups) and a request,
 * decided against the scope documents the auth server will see, under the model's registry switches. The CLI's
 * `explain` and the access tests decide through `decideFor`, so the library, the command and the tests agree.
 */
import type { AccessModel } from "../model/access-model";
import { resolveIdentity, type IdentityRef, type ResolvedIdentity } from "../model/identities";
import type { ScopeForAuth } from "../registry/evaluate";
import { proxyPrefixOf, REGISTRY_DEFAULTS, type RegistryFlags } from "../registry/switches";
import { UsageError } from "../errors/errors";
import { decide, DISABLED_DECISION, type AccessDecision, type DecisionRequest } from "./decide";
import { authScopes } from "./effective-access";
import type { RateLimitModel } from "../model/rate-limit-types";
import { applyQuarantine, quarantineFacts } from "./rate-limit-quarantine";

/**
 * The one decision of explain and the access tests: the scopes' answer, then the quarantine the auth server applies
 * after authorisation (`rateLimits`: the model's, so no form of an answer can leave the quarantine out). A disabled
 * identity gets no token: its request never reaches a rule.
 */
export function decideFor(
  docs: readonly ScopeForAuth[],
  identity: Pick<ResolvedIdentity, "groups" | "enabled" | "account">,
  request: DecisionRequest,
  flags: RegistryFlags,
  rateLimits: RateLimitModel | undefined,
): AccessDecision {
  const d = identity.enabled ? decide(docs, identity.groups, request, flags) : DISABLED_DECISION;
  return applyQuarantine(d, quarantineFacts(rateLimits, identity, request, proxyPrefixOf(flags)));
}

/** May this identity make this request? Throws UsageError (ERR_USAGE) for a name the definitions do not hold. */
export function explainRequest(model: AccessModel, identity: IdentityRef, request: DecisionRequest): AccessDecision {
  const who = resolveIdentity(model, identity);
  if (!who) {
    const name =
      "user" in identity ? `user "${identity.user}"` : "m2m" in identity ? `M2M account "${identity.m2m}"` : "";
    throw new UsageError(`the definitions have no ${name}`);
  }
  return decideFor(authScopes(model), who, request, model.registry ?? REGISTRY_DEFAULTS, model.rateLimits);
}
