/**
 * A mapper's `regex: true` value, as Keycloak uses it and as this project evaluates it. Keycloak
 * (AbstractClaimMapper.valueMatchesRegex, AdvancedAttributeToGroupMapper.applies) calls Java's
 * `String.matches(regex)`, i.e. `Pattern.matches`: the whole value must match. Java's engine backtracks, so
 * `(a+)+b` against a few dozen `a`s takes exponential time; this project evaluates with RE2 (the `re2js` port),
 * linear in the value's length, so `validate`, `explain` and `pulumi up` never hang. The price: what RE2 cannot run
 * in linear time (backreferences, lookaround, possessive quantifiers, atomic groups) is refused at validate, and so is
 * syntax that RE2 accepts but Java reads otherwise (nested classes, `&&`, a `{` that is no repetition).
 */
import { RE2JS } from "re2js";

type Compiled = ReturnType<typeof RE2JS.compile>;
const compiled = new Map<string, Compiled | null>();

function compile(pattern: string): Compiled | null {
  if (!compiled.has(pattern)) {
    let re: Compiled | null;
    try {
      re = RE2JS.compile(pattern);
    } catch {
      re = null; // refused at validate (mapperRegexProblem); matches nothing here
    }
    compiled.set(pattern, re);
  }
  return compiled.get(pattern)!;
}

/** Pattern.matches(pattern, value): the whole value, in time linear in its length; a refused pattern: no match. */
export function wholeValueMatches(pattern: string, value: string): boolean {
  const re = compile(pattern);
  return re !== null && re.matcher(value).matches();
}

/** Java's repetition `{n}`, `{n,}`, `{n,m}`; any other `{` is a PatternSyntaxException in Java, a literal in RE2. */
const REPETITION = /\{\d+(?:,\d*)?\}/y;

/**
 * Syntax RE2 accepts but java.util.regex.Pattern reads otherwise: inside a class `[` opens a nested class (union)
 * and `&&` intersects; a `{` that is not a repetition and `(?P<name>` do not compile; `\v`, `\0` and the flag
 * `U` mean other things. Skips escapes and `\Q...\E`.
 */
function javaDivergence(p: string): string | null {
  let classStart = -1;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === "\\") {
      if (p[i + 1] === "Q") {
        const end = p.indexOf("\\E", i + 2);
        i = end < 0 ? p.length : end + 1;
      } else if (p[i + 1] === "0") {
        return `"\\0" (an octal escape, read otherwise by RE2): write \\x{...}`;
      } else if (p[i + 1] === "v") {
        return `"\\v" (Java: any vertical whitespace; RE2: the vertical tab only): write \\x0B or a class`;
      } else i++;
      continue;
    }
    if (classStart >= 0) {
      if (c === "[") return `"[" inside a character class (Java nests a class there): write \\[`;
      if (c === "&" && p[i + 1] === "&") return `"&&" inside a character class (Java intersects classes there)`;
      // `]` right after `[` or `[^` is a literal in both engines.
      const first = classStart + (p[classStart + 1] === "^" ? 2 : 1);
      if (c === "]" && i !== first) classStart = -1;
      continue;
    }
    if (c === "[") classStart = i;
    if (/^\(\?[a-zA-Z-]*U/.test(p.slice(i, i + 12)))
      return `the flag U (Java: Unicode \\w, \\d and \\b; RE2: lazy quantifiers)`;
    if (p.startsWith("(?P", i)) return `"(?P" (a Python-style group Java refuses): write (?<name>...) or (?:...)`;
    if (c === "{") {
      REPETITION.lastIndex = i;
      if (!REPETITION.test(p)) return `"{" that is no repetition {n}, {n,} or {n,m} (Java refuses it): write \\{`;
    }
  }
  return null;
}

/**
 * Why a mapper's regex is refused, or null: it must compile in RE2 (so it runs in linear time) and mean in RE2 what
 * it means in Java. Keycloak would compile it at each login with Pattern.matches.
 */
export function mapperRegexProblem(pattern: string): string | null {
  try {
    RE2JS.compile(pattern);
  } catch (e) {
    return (
      `${(e as Error).message}; a mapper regex is limited to what runs in linear time (no backreferences, ` +
      "lookaround, possessive quantifiers or atomic groups) so that matching never hangs"
    );
  }
  const java = javaDivergence(pattern);
  return java === null ? null : `${java}: RE2, which this project matches with, would read it otherwise`;
}
