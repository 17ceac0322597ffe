/**
 * Comparing and merging registry records (scope documents, M2M records): equality that ignores key order,
 * a readable difference for conflict messages, and the merge that keeps what the registry added.
 * Pure and dependency-free, because the dynamic provider captures it.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Fields = Record<string, Json>;

export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object" && !(v instanceof Date)) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v instanceof Date ? v.toISOString() : v) ?? "null";
}

export function sameFields(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

const show = (v: unknown): string => {
  const s = canonical(v);
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
};

/** Lines like `server_access: + {...}` describing how `after` differs from `before`. */
export function describeDifference(before: Fields, after: Fields, prefix = ""): string[] {
  const lines: string[] = [];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const k of keys) {
    const a = before[k];
    const b = after[k];
    const name = `${prefix}${k}`;
    if (sameFields(a, b)) continue;
    if (a === undefined) lines.push(`  ${name}: added ${show(b)}`);
    else if (b === undefined) lines.push(`  ${name}: removed (was ${show(a)})`);
    else if (Array.isArray(a) && Array.isArray(b)) {
      const as = new Set(a.map(canonical));
      const bs = new Set(b.map(canonical));
      for (const item of b) if (!as.has(canonical(item))) lines.push(`  ${name}: + ${show(item)}`);
      for (const item of a) if (!bs.has(canonical(item))) lines.push(`  ${name}: - ${show(item)}`);
      if (as.size === bs.size && [...as].every((x) => bs.has(x))) lines.push(`  ${name}: reordered`);
    } else if (isObject(a) && isObject(b)) {
      lines.push(...describeDifference(a, b, `${name}.`));
    } else lines.push(`  ${name}: ${show(a)} → ${show(b)}`);
  }
  return lines;
}

function isObject(v: unknown): v is Fields {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/**
 * The definitions' fields plus what was added outside this stack since it last wrote (`base`): list items and
 * map entries the live record has and `base` had not. Scalars and removals follow the definitions.
 */
export function mergeOutsideAdditions(desired: Fields, base: Fields, live: Fields): Fields {
  const out: Fields = structuredClone(desired);
  for (const [k, lv] of Object.entries(live)) {
    const dv = out[k];
    const bv = base[k];
    if (Array.isArray(lv) && Array.isArray(dv)) {
      const known = new Set([...dv, ...(Array.isArray(bv) ? bv : [])].map(canonical));
      out[k] = [...dv, ...lv.filter((item) => !known.has(canonical(item)))];
    } else if (isObject(lv) && isObject(dv)) {
      out[k] = mergeOutsideAdditions(dv, isObject(bv) ? bv : {}, lv);
    } else if (dv === undefined && bv === undefined) {
      out[k] = lv;
    }
  }
  return out;
}

/**
 * A custom entity type's UI permissions, `list_/create_/modify_/delete_<type>_entity`
 * (registry/services/custom_entity_scopes.py `entity_scope`; `<type>` matches `^[a-z0-9_-]+$`).
 */
const CUSTOM_ENTITY_PERMISSION = /^(list|create|modify|delete)_[a-z0-9_-]+_entity$/;

/**
 * The fields of a live scope document that the registry writes itself and the definitions do not set — the
 * registry's, not drift and not a conflict, and kept when the stack writes the document:
 * - `is_idp_managed`, which the auth server adds on start where it is missing
 *   (scope_repository.py `list_groups` → `_backfill_is_idp_managed`), e.g. to the bootstrap seeds;
 * - custom-entity UI permissions, which creating a custom entity type merges into `mcp-registry-admin`
 *   (scope_service.py `mint_custom_type_scopes`, #1492) and deleting it `$unset`s from every document
 *   (`cleanup_custom_type_scopes` → `remove_ui_permission_keys_from_all_groups`, #1549).
 * A key the definitions do set stays theirs: a change to it is a change like any other.
 */
export function registryOwnedFields(live: Fields, desired: Fields): Fields {
  const out: Fields = {};
  if ("is_idp_managed" in live && !("is_idp_managed" in desired)) out.is_idp_managed = live.is_idp_managed!;
  const livePerms = live.ui_permissions;
  if (isObject(livePerms)) {
    const declared = isObject(desired.ui_permissions) ? desired.ui_permissions : {};
    const owned = Object.entries(livePerms).filter(([k]) => CUSTOM_ENTITY_PERMISSION.test(k) && !(k in declared));
    if (owned.length) out.ui_permissions = Object.fromEntries(owned);
  }
  return out;
}

/** `fields` without what `registryOwnedFields` attributes to the registry. */
export function withoutRegistryOwned(fields: Fields, desired: Fields): Fields {
  const owned = registryOwnedFields(fields, desired);
  if (Object.keys(owned).length === 0) return fields;
  const out: Fields = { ...fields };
  if ("is_idp_managed" in owned) delete out.is_idp_managed;
  if (isObject(owned.ui_permissions) && isObject(fields.ui_permissions)) {
    const ownedKeys = owned.ui_permissions;
    out.ui_permissions = Object.fromEntries(Object.entries(fields.ui_permissions).filter(([k]) => !(k in ownedKeys)));
  }
  return out;
}

/** `fields` with the registry's own fields of the live document put back (what the stack writes). */
export function withRegistryOwned(fields: Fields, desired: Fields, live: Fields | null): Fields {
  if (!live) return fields;
  const owned = registryOwnedFields(live, desired);
  if (Object.keys(owned).length === 0) return fields;
  const out: Fields = { ...fields };
  if ("is_idp_managed" in owned) out.is_idp_managed = owned.is_idp_managed!;
  if (isObject(owned.ui_permissions))
    out.ui_permissions = { ...(isObject(fields.ui_permissions) ? fields.ui_permissions : {}), ...owned.ui_permissions };
  return out;
}

/**
 * The key order of a record, kept beside it: the engine hands a resource's inputs over with every object's keys
 * sorted, but the registry's writers keep theirs (`import_group` stores a scope document in the order it is
 * given, rules as `{server, methods, tools}`). Objects are `{o: [[key, layout], ...]}` and arrays `{a: [...]}` —
 * arrays, which the engine keeps in order; scalars are 0.
 */
export type Layout = 0 | { o: Array<[string, Layout]> } | { a: Layout[] };

export function layoutOf(v: unknown): Layout {
  if (Array.isArray(v)) return v.some((x) => x !== null && typeof x === "object") ? { a: v.map(layoutOf) } : 0;
  if (v !== null && typeof v === "object" && !(v instanceof Date)) {
    return { o: Object.entries(v as Record<string, unknown>).map(([k, x]): [string, Layout] => [k, layoutOf(x)]) };
  }
  return 0;
}

/** `v` with its objects' keys in the order `layout` recorded; keys it did not record follow in their own order. */
export function withLayout<T>(v: T, layout: Layout | undefined): T {
  if (!layout) return v;
  if ("a" in layout && Array.isArray(v)) return v.map((x, i) => withLayout(x, layout.a[i])) as T;
  if ("o" in layout && isObject(v)) {
    const out: Fields = {};
    for (const [k, sub] of layout.o) if (k in v) out[k] = withLayout(v[k]!, sub);
    for (const [k, x] of Object.entries(v)) if (!(k in out)) out[k] = x;
    return out as T;
  }
  return v;
}
