/**
 * What each identity may do, as readable grants: the basis of `explain` and of the per-identity `diff`.
 */
import type { AccessModel } from "../model/access-model";
import { isFrozenModel } from "../model/build";
import { renderRegistryDocuments } from "../render/documents";
import { confersAdmin, isWildcard } from "../registry/rules";
import { registrySeeds } from "../registry/seeds";
import { REGISTRY_DEFAULTS } from "../registry/switches";
import { scopeIndex, serverRules, type ScopeForAuth } from "../registry/evaluate";
import { agentGrants, distinctGrants, serverRuleGrants, type Grant } from "./grants";
import type { ToolBlock } from "../registry/tool-blocks";

export interface AuthScope extends ScopeForAuth {
  agent_access?: string[];
  /** A seed the registry holds but the stack does not render (modelled for decisions only). */
  seeded?: true;
}

export interface IdentityAccess {
  kind: "user" | "m2m";
  name: string;
  enabled: boolean;
  groups: string[];
  scopes: string[];
  /** Distinct, in the order of their text (`server currenttime: tool now`). */
  grants: Grant[];
  /** A mutating UI action granted "all": the registry treats the identity as an admin. */
  admin: boolean;
  /** The blocked tools its grants reach (by name or by a wildcard), as tool grants: access the blocks take away. */
  blocked: Grant[];
}

/** A grant that would let its holder call the blocked tool: the tool or every tool, of its server or every server. */
export function grantReachesTool(g: Grant, server: string, tool: string): boolean {
  if (g.kind !== "tool") return false;
  return (g.every.server || g.server === server) && (g.every.tool || g.tool === tool);
}

/**
 * Grants as the registry serves them with per-tool blocks (registry/services/tool_blocks.py @ 50add746): a grant
 * naming a blocked tool is no access (gone from `visible`), and every blocked tool the grants reach, by name or by
 * a wildcard, is listed in `blocked` as the tool grant the block takes away.
 */
export function applyToolBlocks(
  grants: readonly Grant[],
  blocks: readonly ToolBlock[],
): { visible: Grant[]; blocked: Array<{ grant: Grant; block: ToolBlock }> } {
  if (!blocks.length) return { visible: [...grants], blocked: [] };
  const named = new Set(blocks.map((b) => `${b.server}\u0000${b.tool}`));
  const visible = grants.filter(
    (g) => g.kind !== "tool" || g.every.server || g.every.tool || !named.has(`${g.server}\u0000${g.tool}`),
  );
  const blocked = blocks
    .filter((b) => grants.some((g) => grantReachesTool(g, b.server, b.tool)))
    .map((block) => ({
      grant: { kind: "tool", server: block.server, tool: block.tool, every: { server: false, tool: false } } as Grant,
      block,
    }));
  return { visible, blocked };
}

/**
 * The scope documents the auth server will see: the rendered ones, plus every seed the registry upserts on each
 * init run (scripts/init-mongodb-ce.py `_load_default_scopes`) that the stack does not render itself — so a
 * `registry-admins` member holds the two unrestricted scopes too (#1584), and `mcp-registry-admin` members theirs.
 * With the stack's group ids (Entra Object IDs), the mappings the stack writes. Rendered once per built model:
 * validate's review, guards and access tests, explain and diff all read the same list. Only a model `buildModel`
 * froze is kept (nothing in it can change); any other is rendered on each call.
 */
export function authScopes(
  model: AccessModel,
  groupObjectIds?: Readonly<Record<string, string>>,
): readonly AuthScope[] {
  if (groupObjectIds || !isFrozenModel(model)) return renderAuthScopes(model, groupObjectIds);
  let docs = RENDERED.get(model);
  if (!docs) RENDERED.set(model, (docs = renderAuthScopes(model)));
  return docs;
}

const RENDERED = new WeakMap<AccessModel, AuthScope[]>();

