/**
 * Whether Keycloak itself may hang on a mapper regex. This project matches in linear time (lib/model/mapper-regex.ts),
 * but Keycloak calls Java's backtracking `String.matches` (AbstractClaimMapper.valueMatchesRegex) at every login:
 * a repeated group that holds a repetition (`(a+)+b`, `(.*a){20}`) or alternatives that can start with the same
 * character (`(a|ab)*c`) takes time exponential in the value's length when the match fails. A heuristic for a
 * warning: it reads a pattern RE2 and Java both accept (mapperRegexProblem said null).
 */

interface Frame {
  /** The last `*`, `+` or `{n,}` atom of the current alternative that no later required atom ends; null: none. */
  pending: string | null;
  /** An earlier alternative ended with such an atom. */
  stuck: boolean;
  /** The first atom of each alternative, as a JavaScript regex source; null: none yet. */
  firsts: Array<string | null>;
}

const QUANTIFIER = /(?:[*+?]|\{(\d+)(,(\d*))?\})[?+]?/y;

interface Quantifier {
  length: number;
  /** At least this many times. */
  min: number;
  unbounded: boolean;
  /** May match more than once. */
  repeats: boolean;
}

/** The quantifier at i; none is {1}. */
function quantifierAt(p: string, i: number): Quantifier {
  QUANTIFIER.lastIndex = i;
  const m = QUANTIFIER.exec(p);
  if (!m) return { length: 0, min: 1, unbounded: false, repeats: false };
  const c = m[0][0];
  const unbounded = c === "*" || c === "+" || (m[2] !== undefined && m[3] === "");
  const max = m[1] === undefined ? (c === "?" ? 1 : Infinity) : m[3] ? Number(m[3]) : m[2] ? Infinity : Number(m[1]);
  const min = m[1] !== undefined ? Number(m[1]) : c === "+" ? 1 : 0;
  return { length: m[0].length, min, unbounded, repeats: unbounded || max > 1 };
}

/** The atom at i (not a group): its source and length. */
function atomAt(p: string, i: number): string {
  if (p[i] === "\\") {
    if (p[i + 1] === "Q") return `\\${p[i + 2] ?? "E"}`;
    if (p[i + 1] === "p" || p[i + 1] === "P") return p.slice(i).match(/^\\[pP](\{[^}]*\}|.)/)?.[0] ?? "\\p";
    return p.slice(i, i + 2);
  }
  if (p[i] === "[") {
    let j = i + (p[i + 1] === "^" ? 2 : 1) + 1;
    while (j < p.length && p[j] !== "]") j += p[j] === "\\" ? 2 : 1;
    return p.slice(i, j + 1);
  }
  return p[i]!;
}

/** `(`, `(?:`, `(?<name>`, `(?P<name>`, `(?flags:` or a whole `(?flags)`. */
const GROUP_OPEN = /^\((?:\?(?:P?<[A-Za-z][A-Za-z0-9_]*>|[A-Za-z-]*[:)]))?/;

/** Where the atom at i ends: `\Q...\E` runs to its `\E` (or the end). */
function atomEnd(p: string, i: number, atom: string): number {
  if (p[i] !== "\\" || p[i + 1] !== "Q") return i + atom.length;
  const e = p.indexOf("\\E", i + 2);
  return e < 0 ? p.length : e + 2;
}

/** One atom as a JavaScript regex of one whole character; null when JavaScript reads it not (a Java-only atom). */
function atomRegex(atom: string): RegExp | null {
  try {
    return new RegExp(`^(?:${atom})$`, "u");
  } catch {
    return null;
  }
}

const ASCII = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c));

/** Whether two first atoms can match one character: tried on ASCII and on the atoms' own characters. */
function overlap(a: string, b: string): boolean {
  if (a === b) return true;
  const ra = atomRegex(a);
  const rb = atomRegex(b);
  if (!ra || !rb) return true; // assume the worst
  return [...ASCII, ...a, ...b].some((c) => ra.test(c) && rb.test(c));
}

/** More alternatives than this under one repetition: assume two start alike rather than compare them all. */
const MAX_COMPARED = 64;

function overlapping(firsts: Array<string | null>): boolean {
  const known = firsts.filter((f): f is string => f !== null);
  if (known.length < firsts.length && firsts.length > 1) return true; // an empty alternative
  if (known.length > MAX_COMPARED) return true;
  return known.some((a, i) => known.slice(i + 1).some((b) => overlap(a, b)));
}

/** An atom (not a group) with its quantifier, in its group. */
function onAtom(top: Frame, atom: string, q: Quantifier): void {
  if (top.firsts[top.firsts.length - 1] === null && atom !== "^" && atom !== "$")
    top.firsts[top.firsts.length - 1] = atom;
  // `[^,]+,`: a required atom the repetition cannot match ends it in one place only.
  if (top.pending !== null && q.min > 0 && !overlap(top.pending, atom)) top.pending = null;
  if (q.unbounded) top.pending = atom;
}

/** A warning for the mapper's `value`, or null. */
export function javaBacktrackingRisk(p: string): string | null {
  const stack: Frame[] = [{ pending: null, stuck: false, firsts: [null] }];
  for (let i = 0; i < p.length;) {
    const top = stack[stack.length - 1]!;
    const c = p[i]!;
    if (c === "(") {
      const open = GROUP_OPEN.exec(p.slice(i))![0];
      i += open.length;
      if (open.endsWith(")")) continue; // (?i): flags for what follows, no group
      if (top.firsts[top.firsts.length - 1] === null) top.firsts[top.firsts.length - 1] = "(";
      stack.push({ pending: null, stuck: false, firsts: [null] });
      continue;
    }
    if (c === "|") {
      top.stuck ||= top.pending !== null;
      top.pending = null;
      top.firsts.push(null);
      i++;
      continue;
    }
    const closing = c === ")" && stack.length > 1;
    const atom = closing ? ")" : atomAt(p, i);
    const end = closing ? i + 1 : atomEnd(p, i, atom);
    const q = quantifierAt(p, end);
    i = end + q.length;
    if (!closing) {
      onAtom(top, atom, q);
      continue;
    }
    const group = stack.pop()!;
    const open = group.stuck || group.pending !== null;
    if (q.repeats && open) return risk("a repeated group holds a repetition that can end anywhere", p);
    if (q.repeats && group.firsts.length > 1 && overlapping(group.firsts))
      return risk("a repeated group's alternatives can start alike", p);
    // The group as an atom of its parent: what it matches is unknown here, so it guards nothing.
    if (open || q.unbounded) stack[stack.length - 1]!.pending = "(";
  }
  return null;
}

function risk(why: string, p: string): string {
  return (
    `${why} (${JSON.stringify(p)}): Keycloak matches with Java's backtracking engine at every login, which can ` +
    "take exponential time on a value that almost matches and stall the login; this project's own matching is " +
    "bounded. Write it without nesting, e.g. (a+)+b as a+b"
  );
}
