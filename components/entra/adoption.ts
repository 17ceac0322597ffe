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
import { PlanError, RESOURCE_TYPES, type DeclaredObject } from "../../lib";
import {
  adoptWhatStateLacks,
  findLacking,
  importCount,
  importIdsOf,
  lackingIn,
  memo,
  passwordlessUsers,
  urnName,
  type Find,
  type Found,
  type Held,
  type ImportIds,
} from "../adoption";

/** What the program will declare: the plan's list (lib/model/declared-objects.ts `entraDeclaredObjects`). */
export type DeclaredEntraObjects = readonly DeclaredObject[];

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

/** Whether the state holds a declared object, per type (a service principal is held with its application). */
function heldIn(state: readonly StateResource[]): Held {
  const named = (type: string, key: string) =>
    new Set(state.filter((r) => r.type === type).map((r) => String(r.outputs[key])));
  const groups = named(T.group, "displayName");
  const users = named(T.user, "userPrincipalName");
  const apps = named(T.application, "displayName");
  const members = new Set(state.filter((r) => r.type === T.member).map((r) => urnName(r.urn)));
  return {
    groupByIdOrName: (o) => groups.has(o.name),
    userByUpn: (o) => users.has(o.name),
    applicationsNamed: (o) => apps.has(o.name),
    servicePrincipalOf: (o) => apps.has(o.name),
    memberIds: (o) => members.has(o.resource),
  };
}

/** The one object of a name, or none; several are a plan error that names what to do. */
function theOne<T>(found: readonly T[], several: string): T | undefined {
  if (found.length > 1) throw new PlanError(several);
  return found[0];
}

/**
 * Graph's lookups per type, each object asked once: a group by the Object ID its definition lists, else by display
 * name; a user by UPN; an application by display name and its service principal by the application's id; a
 * membership by both its ends (looked-up groups and users included) and the group's members.
 */
function findIn(dir: EntraDirectory, objects: readonly DeclaredObject[]): Find {
  const knownIds = new Map(objects.filter((o) => o.knownId).map((o) => [o.name, o.knownId!]));
  const groupId = memo(async (name: string) => {
    const listed = knownIds.get(name);
    const found = listed ? await dir.groupById(listed) : undefined;
    const candidates = found ? [found] : await dir.groupsNamed(name);
    const several =
      `Entra has ${candidates.length} security groups named "${name}" ` +
      `(${candidates.map((c) => c.id).join(", ")}): add the right one's Object ID to ` +
      `group_mappings in its group file, so this stack adopts that one`;
    return theOne(candidates, several)?.id;
  });
  const userId = memo(async (upn: string) => (await dir.userByUpn(upn))?.id);
  const app = memo(async (name: string) => {
    const apps = await dir.applicationsNamed(name);
    const several =
      `Entra has ${apps.length} applications named "${name}": rename the extra ones, so this ` +
      `stack adopts the right one`;
    return theOne(apps, several);
  });
  const sp = memo(async (name: string) => {
    const a = await app(name);
    return a ? dir.servicePrincipalOf(a.appId) : undefined;
  });
  const members = memo((gid: string) => dir.memberIds(gid));
  const at = (path: string, id: string | undefined) => (id === undefined ? undefined : `/${path}/${id}`);
  return {
    groupByIdOrName: async (o) => at("groups", await groupId(o.name)),
    userByUpn: async (o) => at("users", await userId(o.name)),
    applicationsNamed: async (o) => at("applications", (await app(o.name))?.id),
    servicePrincipalOf: async (o) => at("servicePrincipals", (await sp(o.name))?.id),
    // A membership is adopted when both ends are known and the tenant already has it.
    memberIds: async ({ member }) => {
      const gid = await groupId(member!.groups[0]!);
      const pid = member!.kind === "user" ? await userId(member!.principal) : (await sp(member!.principal))?.id;
      return gid && pid && (await members(gid)).has(pid) ? `${gid}/member/${pid}` : undefined;
    },
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
      const lacking = lackingIn(declared, heldIn(s));
      return { lacking: lacking.length ? lacking : undefined, unasked: { ...NO_ENTRA_ADOPTION, keepPasswords: kept } };
    },
    connect,
    adopt: async (dir, lacking, unasked) =>
      adoptionOf(declared, await findLacking(lacking, findIn(dir, declared)), unasked.keepPasswords),
  });
}

/** The adoption's tables, keyed by name in the tenant, from what the walk found. */
function adoptionOf(declared: DeclaredEntraObjects, found: Found, kept: readonly string[]): EntraAdoption {
  const table = (name: string) => importIdsOf(declared, found, name);
  const users = table("users");
  return {
    groups: table("groups"),
    users,
    applications: table("applications"),
    servicePrincipals: table("servicePrincipals"),
    members: table("members"),
    keepPasswords: [...kept, ...Object.keys(users)],
  };
}
