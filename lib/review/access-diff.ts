/**
 * What a change does to access, per identity: the grants each person or agent gains and loses between two
 * access models, new and removed identities and groups, and the privileged changes reviewers must see first.
 */
import { flippedExpectations, runAccessTests, type ExpectationFlip } from "./access-test-run";
import type { Located } from "../load/definitions";
import type { AccessModel } from "../model/access-model";
import type { AccessTest } from "../schema";
import { grantReachesTool, identityAccess, type IdentityAccess } from "./effective-access";
import type { ToolBlock } from "../registry/tool-blocks";
import { grantText, isWildcardGrant, type Grant } from "./grants";
import { BOOTSTRAP_ADMIN_GROUP } from "../registry/rules";
import { diffRateLimits, type RateLimitChange } from "./rate-limit-diff";
import { callerRateLimits } from "./rate-limit-identity";
import { diffIdentityProviders, type IdentityProviderDiff } from "./identity-provider-diff";

export interface IdentityChange {
  kind: "user" | "m2m";
  name: string;
  status: "added" | "removed" | "changed";
  gained: Grant[];
  lost: Grant[];
  groupsAdded: string[];
  groupsRemoved: string[];
  adminBefore: boolean;
  adminAfter: boolean;
  enabledBefore: boolean | null;
  enabledAfter: boolean | null;
  /**
   * In `quarantine-callers` before / after: the auth server refuses every MCP and A2A request of a quarantined
   * caller whatever it is granted (server.py `_enforce_rate_limit`), so its grants are not access.
   */
  quarantinedBefore: boolean;
  quarantinedAfter: boolean;
  /** Why this change is privileged (admin, wildcard, admin group); empty when it is not. */
  privileged: string[];
}

export interface GroupChange {
  name: string;
  status: "added" | "removed" | "changed";
  /** Fields of the scope document that changed. */
  fields: string[];
}

export interface AccessDiff {
  /** Rate-limit and quarantine changes per identity and target (rate-limits/); absent when there are none. */
  rateLimits?: RateLimitChange[];
  /** Brokered access per mapped group and provider changes (identity-providers/); absent when there are none. */
  identityProviders?: IdentityProviderDiff;
  /** Tool blocks added and removed (tool-blocks/); absent when there are none. */
  toolBlocks?: { added: ToolBlock[]; removed: ToolBlock[] };
  identities: IdentityChange[];
  groups: GroupChange[];
  /** Access-test expectations the change breaks or makes hold (the head's tests, run against both models). */
  expectations: ExpectationFlip[];
}

const minus = (a: readonly string[], b: readonly string[]) => {
  const s = new Set(b);
  return a.filter((x) => !s.has(x));
};

/**
 * Grants of `a` that `b` does not hold (grants are equal when they read the same). `text` is grantText, kept per
 * grant object: identities share their grant objects, so each is turned into text once, not once per identity.
 */
const grantsMinus = (a: readonly Grant[], b: readonly Grant[], text: (g: Grant) => string) => {
  if (!a.length) return [];
  const s = new Set(b.map(text));
  return a.filter((g) => !s.has(text(g)));
};

function cachedGrantText(): (g: Grant) => string {
  const texts = new Map<Grant, string>();
  return (g) => texts.get(g) ?? texts.set(g, grantText(g)).get(g)!;
}

function privilegedReasons(c: Omit<IdentityChange, "privileged">): string[] {
  const why: string[] = [];
  if (c.adminAfter && !c.adminBefore) why.push("becomes a registry admin");
  if (c.adminBefore && !c.adminAfter) why.push("stops being a registry admin");
  if (c.groupsAdded.includes(BOOTSTRAP_ADMIN_GROUP)) why.push(`joins ${BOOTSTRAP_ADMIN_GROUP}`);
  if (c.groupsRemoved.includes(BOOTSTRAP_ADMIN_GROUP)) why.push(`leaves ${BOOTSTRAP_ADMIN_GROUP}`);
  const wild = c.gained.filter(isWildcardGrant);
  if (wild.length) why.push(`gains wildcard access (${wild.map(grantText).join("; ")})`);
  return why;
}

function fieldsChanged(a: object, b: object): string[] {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  return [...new Set([...Object.keys(x), ...Object.keys(y)])]
    .filter((k) => !["file", "fromShorthand"].includes(k) && JSON.stringify(x[k]) !== JSON.stringify(y[k]))
    .sort();
}

/** Whether the model quarantines this user or M2M account (rate-limits/). */
function quarantined(model: AccessModel, i: Pick<IdentityAccess, "kind" | "name">): boolean {
  return callerRateLimits(model, i.kind === "user" ? { user: i.name } : { m2m: i.name }).quarantined;
}

