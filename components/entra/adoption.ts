/**
 * Adoption on Entra ID, as components/keycloak/adoption.ts does it on Keycloak: the objects this stack declares
 * that exist in the tenant but are missing from the stack's state are imported (Pulumi's `import` option)
 * instead of created — groups (by the Object ID the definition keeps in `group_mappings`, else by display
 * name), users (by UPN), M2M applications and their service principals (by display name), and memberships of
 * adopted principals. Client secrets cannot be adopted: Entra never returns a secret's value, so an adopted
 * application gets one new secret (its existing ones keep working until they expire).
 */
import type { StateResource } from "../../clients/stack-state";
import type { EntraDirectory } from "../../clients/graph";

export interface DeclaredEntraObjects {
  /** Groups the stack creates: name → the Object ID its definition lists in group_mappings, if any. */
  groups: Readonly<Record<string, string | undefined>>;
  /** UPNs of users the stack creates. */
  users: readonly string[];
  /** UPNs of users looked up (their memberships may still be adopted). */
  lookedUpUsers: readonly string[];
  /** M2M account names (= application display names). */
  clients: readonly string[];
  /** One entry per GroupMember: its resource name, the principal (UPN or M2M name) and the group name. */
  memberships: ReadonlyArray<{ resource: string; kind: "user" | "m2m"; principal: string; group: string }>;
  /** Groups looked up, by name (memberships in them may be adopted). */
  lookedUpGroups: readonly string[];
}

export interface EntraAdoption {
  groups: Record<string, string>;
  users: Record<string, string>;
  applications: Record<string, string>;
  servicePrincipals: Record<string, string>;
  /** GroupMember resource name → import id. */
  members: Record<string, string>;
  /** UPNs whose password Entra keeps (adopted, or imported earlier): no password declared. */
  keepPasswords: string[];
}

export const NO_ENTRA_ADOPTION: EntraAdoption = {
  groups: {},
  users: {},
  applications: {},
  servicePrincipals: {},
  members: {},
  keepPasswords: [],
};

const T = {
  group: "azuread:index/group:Group",
  user: "azuread:index/user:User",
  application: "azuread:index/application:Application",
  member: "azuread:index/groupMember:GroupMember",
};

const urnName = (urn: string | undefined) => (urn ?? "").split("::").pop() ?? "";

export function entraAdoptedCount(a: EntraAdoption): number {
  return [a.groups, a.users, a.applications, a.servicePrincipals, a.members].reduce(
    (n, r) => n + Object.keys(r).length,
    0,
  );
}

export async function findEntraAdoptable(
  declared: DeclaredEntraObjects,
  state: readonly StateResource[] | undefined,
  connect: () => Promise<EntraDirectory | undefined>,
): Promise<EntraAdoption> {
  if (!state) return NO_ENTRA_ADOPTION;
  const inState = (type: string, key: string, value: string) =>
    state.some((r) => r.type === type && r.outputs[key] === value);
  const kept = state
    .filter((r) => r.type === T.user && r.outputs.password == null)
    .map((r) => String(r.outputs.userPrincipalName));
  const members = new Set(state.filter((r) => r.type === T.member).map((r) => urnName(r.urn)));

  const wantGroups = Object.keys(declared.groups).filter((g) => !inState(T.group, "displayName", g));
  const wantUsers = declared.users.filter((u) => !inState(T.user, "userPrincipalName", u));
  const wantClients = declared.clients.filter((c) => !inState(T.application, "displayName", c));
  const wantMembers = declared.memberships.filter((m) => !members.has(m.resource));
  if (!wantGroups.length && !wantUsers.length && !wantClients.length && !wantMembers.length)
    return { ...NO_ENTRA_ADOPTION, keepPasswords: kept };
  const dir = await connect();
  if (!dir) return { ...NO_ENTRA_ADOPTION, keepPasswords: kept };

  const a: EntraAdoption = {
    groups: {},
    users: {},
    applications: {},
    servicePrincipals: {},
    members: {},
    keepPasswords: kept,
  };
  // Only what is missing is looked up in Graph: the missing objects, and the two ends of each missing membership.
  const neededGroups = new Set([...wantGroups, ...wantMembers.map((m) => m.group)]);
  const neededPrincipals = new Set([
    ...wantUsers.map((u) => `user:${u}`),
    ...wantClients.map((c) => `m2m:${c}`),
    ...wantMembers.map((m) => `${m.kind}:${m.principal}`),
  ]);
  const groupIds = new Map<string, string>();
  for (const name of [...Object.keys(declared.groups), ...declared.lookedUpGroups].filter((g) => neededGroups.has(g))) {
    const listed = declared.groups[name];
    const found = listed ? await dir.groupById(listed) : undefined;
    const candidates = found ? [found] : await dir.groupsNamed(name);
    if (candidates.length > 1) {
      throw new Error(
        `Entra has ${candidates.length} security groups named "${name}" ` +
          `(${candidates.map((c) => c.id).join(", ")}): add the right one's Object ID to ` +
          `group_mappings in its group file, so this stack adopts that one`,
      );
    }
    if (!candidates[0]) continue;
    groupIds.set(name, candidates[0].id);
    if (wantGroups.includes(name)) a.groups[name] = `/groups/${candidates[0].id}`;
  }
  const principalIds = new Map<string, string>();
  for (const upn of [...declared.users, ...declared.lookedUpUsers].filter((u) => neededPrincipals.has(`user:${u}`))) {
    const u = await dir.userByUpn(upn);
    if (!u) continue;
    principalIds.set(`user:${upn}`, u.id);
    if (wantUsers.includes(upn)) {
      a.users[upn] = `/users/${u.id}`;
      a.keepPasswords.push(upn);
    }
  }
  for (const name of declared.clients.filter((c) => neededPrincipals.has(`m2m:${c}`))) {
    const apps = await dir.applicationsNamed(name);
    if (apps.length > 1)
      throw new Error(
        `Entra has ${apps.length} applications named "${name}": rename the extra ones, so this ` +
          `stack adopts the right one`,
      );
    const app = apps[0];
    if (!app) continue;
    const sp = await dir.servicePrincipalOf(app.appId);
    if (sp) principalIds.set(`m2m:${name}`, sp.id);
    if (!wantClients.includes(name)) continue;
    a.applications[name] = `/applications/${app.id}`;
    if (sp) a.servicePrincipals[name] = `/servicePrincipals/${sp.id}`;
  }
  const membersOf = new Map<string, Set<string>>();
  for (const m of wantMembers) {
    const gid = groupIds.get(m.group);
    const pid = principalIds.get(`${m.kind}:${m.principal}`);
    if (!gid || !pid) continue;
    if (!membersOf.has(gid)) membersOf.set(gid, await dir.memberIds(gid));
    if (membersOf.get(gid)!.has(pid)) a.members[m.resource] = `${gid}/member/${pid}`;
  }
  return a;
}
