/**
 * Adoption on every identity provider, over the plan's list of declared objects (lib/model/declared-objects.ts: each
 * object's resource name, type token, name in the identity provider and import id format): the rule of when to ask
 * (adoptWhatStateLacks), the one walk over the list (lackingIn, findLacking), the tables of import ids keyed by name
 * derived from it, and the users whose password the identity provider keeps. Each identity provider's module
 * (components/keycloak/adoption.ts and identity-provider-adoption.ts, components/entra/adoption.ts) only says, per
 * type of object, how the state shows it and how the identity provider is asked for its id.
 */
import type { StateResource } from "../clients/stack-state";
import type { DeclaredObject } from "../lib";

/** Import ids (each provider's import format) by the key a component looks its object up with. */
export type ImportIds = Record<string, string>;

/** A resource's name: the last part of its URN. */
export const urnName = (urn: string | undefined): string => (urn ?? "").split("::").pop() ?? "";

/**
 * The names (`nameField`) of the users of `type` the state holds without a password (`passwordField`): imported
 * ones, whose password stays the identity provider's on every later run.
 */
export function passwordlessUsers(
  state: readonly StateResource[],
  type: string,
  fields: { name: string; password: string },
  where: (r: StateResource) => boolean = () => true,
): string[] {
  return state
    .filter((r) => r.type === type && where(r) && r.outputs[fields.password] == null)
    .map((r) => String(r.outputs[fields.name]));
}

/** How many objects an adoption imports: the entries of its tables of import ids. */
export function importCount(...tables: ReadonlyArray<ImportIds | undefined>): number {
  return tables.reduce((n, t) => n + Object.keys(t ?? {}).length, 0);
}

/** One adoption's steps, which `adoptWhatStateLacks` runs in the order every adoption follows. */
export interface AdoptionSteps<Lacking, Source, Adoption> {
  /** What a run adopts when the state cannot be read: nothing, so the run behaves as Pulumi alone would. */
  nothing: Adoption;
  /** What the state lacks (undefined when it holds every declared object), and the adoption without asking. */
  fromState(state: readonly StateResource[]): { lacking?: Lacking; unasked: Adoption };
  /** The identity provider, signed in to; undefined when it cannot be asked. */
  connect(): Promise<Source | undefined>;
  /** The import ids of what the state lacks, from the identity provider. */
  adopt(source: Source, lacking: Lacking, unasked: Adoption): Promise<Adoption>;
}

/**
 * Adoption's rule on every identity provider: the identity provider is asked only when the state lacks a declared
 * object (the common, fast case asks nothing), and a state that cannot be read adopts nothing.
 */
export async function adoptWhatStateLacks<Lacking, Source, Adoption>(
  state: readonly StateResource[] | undefined,
  steps: AdoptionSteps<Lacking, Source, Adoption>,
): Promise<Adoption> {
  if (!state) return steps.nothing;
  const { lacking, unasked } = steps.fromState(state);
  if (lacking === undefined) return unasked;
  const source = await steps.connect();
  return source === undefined ? unasked : steps.adopt(source, lacking, unasked);
}

/**
 * One identity provider's answers per type of object, by the `lookup` the plan names for the type: whether the state
 * holds a declared object (`Held`), and its import id in the identity provider, undefined when it holds none (`Find`).
 */
export type Held = Readonly<Record<string, (object: DeclaredObject) => boolean>>;
export type Find = Readonly<Record<string, (object: DeclaredObject) => Promise<string | undefined>>>;

/** Import ids by resource name: what one walk over the plan's list found. */
export type Found = ReadonlyMap<string, string>;

function byLookup<F>(table: Readonly<Record<string, F>>, object: DeclaredObject): F {
  const f = table[object.adopt!.lookup];
  if (!f) throw new Error(`no lookup "${object.adopt!.lookup}" for ${object.type} ${object.resource}`);
  return f;
}

/** The adoptable objects of the plan's list that the state lacks, in the list's order. */
export function lackingIn(objects: readonly DeclaredObject[], held: Held): DeclaredObject[] {
  return objects.filter((o) => o.adopt && !byLookup(held, o)(o));
}

/** The one walk: each object the state lacks is looked for with its type's lookup, in the list's order. */
export async function findLacking(lacking: readonly DeclaredObject[], find: Find): Promise<Found> {
  const found = new Map<string, string>();
  for (const o of lacking) {
    const id = await byLookup(find, o)(o);
    if (id !== undefined) found.set(o.resource, id);
  }
  return found;
}

/** The import ids of one adoption table, keyed by name in the identity provider (what the components read). */
export function importIdsOf(objects: readonly DeclaredObject[], found: Found, table: string): ImportIds {
  return Object.fromEntries(
    objects
      .filter((o) => o.adopt?.table === table && found.has(o.resource))
      .map((o) => [o.name, found.get(o.resource)!]),
  );
}

/** An answer asked once: the first object that needs it asks, the others read the same answer. */
export function askOnce<V>(ask: () => Promise<V>): () => Promise<V> {
  let answer: Promise<V> | undefined;
  return () => (answer ??= ask());
}

/** An answer per key, each asked once. */
export function memo<K, V>(ask: (key: K) => Promise<V>): (key: K) => Promise<V> {
  const answers = new Map<K, Promise<V>>();
  return (key) => {
    let answer = answers.get(key);
    if (!answer) answers.set(key, (answer = ask(key)));
    return answer;
  };
}
