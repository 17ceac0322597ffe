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
import { membershipKey, PlanError, RESOURCE_TYPES, type EntraObjectNames } from "../../lib";
import { adoptWhatStateLacks, importCount, passwordlessUsers, urnName, type ImportIds } from "../adoption";

/** What the program will declare, by name: the plan's names (lib/model/identity-plan.ts `entraObjectNames`). */
export type DeclaredEntraObjects = EntraObjectNames;

export interface EntraAdoption {
  groups: ImportIds;
  users: ImportIds;
  applications: ImportIds;
  servicePrincipals: ImportIds;
  /** GroupMember resource name → import id. */
  members: ImportIds;
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

const T = RESOURCE_TYPES.entra;

export function entraAdoptedCount(a: EntraAdoption): number {
  return importCount(a.groups, a.users, a.applications, a.servicePrincipals, a.members);
}

/** What the state lacks: the objects and memberships to look for in the tenant. */
interface Wanted {
  groups: string[];
  users: string[];
  clients: string[];
  members: DeclaredEntraObjects["memberships"][number][];
}

function wantedFrom(declared: DeclaredEntraObjects, state: readonly StateResource[]): Wanted {
  const inState = (type: string, key: string, value: string) =>
    state.some((r) => r.type === type && r.outputs[key] === value);
  const members = new Set(state.filter((r) => r.type === T.member).map((r) => urnName(r.urn)));
  return {
    groups: Object.keys(declared.groups).filter((g) => !inState(T.group, "displayName", g)),
    users: declared.users.filter((u) => !inState(T.user, "userPrincipalName", u)),
    clients: declared.clients.filter((c) => !inState(T.application, "displayName", c)),
    members: declared.memberships.filter((m) => !members.has(m.resource)),
  };
}

export function findEntraAdoptable(
  declared: DeclaredEntraObjects,
  state: readonly StateResource[] | undefined,
  connect: () => Promise<EntraDirectory | undefined>,
): Promise<EntraAdoption> {
  return adoptWhatStateLacks(state, {
    nothing: NO_ENTRA_ADOPTION,
    fromState: (s) => {
      const kept = passwordlessUsers(s, T.user, { name: "userPrincipalName", password: "password" });
      const want = wantedFrom(declared, s);
      const lacks = want.groups.length || want.users.length || want.clients.length || want.members.length;
      return { lacking: lacks ? want : undefined, unasked: { ...NO_ENTRA_ADOPTION, keepPasswords: kept } };
    },
    connect,
    adopt: (dir, want, unasked) => adoptFromTenant(dir, declared, want, unasked.keepPasswords),
  });
}

async function adoptFromTenant(
  dir: EntraDirectory,
  declared: DeclaredEntraObjects,
  want: Wanted,
  kept: readonly string[],
): Promise<EntraAdoption> {
  const a: EntraAdoption = {
    groups: {},
    users: {},
    applications: {},
    servicePrincipals: {},
    members: {},
    keepPasswords: [...kept],
  };
  // Only what is missing is looked up in Graph: the missing objects, and the two ends of each missing membership.
  const neededPrincipals = new Set([
    ...want.users.map((u) => membershipKey("user", u)),
    ...want.clients.map((c) => membershipKey("m2m", c)),
    ...want.members.map((m) => membershipKey(m.kind, m.principal)),
  ]);
  const groupIds = await adoptGroups(dir, declared, want, a);
  const principalIds = new Map<string, string>();
  await adoptUsers(dir, declared, want, neededPrincipals, principalIds, a);
  await adoptClients(dir, declared, want, neededPrincipals, principalIds, a);
  await adoptMembers(dir, want, groupIds, principalIds, a);
  return a;
}

/** The groups missing from the state and those missing memberships name: name → Object ID. */
async function adoptGroups(
  dir: EntraDirectory,
  declared: DeclaredEntraObjects,
  want: Wanted,
  a: EntraAdoption,
): Promise<Map<string, string>> {
  const needed = new Set([...want.groups, ...want.members.map((m) => m.group)]);
  const groupIds = new Map<string, string>();
  for (const name of [...Object.keys(declared.groups), ...declared.lookedUpGroups].filter((g) => needed.has(g))) {
    const listed = declared.groups[name];
    const found = listed ? await dir.groupById(listed) : undefined;
    const candidates = found ? [found] : await dir.groupsNamed(name);
    if (candidates.length > 1) {
      throw new PlanError(
        `Entra has ${candidates.length} security groups named "${name}" ` +
          `(${candidates.map((c) => c.id).join(", ")}): add the right one's Object ID to ` +
          `group_mappings in its group file, so this stack adopts that one`,
      );
    }
    if (!candidates[0]) continue;
    groupIds.set(name, candidates[0].id);
    if (want.groups.includes(name)) a.groups[name] = `/groups/${candidates[0].id}`;
  }
  return groupIds;
}

async function adoptUsers(
  dir: EntraDirectory,
  declared: DeclaredEntraObjects,
  want: Wanted,
  needed: ReadonlySet<string>,
  principalIds: Map<string, string>,
  a: EntraAdoption,
): Promise<void> {
  for (const upn of [...declared.users, ...declared.lookedUpUsers].filter((u) =>
    needed.has(membershipKey("user", u)),
  )) {
    const u = await dir.userByUpn(upn);
    if (!u) continue;
    principalIds.set(membershipKey("user", upn), u.id);
    if (want.users.includes(upn)) {
      a.users[upn] = `/users/${u.id}`;
      a.keepPasswords.push(upn);
    }
  }
}

async function adoptClients(
  dir: EntraDirectory,
  declared: DeclaredEntraObjects,
  want: Wanted,
  needed: ReadonlySet<string>,
  principalIds: Map<string, string>,
  a: EntraAdoption,
): Promise<void> {
  for (const name of declared.clients.filter((c) => needed.has(membershipKey("m2m", c)))) {
    const apps = await dir.applicationsNamed(name);
    if (apps.length > 1)
      throw new PlanError(
        `Entra has ${apps.length} applications named "${name}": rename the extra ones, so this ` +
          `stack adopts the right one`,
      );
    const app = apps[0];
    if (!app) continue;
    const sp = await dir.servicePrincipalOf(app.appId);
    if (sp) principalIds.set(membershipKey("m2m", name), sp.id);
    if (!want.clients.includes(name)) continue;
    a.applications[name] = `/applications/${app.id}`;
    if (sp) a.servicePrincipals[name] = `/servicePrincipals/${sp.id}`;
  }
}

/** A membership is adopted when both ends are known and the tenant already has it. */
async function adoptMembers(
  dir: EntraDirectory,
  want: Wanted,
  groupIds: ReadonlyMap<string, string>,
  principalIds: ReadonlyMap<string, string>,
  a: EntraAdoption,
): Promise<void> {
  const membersOf = new Map<string, Set<string>>();
  for (const m of want.members) {
    const gid = groupIds.get(m.group);
    const pid = principalIds.get(membershipKey(m.kind, m.principal));
    if (!gid || !pid) continue;
    if (!membersOf.has(gid)) membersOf.set(gid, await dir.memberIds(gid));
    if (membersOf.get(gid)!.has(pid)) a.members[m.resource] = `${gid}/member/${pid}`;
  }
}
