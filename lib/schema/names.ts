/** Naming rules the identity providers and the registry impose, with messages that say how to comply. */
import { BOOTSTRAP_M2M_CLIENT, BOOTSTRAP_WEB_CLIENT } from "../registry/rules";

/** Keycloak lower-cases usernames; Entra builds the UPN from them. Letters, digits and . _ - @ only. */
const USERNAME = /^[a-z0-9][a-z0-9._@-]*$/;
/** Client ids double as Keycloak service-account usernames (`service-account-<id>`, lower-cased). */
const M2M_NAME = /^[a-z0-9][a-z0-9._-]*$/;
/** Scope names: the registry's own use slashes (`mcp-servers-unrestricted/read`). */
const SCOPE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;

export const SERVICE_ACCOUNT_PREFIX = "service-account-";
export const MAX_NAME_LENGTH = 255;
/** Keycloak's default user profile: `length {min: 3, max: 255}` on username. */
export const MIN_USERNAME_LENGTH = 3;
/** Keycloak's default user profile: `length {max: 255}` on email, firstName and lastName. */
export const MAX_ATTRIBUTE_LENGTH = 255;
/** Keycloak's email validator (`max-local-length`, default 64) and RFC 5321. */
export const MAX_EMAIL_LOCAL_LENGTH = 64;

/** Entra ID (Microsoft Graph user): givenName and surname ≤ 64, displayName ≤ 256, mailNickname ≤ 64, UPN ≤ 113. */
export const ENTRA_LIMITS = {
  givenName: 64,
  surname: 64,
  displayName: 256,
  mailNickname: 64,
  userPrincipalName: 113,
} as const;

/** The clients Keycloak itself makes in every realm. */
export const KEYCLOAK_OWN_CLIENTS: readonly string[] = [
  "account",
  "account-console",
  "admin-cli",
  "broker",
  "realm-management",
  "security-admin-console",
];

/**
 * Client ids every Keycloak realm has (built in), and those of the registry's bootstrap; an M2M account with one
 * of these names would collide with them at apply.
 */
export const RESERVED_CLIENT_IDS = [...KEYCLOAK_OWN_CLIENTS, BOOTSTRAP_WEB_CLIENT, BOOTSTRAP_M2M_CLIENT] as const;

export function usernameProblem(name: string): string | null {
  if (name.length > MAX_NAME_LENGTH)
    return `username is longer than ${MAX_NAME_LENGTH} characters (${name.length}), which Keycloak refuses; shorten it`;
  if (name.length < MIN_USERNAME_LENGTH) {
    return (
      `username "${name}" is shorter than ${MIN_USERNAME_LENGTH} characters, which Keycloak's ` +
      `user profile refuses (error-invalid-length); use a longer name`
    );
  }
  if (name !== name.toLowerCase() && USERNAME.test(name.toLowerCase())) {
    return (
      `username "${name}" has upper-case letters; Keycloak stores usernames lower-case, so ` +
      `write "${name.toLowerCase()}"`
    );
  }
  if (!USERNAME.test(name)) {
    return (
      `username "${name}" has characters the identity provider refuses; use lower-case ` +
      `letters, digits and . _ - @, starting with a letter or digit`
    );
  }
  if (name.startsWith(SERVICE_ACCOUNT_PREFIX)) {
    return (
      `username "${name}" starts with "${SERVICE_ACCOUNT_PREFIX}", which Keycloak reserves for ` +
      `M2M service-account users; choose another name`
    );
  }
  return null;
}

export function m2mNameProblem(name: string): string | null {
  if (name.length > MAX_NAME_LENGTH)
    return `name is longer than ${MAX_NAME_LENGTH} characters (${name.length}), which Keycloak refuses; shorten it`;
  if ((RESERVED_CLIENT_IDS as readonly string[]).includes(name.toLowerCase())) {
    return (
      `M2M name "${name}" is a client every realm of the registry has (Keycloak's built-in ` +
      `clients and the bootstrap's: ${RESERVED_CLIENT_IDS.join(", ")}); choose another name`
    );
  }
  if (name !== name.toLowerCase() && M2M_NAME.test(name.toLowerCase())) {
    return (
      `M2M name "${name}" has upper-case letters; its Keycloak service-account user is ` +
      `lower-cased, so write "${name.toLowerCase()}"`
    );
  }
  if (!M2M_NAME.test(name)) {
    return (
      `M2M name "${name}" has characters a client id may not use here; use lower-case letters, ` +
      `digits and . _ -, starting with a letter or digit`
    );
  }
  return null;
}