/**
 * What blocks take away or give back: a blocked tool the identity reached before (unblocked) and now cannot call is
 * lost, and the reverse gained, whether its grant named the tool or was a wildcard. A tool grant that only the
 * block changed is a loss or gain like any other.
 */
function blockChanges(
  b: IdentityAccess | undefined,
  a: IdentityAccess | undefined,
  text: (g: Grant) => string,
): { lost: Grant[]; gained: Grant[] } {
  const reach = (i: IdentityAccess | undefined) => (g: Grant) =>
    !!i?.enabled && g.kind === "tool" && i.grants.some((x) => grantReachesTool(x, g.server, g.tool));
  const blockedNow = a?.enabled ? a.blocked : [];
  const blockedThen = b?.enabled ? b.blocked : [];
  return {
    lost: grantsMinus(blockedNow, blockedThen, text).filter(reach(b)),
    gained: grantsMinus(blockedThen, blockedNow, text).filter(reach(a)),
  };
}

/** Grants of both lists, each text once. */
const union = (x: readonly Grant[], y: readonly Grant[], text: (g: Grant) => string) => [
  ...x,
  ...grantsMinus(y, x, text),
];

/** Blocks of `x` whose server and tool `y` does not block. */
function blocksMinus(x: readonly ToolBlock[], y: readonly ToolBlock[]): ToolBlock[] {
  const k = (b: ToolBlock) => `${b.server}\u0000${b.tool}`;
  const held = new Set(y.map(k));
  return x.filter((b) => !held.has(k(b)));
}

export function diffAccess(
  base: AccessModel,
  head: AccessModel,
  tests: readonly Located<AccessTest>[] = [],
): AccessDiff {
  const key = (i: IdentityAccess) => `${i.kind}:${i.name}`;
  const before = new Map(identityAccess(base).map((i) => [key(i), i]));
  const after = new Map(identityAccess(head).map((i) => [key(i), i]));
  const identities: IdentityChange[] = [];
  const text = cachedGrantText();
  for (const k of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const b = before.get(k);
    const a = after.get(k);
    const any = (a ?? b)!;
    const grantsBefore = b && b.enabled ? b.grants : [];
    const grantsAfter = a && a.enabled ? a.grants : [];
    const blocked = blockChanges(b, a, text);
    const change = {
      kind: any.kind,
      name: any.name,
      status: (!b ? "added" : !a ? "removed" : "changed") as IdentityChange["status"],
      gained: union(grantsMinus(grantsAfter, grantsBefore, text), blocked.gained, text),
      lost: union(grantsMinus(grantsBefore, grantsAfter, text), blocked.lost, text),
      groupsAdded: minus(a?.groups ?? [], b?.groups ?? []),
      groupsRemoved: minus(b?.groups ?? [], a?.groups ?? []),
      adminBefore: !!b?.admin && !!b?.enabled,
      adminAfter: !!a?.admin && !!a?.enabled,
      enabledBefore: b ? b.enabled : null,
      enabledAfter: a ? a.enabled : null,
      quarantinedBefore: quarantined(base, any),
      quarantinedAfter: quarantined(head, any),
    };
    const unchanged =
      change.status === "changed" &&
      !change.gained.length &&
      !change.lost.length &&
      !change.groupsAdded.length &&
      !change.groupsRemoved.length &&
      change.enabledBefore === change.enabledAfter &&
      change.quarantinedBefore === change.quarantinedAfter;
    if (!unchanged) identities.push({ ...change, privileged: privilegedReasons(change) });
  }
  const gb = new Map(base.groups.map((g) => [g.name, g]));
  const ga = new Map(head.groups.map((g) => [g.name, g]));
  const groups: GroupChange[] = [];
  for (const name of [...new Set([...gb.keys(), ...ga.keys()])].sort()) {
    const b = gb.get(name);
    const a = ga.get(name);
    if (!b) groups.push({ name, status: "added", fields: [] });
    else if (!a) groups.push({ name, status: "removed", fields: [] });
    else {
      const fields = fieldsChanged(b, a);
      if (fields.length) groups.push({ name, status: "changed", fields });
    }
  }
  const expectations = tests.length
    ? flippedExpectations(runAccessTests(base, tests).results, runAccessTests(head, tests).results)
    : [];
  const rateLimits = diffRateLimits(base, head);
  const brokered = diffIdentityProviders(base, head);
  const brokeredChanged = brokered.groups.length || brokered.providers.length;
  const added = blocksMinus(head.toolBlocks ?? [], base.toolBlocks ?? []);
  const removed = blocksMinus(base.toolBlocks ?? [], head.toolBlocks ?? []);
  return {
    identities,
    groups,
    expectations,
    ...(rateLimits.length ? { rateLimits } : {}),
    ...(brokeredChanged ? { identityProviders: brokered } : {}),
    ...(added.length || removed.length ? { toolBlocks: { added, removed } } : {}),
  };
}
