/**
 * What each identity may do, as readable grants: the basis of `explain` and of the per-identity `diff`.
 */
import type { AccessModel } from "./model";
import { renderBootstrapAdminScope, renderRegistryDocuments } from "./registry-documents";
import { BOOTSTRAP_ADMIN_GROUP, confersAdmin, isWildcard, stripSlashes } from "./registry-rules";
import { scopesForGroups, serverRules, type ScopeForAuth } from "./evaluate";

export interface AuthScope extends ScopeForAuth {
  agent_access?: string[];
}

export interface IdentityAccess {
  kind: "user" | "m2m";
  name: string;
  enabled: boolean;
  groups: string[];
  scopes: string[];
  /** Sorted, one line per grant, e.g. `server currenttime: tool now`. */
  grants: string[];
  /** A mutating UI action granted "all": the registry treats the identity as an admin. */
  admin: boolean;
}

/**
 * The scope documents the auth server will see: the rendered ones, plus the bootstrap admin scope when the
 * stack manages it or relies on the registry having seeded it (registry-admins referenced as existing).
 */
export function authScopes(model: AccessModel): AuthScope[] {
  const docs: AuthScope[] = renderRegistryDocuments(model).scopes.map((d) => ({
    _id: d._id,
    group_mappings: d.group_mappings,
    server_access: d.server_access,
    ui_permissions: d.ui_permissions,
    ...("agent_access" in d ? { agent_access: d.agent_access } : {}),
  }));
  if (!model.bootstrap && model.externalGroups.includes(BOOTSTRAP_ADMIN_GROUP) && !docs.some((d) => d._id === BOOTSTRAP_ADMIN_GROUP)) {
    const admin = renderBootstrapAdminScope();
    docs.push({ _id: admin._id, group_mappings: admin.group_mappings, server_access: admin.server_access, ui_permissions: admin.ui_permissions });
  }
  return docs;
}

const every = (list: readonly string[] | "*" | undefined) => list === "*" || (Array.isArray(list) && list.some(isWildcard));

/** The grants of a set of scope documents, as sorted lines. */
export function grantsOf(docs: readonly AuthScope[]): { grants: string[]; admin: boolean } {
  const out = new Set<string>();
  let admin = false;
  for (const doc of docs) {
    for (const r of serverRules(doc)) {
      const server = r.server === "*" ? "every server (*)" : stripSlashes(r.server);
      if (every(r.methods)) out.add(`server ${server}: every method`);
      else for (const m of r.methods) out.add(`server ${server}: method ${m}`);
      if (every(r.tools)) out.add(`server ${server}: every tool`);
      else if (Array.isArray(r.tools)) for (const t of r.tools) out.add(`server ${server}: tool ${t}`);
    }
    for (const e of doc.server_access) {
      if ("agent" in e) for (const a of e.actions) out.add(`agent ${isWildcard(e.agent) ? "every agent (*)" : e.agent}: ${a}`);
    }
    for (const a of doc.agent_access ?? []) out.add(`agent access: ${a}`);
    for (const [action, resources] of Object.entries(doc.ui_permissions ?? {})) {
      for (const r of resources) out.add(`ui ${action}: ${r}`);
      if (confersAdmin(action, resources)) admin = true;
    }
  }
  return { grants: [...out].sort(), admin };
}

export function identityAccess(model: AccessModel, docs: readonly AuthScope[] = authScopes(model)): IdentityAccess[] {
  const one = (kind: "user" | "m2m", name: string, enabled: boolean, groups: string[]): IdentityAccess => {
    const held = scopesForGroups(docs, groups);
    return { kind, name, enabled, groups: [...groups].sort(), scopes: held.map((d) => d._id).sort(), ...grantsOf(held) };
  };
  return [
    ...model.users.map((u) => one("user", u.username, u.enabled, u.groups)),
    ...model.m2m.map((a) => one("m2m", a.name, a.enabled, a.groups)),
  ];
}

/** Grants that open everything: wildcard servers, methods or tools, every agent. */
export function isWildcardGrant(grant: string): boolean {
  return /every (server|method|tool|agent)|: all$|: \*$/.test(grant);
}