export function scopeNameProblem(name: string, createInIdp: boolean): string | null {
  if (name.length > MAX_NAME_LENGTH)
    return `scope_name is longer than ${MAX_NAME_LENGTH} characters (${name.length}); shorten it`;
  if (!SCOPE_NAME.test(name)) {
    return (
      `scope_name "${name}" has characters the registry and identity providers refuse; use ` +
      `letters, digits and . _ - : /`
    );
  }
  if (createInIdp && name.includes("/")) {
    return (
      `scope_name "${name}" contains "/", which Keycloak reads as a group path separator; ` +
      `rename it, or set create_in_idp: false and map it with group_mappings`
    );
  }
  return null;
}

/** Keycloak's email validator and `length {max: 255}`. */
export function emailProblem(email: string): string | null {
  if (email.length > MAX_ATTRIBUTE_LENGTH)
    return (
      `email is longer than ${MAX_ATTRIBUTE_LENGTH} characters (${email.length}), which ` +
      `Keycloak refuses; shorten it`
    );
  const local = email.slice(0, email.lastIndexOf("@"));
  if (local.length > MAX_EMAIL_LOCAL_LENGTH) {
    return (
      `the part of email before "@" is longer than ${MAX_EMAIL_LOCAL_LENGTH} characters ` +
      `(${local.length}), which Keycloak's email validator refuses; shorten it`
    );
  }
  return null;
}

/**
 * Keycloak's `person-name-prohibited-characters` validator: `^[^<>&"\v$%!#?§;*~/\\|^=\[\]{}()\p{Cntrl}]+$`
 * (Java's `\v` is vertical whitespace).
 */
const PERSON_NAME_PROHIBITED = /[<>&"$%!#?§;*~/\\|^=[\]{}()\x00-\x1f\x7f\x85\u2028\u2029]/u;

export function personNameProblem(field: string, value: string): string | null {
  if (value.length > MAX_ATTRIBUTE_LENGTH)
    return (
      `${field} is longer than ${MAX_ATTRIBUTE_LENGTH} characters (${value.length}), which ` +
      `Keycloak refuses; shorten it`
    );
  const bad = PERSON_NAME_PROHIBITED.exec(value);
  if (bad) {
    return (
      `${field} contains ${describeChar(bad[0])} at character ` +
      `${[...value.slice(0, bad.index)].length + 1}, which Keycloak's person-name validator refuses ` +
      `(error-person-name-invalid-character); remove it`
    );
  }
  return null;
}

/** Entra's limits on a user: UPN and mailNickname from the username, givenName, surname and displayName. */
export function entraUserProblems(u: {
  email_verified?: unknown;
  username?: unknown;
  first_name?: unknown;
  last_name?: unknown;
}): Array<{ field: string; message: string }> {
  const out: Array<{ field: string; message: string }> = [];
  // Entra ID has no such flag on a user: a declared value would be silently dropped.
  if (u.email_verified !== undefined)
    out.push({ field: "email_verified", message: "email_verified is Keycloak's; Entra ID has none: remove it" });
  const over = (field: string, what: string, value: string, max: number) => {
    if (value.length > max)
      out.push({
        field,
        message: `${what} is longer than the ${max} characters Entra ID accepts (${value.length}); shorten it`,
      });
  };
  if (typeof u.username === "string") {
    over("username", 'the UPN\'s part before "@" (mailNickname)', u.username.split("@")[0]!, ENTRA_LIMITS.mailNickname);
    if (u.username.includes("@")) over("username", "the userPrincipalName", u.username, ENTRA_LIMITS.userPrincipalName);
  }
  if (typeof u.first_name === "string")
    over("first_name", "first_name (givenName)", u.first_name, ENTRA_LIMITS.givenName);
  if (typeof u.last_name === "string") over("last_name", "last_name (surname)", u.last_name, ENTRA_LIMITS.surname);
  if (typeof u.first_name === "string" && typeof u.last_name === "string") {
    over(
      "last_name",
      'the displayName "first_name last_name"',
      `${u.first_name} ${u.last_name}`,
      ENTRA_LIMITS.displayName,
    );
  }
  return out;
}

/** Server names the registry would never match: URLs and paths that go up a folder. */
export function serverNameProblem(server: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(server) || server.startsWith("//")) {
    return (
      `server "${server}" is a URL; the registry matches the path or name a server is ` +
      `registered under (e.g. "currenttime" or "/currenttime"), so a URL never matches: write that path`
    );
  }
  if (server.split(/[\\/]/).some((part) => part === ".." || part === ".")) {
    return (
      `server "${server}" is a relative path ("." or ".." segments); the registry compares ` +
      `server paths as written, so it never matches a registered server: write the server's registered path`
    );
  }
  return null;
}