function renderAuthScopes(model: AccessModel, groupObjectIds?: Readonly<Record<string, string>>): AuthScope[] {
  const rendered = renderRegistryDocuments(model, groupObjectIds ? { groupObjectIds } : {});
  const docs: AuthScope[] = rendered.scopes.map((d) => ({
    _id: d._id,
    group_mappings: d.group_mappings,
    server_access: d.server_access,
    ui_permissions: d.ui_permissions ?? {},
    ...("agent_access" in d ? { agent_access: d.agent_access } : {}),
  }));
  for (const seed of registrySeeds(model.registry ?? REGISTRY_DEFAULTS)) {
    if (docs.some((d) => d._id === seed._id)) continue;
    const { _id, group_mappings, server_access } = seed;
    docs.push({ _id, group_mappings, server_access, ui_permissions: seed.ui_permissions ?? {}, seeded: true });
  }
  return docs;
}

/** The grants of a set of scope documents, and whether they make their holder a registry admin. */
export function grantsOf(docs: readonly AuthScope[]): { grants: Grant[]; admin: boolean } {
  const out: Grant[] = [];
  let admin = false;
  for (const doc of docs) {
    for (const r of serverRules(doc)) out.push(...serverRuleGrants(r));
    for (const e of doc.server_access) if ("agent" in e) out.push(...agentGrants(e.agent, e.actions));
    for (const action of doc.agent_access ?? [])
      out.push({ kind: "agent_access", action, every: { action: isWildcard(action) } });
    for (const [action, resources] of Object.entries(doc.ui_permissions ?? {})) {
      for (const resource of resources)
        out.push({ kind: "ui", action, resource, every: { resource: isWildcard(resource) } });
      if (confersAdmin(action, resources)) admin = true;
    }
  }
  return { grants: distinctGrants(out), admin };
}

export function identityAccess(model: AccessModel, docs: readonly AuthScope[] = authScopes(model)): IdentityAccess[] {
  // Each document's grants once, not once per identity holding it (the same grants, in the same order).
  const perDoc = new Map<AuthScope, { grants: Grant[]; admin: boolean; id: number }>();
  const of = (doc: AuthScope) => perDoc.get(doc) ?? perDoc.set(doc, { ...grantsOf([doc]), id: perDoc.size }).get(doc)!;
  // Identities holding the same scopes share their merged grants (many people are in the same few groups).
  const merged = new Map<string, Grant[]>();
  const mergedOf = (held: ReadonlyArray<{ g: { grants: Grant[]; id: number } }>): Grant[] => {
    const key = held.map((h) => h.g.id).join(",");
    return merged.get(key) ?? merged.set(key, distinctGrants(held.flatMap((h) => h.g.grants))).get(key)!;
  };
  const scopesForGroups = scopeIndex(docs);
  // Identities sharing their grants share what the blocks make of them too.
  const blocks = model.toolBlocks ?? [];
  const applied = new Map<Grant[], { visible: Grant[]; blocked: Grant[] }>();
  const blockedOf = (grants: Grant[]) => {
    let a = applied.get(grants);
    if (!a) {
      const r = applyToolBlocks(grants, blocks);
      applied.set(grants, (a = { visible: r.visible, blocked: r.blocked.map((b) => b.grant) }));
    }
    return a;
  };
  const one = (kind: "user" | "m2m", name: string, enabled: boolean, groups: string[]): IdentityAccess => {
    const held = scopesForGroups(groups).map((d) => ({ d, g: of(d) }));
    const { visible, blocked } = blockedOf(held.length === 1 ? held[0]!.g.grants : mergedOf(held));
    return {
      kind,
      name,
      enabled,
      groups: [...groups].sort(),
      scopes: held.map((h) => h.d._id).sort(),
      grants: visible,
      admin: held.some((h) => h.g.admin),
      blocked,
    };
  };
  return [
    ...model.users.map((u) => one("user", u.username, u.enabled, u.groups)),
    ...model.m2m.map((a) => one("m2m", a.name, a.enabled, a.groups)),
  ];
}
