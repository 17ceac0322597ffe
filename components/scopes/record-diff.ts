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