/**
 * Control characters (C0, DEL, C1: NUL, ESC, backspace...), which no name may hold: printed, they rewrite the
 * terminal or the page; stored, the identity provider refuses them or keeps a name nobody can type.
 */
const CONTROL = /\p{Cc}/u;
const ASCII = /^[\x20-\x7e]*$/;
/** In free text (descriptions): every control character but tab and line breaks. */
const TEXT_CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/u;

/**
 * Server and tool names the registry compares as written, so these never match what is registered: a `*` inside a
 * name (only a lone `*` is a wildcard), percent-encoding (`%2e%2e/admin`: paths are compared decoded), surrounding
 * whitespace.
 */
export function neverMatchesProblem(what: "server" | "tool", name: string): string | null {
  if (name !== name.trim()) {
    return (
      `${what} ${printable(name)} has spaces around it, so it never matches a registered ` +
      `${what}: write ${printable(name.trim())}`
    );
  }
  if (name.includes("*") && name !== "*") {
    return (
      `${what} ${printable(name)} has a "*" inside it, which the registry does not expand ` +
      `(only a lone "*" is a wildcard), so it matches only a ${what} literally named that: list the ${what}s by name`
    );
  }
  if (what === "server" && /%[0-9a-f]{2}/i.test(name)) {
    return (
      `server ${printable(name)} is percent-encoded; the registry compares server paths ` +
      `decoded, so it never matches a registered server: write the path as it is registered`
    );
  }
  return null;
}

/** Invisible characters (format controls, odd spaces) and letters that look like Latin ones in another script. */
const INVISIBLE = new RegExp(
  String.raw`[\p{Cf}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u034f\u` +
    String.raw`115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\u2800\t\n` +
    String.raw`\r\v\f]`,
  "u",
);
const LOOKALIKE = new RegExp(
  String.raw`[\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Armenian}\p{Script=Chero` +
    String.raw`kee}\p{Script=Coptic}\p{Script=Lisu}\p{Script=Canadian_Aboriginal}\uff` +
    String.raw`01-\uff5e\u{1d400}-\u{1d7ff}]`,
  "u",
);

const CHAR_NAMES: Record<number, string> = {
  0x00: "NULL",
  0x07: "BELL",
  0x08: "BACKSPACE",
  0x0b: "LINE TABULATION",
  0x0c: "FORM FEED",
  0x0d: "CARRIAGE RETURN",
  0x1b: "ESCAPE",
  0x7f: "DELETE",
  0x85: "NEXT LINE",
  0x9b: "CONTROL SEQUENCE INTRODUCER",
  0x00a0: "NO-BREAK SPACE",
  0x00ad: "SOFT HYPHEN",
  0x200b: "ZERO WIDTH SPACE",
  0x200c: "ZERO WIDTH NON-JOINER",
  0x200d: "ZERO WIDTH JOINER",
  0x200e: "LEFT-TO-RIGHT MARK",
  0x200f: "RIGHT-TO-LEFT MARK",
  0x202e: "RIGHT-TO-LEFT OVERRIDE",
  0x2060: "WORD JOINER",
  0xfeff: "ZERO WIDTH NO-BREAK SPACE",
  0x09: "TAB",
  0x0a: "LINE FEED",
};

function script(ch: string): string {
  for (const s of ["Cyrillic", "Greek", "Armenian", "Cherokee", "Coptic", "Lisu", "Canadian_Aboriginal"])
    if (new RegExp(`\\p{Script=${s}}`, "u").test(ch)) return s;
  const cp = ch.codePointAt(0)!;
  if (cp >= 0xff01 && cp <= 0xff5e) return "fullwidth";
  if (cp >= 0x1d400 && cp <= 0x1d7ff) return "mathematical";
  return "";
}

/**
 * A value as it may be printed: in quotes, with control, format and line-separator characters escaped (`\u001b`),
 * so a name or message never writes raw control sequences to a terminal, a log or a pull-request comment.
 */
