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
import { decide, DISABLED_DECISION, mcpCallOf, type AccessDecision, type DecisionRequest } from "./decide";
import { blockedDecision, findBlock, unreadBlocksNote, type KnownBlocks } from "../registry/tool-blocks";
import { authScopes } from "./effective-access";
import type { RateLimitModel } from "../model/rate-limit-types";
import { applyQuarantine, quarantineFacts } from "./rate-limit-quarantine";

/**
 * The one decision of explain and the access tests: the scopes' answer, the per-tool blocks over it (a block precedes
 * every grant), then the quarantine the auth server applies after authorisation (`rateLimits` and `blocks`: the
 * model's, and the registry's when read, so no form of an answer can leave them out). A disabled identity gets no
 * token: its request never reaches a rule.
 */
export function decideFor(
  docs: readonly ScopeForAuth[],
  identity: Pick<ResolvedIdentity, "groups" | "enabled" | "account">,
  request: DecisionRequest,
  flags: RegistryFlags,
  rateLimits: RateLimitModel | undefined,
  blocks: KnownBlocks,
): AccessDecision {
  const d = identity.enabled
    ? withBlocks(decide(docs, identity.groups, request, flags), request, blocks)
    : DISABLED_DECISION;
  return applyQuarantine(d, quarantineFacts(rateLimits, identity, request, proxyPrefixOf(flags)));
}

/** The blocks the model declares: what every offline answer honours (the registry's own are not read). */
export function declaredBlocks(model: AccessModel): KnownBlocks {
  return { blocks: model.toolBlocks ?? [], registryRead: false };
}

/**
 * registry/services/tool_blocks.py @ 50add746: tools/call of a blocked tool is refused (403) before any scope rule;
 * tools/list hides blocked tools. An answer on a tool says once what it assumes when the registry was not read.
 */
function withBlocks(d: AccessDecision, request: DecisionRequest, known: KnownBlocks): AccessDecision {
  const call = mcpCallOf(request);
  if (!call) return d;
  if (call.method === "tools/call" && call.tool !== undefined) {
    const block = findBlock(known.blocks, call.server, call.tool);
    if (block) return { ...d, ...blockedDecision(d, block, call.tool) };
    if (known.registryRead) return d;
    return { ...d, notes: [...(d.notes ?? []), unreadBlocksNote(call.server, call.tool)] };
  }
  if (call.method !== "tools/list" || !d.allowed) return d;
  const hidden = known.blocks.filter((b) => findBlock([b], call.server, b.tool)).map((b) => b.tool);
  if (!hidden.length) return d;
  return { ...d, notes: [...(d.notes ?? []), `tools/list hides the blocked tools: ${hidden.join(", ")}`] };
}

/** May this identity make this request? Throws UsageError (ERR_USAGE) for a name the definitions do not hold. */
export function explainRequest(model: AccessModel, identity: IdentityRef, request: DecisionRequest): AccessDecision {
  const who = resolveIdentity(model, identity);
  if (!who) {
    const name =
      "user" in identity ? `user "${identity.user}"` : "m2m" in identity ? `M2M account "${identity.m2m}"` : "";
    throw new UsageError(`the definitions have no ${name}`);
  }
  const flags = model.registry ?? REGISTRY_DEFAULTS;
  return decideFor(authScopes(model), who, request, flags, model.rateLimits, declaredBlocks(model));
}
