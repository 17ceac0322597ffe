/**
 * How Keycloak compares one claim value (not a list: the caller walks lists) with a mapper's `value`. Keycloak reads
 * the token with Jackson: a JSON integer is an Integer (a Long beyond 32 bits), a JSON number with a fraction a
 * Double. A parsed JSON number no longer says which literal it was; an integral one is taken as an Integer.
 */

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** Java's Integer.valueOf: an optional sign and decimal digits, within 32 bits; null when it throws. */
function javaInteger(s: string): number | null {
  if (!/^[+-]?\d+$/.test(s)) return null;
  const n = Number(s);
  return n >= INT_MIN && n <= INT_MAX ? n : null;
}

/** Java's Double.valueOf, for the decimal forms: surrounding blanks trimmed, an optional f/d suffix. */
function javaDouble(s: string): number | null {
  const t = s.trim();
  if (/^[+-]?(NaN|Infinity)$/.test(t)) return Number(t.replace(/^\+/, ""));
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[fFdD]?$/.exec(t);
  return m ? Number(m[1]) : null;
}

function isJavaInteger(v: number): boolean {
  return Number.isInteger(v) && v >= INT_MIN && v <= INT_MAX;
}

/**
 * AbstractClaimMapper.valueEquals: a String equals; an Integer equals Integer.valueOf(value); a Double equals
 * Double.valueOf(value) (Double.equals: NaN equals NaN, 0.0 not -0.0); a Boolean equals Boolean.valueOf(value),
 * which is true for "true" in any case and false for anything else, so "no" holds a false claim. A Long, an object
 * or null holds nothing.
 */
export function javaValueEquals(desired: string, v: unknown): boolean {
  if (typeof v === "string") return v === desired;
  if (typeof v === "boolean") return (desired.toLowerCase() === "true") === v;
  if (typeof v !== "number") return false;
  if (Number.isInteger(v)) return isJavaInteger(v) && javaInteger(desired) === v;
  return Object.is(javaDouble(desired), v);
}

/**
 * The value's Java toString, which AbstractClaimMapper.valueMatchesRegex matches: Integer in decimal, Double as
 * Double.toString (`1.5`, `1.0E-5`, `1.2345678E7`), Boolean `true`/`false`; null for an object or null.
 */
export function javaValueText(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return String(v);
  if (typeof v !== "number") return null;
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return String(v);
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e7) return String(v);
  const [mantissa, exp] = v.toExponential().split("e") as [string, string];
  return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}E${exp.replace(/^\+/, "")}`;
}