export function printable(value: string): string {
  return JSON.stringify(value).replace(
    /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const u = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  const name = CHAR_NAMES[cp];
  if (name) return `${u} ${name}`;
  const s = script(ch);
  if (s) return `${u} (${s} "${ch}")`;
  return `${u}`;
}

/**
 * A character in a name that is invisible, or looks like a Latin letter but is not one: the name would then
 * differ from the one everybody reads and types. `lookalikes: false` for person names (Cyrillic names are real).
 */
export function suspiciousCharProblem(field: string, value: string, lookalikes = true): string | null {
  // Almost every name is clean: one test of the whole string (both patterns are per code point, like the loop
  // below) spares splitting it into characters; the loop only finds which character to report.
  // ASCII text is its own composed form: only other text is normalised (most names are ASCII).
  const composed = ASCII.test(value) ? value : lookalikes ? value.normalize("NFKC") : value.normalize("NFC");
  if (!CONTROL.test(value) && !INVISIBLE.test(value) && !(lookalikes && LOOKALIKE.test(value)) && composed === value)
    return null;
  const chars = [...value];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (CONTROL.test(ch)) {
      return (
        `${field} ${printable(value)} contains the control character ${describeChar(ch)} at ` +
        `character ${i + 1}, which no name may hold; delete it`
      );
    }
    if (INVISIBLE.test(ch)) {
      return (
        `${field} ${printable(value)} contains the invisible character ${describeChar(ch)} at ` +
        `character ${i + 1}; delete it (retype the name if unsure)`
      );
    }
    if (lookalikes && LOOKALIKE.test(ch)) {
      return (
        `${field} ${printable(value)} contains ${describeChar(ch)} at character ${i + 1}, ` +
        `which looks like a Latin character but is not one, so the name would not match the one ` +
        `people type; retype it with Latin letters`
      );
    }
  }
  if (composed !== value) {
    // Decomposed accents (e + U+0301), ligatures (ﬁ), superscripts, circled or compatibility forms: the same text
    // to a reader, another name to the registry.
    const at = chars.findIndex(
      (ch, i) =>
        chars
          .slice(0, i + 1)
          .join("")
          .normalize(lookalikes ? "NFKC" : "NFC") !== chars.slice(0, i + 1).join(""),
    );
    const ch = chars[Math.max(at, 0)]!;
    return (
      `${field} ${printable(value)} is not in its composed form (${describeChar(ch)} at ` +
      `character ${Math.max(at, 0) + 1}: a combining accent, ligature or compatibility character), ` +
      `so it would not match the name people type; write ${printable(composed)}`
    );
  }
  return null;
}

/** Control characters in free text (a description): all but tab and line breaks are refused. */
export function textControlProblem(field: string, value: string): string | null {
  const bad = TEXT_CONTROL.exec(value);
  if (!bad) return null;
  return (
    `${field} contains the control character ${describeChar(bad[0])} at character ` +
    `${[...value.slice(0, bad.index)].length + 1}; text may hold tabs and line breaks, no other ` +
    `control characters: delete it`
  );
}

/** `scheme://user[:password]@host`, wherever it stands in a value (a name, or a URL inside a description). */
const URL_USERINFO = /\b[a-z][a-z0-9+.-]*:\/\/([^/?#\s@]*)@/gi;
/** A secret passed as a URL's query parameter (`?client_secret=...`, `&access_token=...`). */
const URL_SECRET_PARAM = new RegExp(
  String.raw`\b[a-z][a-z0-9+.-]*:\/\/[^?#\s]*\?(?:[^#\s]*&)?` +
    String.raw`(client_?secret|secret|password|passwd|access_?token|api_?key)=[^&#\s]`,
  "i",
);
/** A PEM private key (PKCS#1, PKCS#8, encrypted, EC, OpenSSH, PGP...), wherever it stands in a value. */
const PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;

/**
 * A credential in a value: definitions are committed to git, where a secret cannot be taken back. Says where it
 * goes instead (`secretHelp`).
 */
export function credentialProblem(field: string, value: string, secretHelp: string): string | null {
  URL_USERINFO.lastIndex = 0;
  const userinfo = URL_USERINFO.exec(value);
  if (userinfo) {
    // Only the URL's start is shown, credentials masked: the rest of the value may hold other secrets.
    return (
      `${field} holds credentials in its URL (${printable(redactUrl(userinfo[0]))}...): the part before "@" would be ` +
      `committed to git; write the URL without them (${secretHelp})`
    );
  }
  const param = URL_SECRET_PARAM.exec(value);
  if (param) {
    return (
      `${field} passes "${param[1]}" in its URL's query, which would be committed to git; write the URL ` +
      `without it (${secretHelp})`
    );
  }
  if (PRIVATE_KEY.test(value)) {
    return (
      `${field} holds a private key (a "-----BEGIN ... PRIVATE KEY-----" block), which must never be in git: ` +
      `give only the public certificate (${secretHelp})`
    );
  }
  return null;
}

/** A URL with its credentials (`user:password@`) replaced, for printing. */
export function redactUrl(url: string): string {
  return url.replace(URL_USERINFO, (whole, info: string) => `${whole.slice(0, whole.length - info.length - 1)}***@`);
}
