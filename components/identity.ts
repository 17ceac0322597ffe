/**
 * An identity plan (lib/model/identity-plan.ts) turned into resources: the loops every identity provider shares —
 * groups created or looked up, users with their initial passwords, M2M clients, then every membership — with
 * an adapter that knows one provider's resources. A third identity provider is one more adapter.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  legacyPasswordResourceName,
  passwordSeedName,
  RESOURCE_TYPES,
  type ClientPlan,
  type GroupPlan,
  type IdentityPlan,
  type UserPlan,
} from "../lib";
import { initialPassword, type AccessOutputs, type M2MCredentialsOutput } from "./outputs";
import { GeneratedSecret } from "./secrets/generated";
import { PasswordSeed } from "./secrets/derived";
import type { StateResource } from "../clients/stack-state";
import { urnName } from "./adoption";

export interface Principal {
  plan: UserPlan | ClientPlan;
  id: pulumi.Output<string>;
  /** Created by this run (Entra waits for new principals to replicate before adding them to groups). */
  created: boolean;
}

export interface IdentityAdapter {
  createGroup(group: GroupPlan): pulumi.Output<string>;
  lookUpGroup(group: GroupPlan): pulumi.Output<string>;
  /** `password` is undefined for a user whose existing password stays (`DeclareOptions.keepPasswords`). */
  createUser(user: UserPlan, password: pulumi.Output<string> | undefined): pulumi.Output<string>;
  lookUpUser(user: UserPlan): pulumi.Output<string>;
  /** The client's principal id (what joins groups) and its credentials output. */
  client(client: ClientPlan): { id: pulumi.Output<string>; credentials: M2MCredentialsOutput };
  /** Called once, after every principal is declared and before any membership. */
  beforeMemberships?(principals: readonly Principal[]): void;
  /** One principal's memberships, with the ids of its groups (in `principal.plan.groups` order). */
  memberships(principal: Principal, groupIds: pulumi.Output<string>[]): void;
}

export interface DeclareOptions {
  /** Resource-name prefix and parent. */
  name: string;
  parent: pulumi.Resource;
  /** Stack config secret `initialPasswords`: username → initial password. */
  initialPasswords?: pulumi.Output<Record<string, string> | undefined>;
  /** Sign-in names of users that exist already with their own password: none is declared or generated. */
  keepPasswords?: ReadonlySet<string>;
  /**
   * Users whose initial password an earlier version generated as a resource of its own (`<name>-password-<user>`),
   * found in the state: they keep it, so their exported password stays the one the identity provider holds.
   */
  legacyPasswordUsers?: ReadonlySet<string>;
}

const GENERATED_SECRET_TYPE = RESOURCE_TYPES.generatedSecret;

/** The users of component `prefix` that have their own generated password in the state. */
export function legacyPasswordUsersInState(state: readonly StateResource[] | undefined, prefix: string): Set<string> {
  const users = new Set<string>();
  const start = legacyPasswordResourceName(prefix, "");
  for (const r of state ?? []) {
    const name = r.type === GENERATED_SECRET_TYPE ? urnName(r.urn) : undefined;
    if (name?.startsWith(start)) users.add(name.slice(start.length));
  }
  return users;
}

/** What earlier versions left in the state about component `prefix`'s initial passwords (DeclareOptions). */
export function legacyPasswordsInState(
  state: readonly StateResource[] | undefined,
  prefix: string,
): Pick<DeclareOptions, "legacyPasswordUsers"> {
  return { legacyPasswordUsers: legacyPasswordUsersInState(state, prefix) };
}

export function declareIdentity(plan: IdentityPlan, adapter: IdentityAdapter, opts: DeclareOptions): AccessOutputs {
  const out: AccessOutputs = { m2m: {}, groups: {}, users: {} };
  for (const group of plan.groups) {
    out.groups[group.name] = group.action === "create" ? adapter.createGroup(group) : adapter.lookUpGroup(group);
  }
  const principals: Principal[] = [];
  const configured = opts.initialPasswords ?? pulumi.output(undefined);
  let seed: PasswordSeed | undefined;
  for (const user of plan.users) {
    if (user.action === "lookUp") {
      const id = adapter.lookUpUser(user);
      out.users[user.name] = { id };
      principals.push({ plan: user, id, created: false });
      continue;
    }
    if (opts.keepPasswords?.has(user.signInName)) {
      // Exists already (adopted now, or imported by an earlier run): not created by this stack.
      const id = adapter.createUser(user, undefined);
      out.users[user.name] = { id };
      principals.push({ plan: user, id, created: false });
      continue;
    }
    // One seed per stack generates every password (created only when a user needs it).
    const generated = opts.legacyPasswordUsers?.has(user.name)
      ? new GeneratedSecret(legacyPasswordResourceName(opts.name, user.name), 24, { parent: opts.parent }).value
      : (seed ??= new PasswordSeed(passwordSeedName(opts.name), { parent: opts.parent })).passwordFor(user.name);
    const password = initialPassword(configured, user.name, generated);
    const id = adapter.createUser(user, password.value);
    out.users[user.name] = { id, initialPassword: password.exported };
    principals.push({ plan: user, id, created: true });
  }
  for (const client of plan.clients) {
    const { id, credentials } = adapter.client(client);
    out.m2m[client.name] = credentials;
    principals.push({ plan: client, id, created: true });
  }
  adapter.beforeMemberships?.(principals);
  for (const p of principals)
    adapter.memberships(
      p,
      p.plan.groups.map((g) => out.groups[g]!),
    );
  return out;
}
