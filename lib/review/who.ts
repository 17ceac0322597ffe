/**
 * `who`: the reverse of explain — every identity a request is allowed for, each with the decision `decideFor` (the
 * one decision of explain and the access tests) gives it. An identity the quarantine refuses after its scopes
 * allowed it is listed too, marked: its grant exists, the auth server refuses it (server.py `_enforce_rate_limit`).
 */
import type { AccessModel } from "../model/access-model";
import { REGISTRY_DEFAULTS } from "../registry/switches";
import type { AccessDecision, DecisionRequest } from "./decide";
import { authScopes } from "./effective-access";
import { declaredBlocks, decideFor } from "./explain";
import { requestTargetLimits, type TargetRateLimits } from "./rate-limit-identity";
import { reportIdentities, type ReportIdentity } from "./report-identities";

export interface WhoAnswer {
  identity: Omit<ReportIdentity, "resolved">;
  decision: AccessDecision;
}

export interface WhoResult {
  answers: WhoAnswer[];
  /** The identities decided, allowed or not. */
  decided: number;
  /** The target's own limits and quarantine (null where the limiter does not run). */
  target: TargetRateLimits | null;
}

export function whoIsAllowed(model: AccessModel, request: DecisionRequest): WhoResult {
  const docs = authScopes(model);
  const flags = model.registry ?? REGISTRY_DEFAULTS;
  const identities = reportIdentities(model, docs);
  const answers: WhoAnswer[] = [];
  for (const { resolved, ...identity } of identities) {
    const decision = decideFor(docs, resolved, request, flags, model.rateLimits, declaredBlocks(model));
    if (decision.allowed || decision.quarantine?.refuses) answers.push({ identity, decision });
  }
  return { answers, decided: identities.length, target: requestTargetLimits(model, request) };
}
