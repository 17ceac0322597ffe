/**
 * Checks of single fields, run on what a file holds whether or not the rest of its item passes the schema: one
 * run shows every problem of an item (a wrong type elsewhere does not hide a username Keycloak refuses).
 */
import type { Diagnostic, FieldPath } from "../errors/diagnostics";
import {
  credentialProblem,
  emailProblem,
  entraUserProblems,
  m2mNameProblem,
  neverMatchesProblem,
  personNameProblem,
  scopeNameProblem,
  serverNameProblem,
  suspiciousCharProblem,
  textControlProblem,
  usernameProblem,
} from "./names";
import { isReservedServerName, stripSlashes } from "../registry/rules";
import type { IdentityProvider } from "../registry/rules";
import type { Kind } from "./";
import { createsIdpGroup } from "./group";
import { diagnosticAt, type SourceFile } from "../source/file";

export interface FieldCheckOptions {
  /** The identity provider the definitions are applied to; Entra's limits apply only to it. */
  identityProvider?: IdentityProvider;
}

/** Where a credential goes, unless a kind says better. */
const DEFAULT_SECRET_HELP = "keep credentials in the stack's secret config: pulumi config set --secret";
/** Free text: checked for control characters and credentials only. */
const FREE_TEXT = new Set(["description", "$schema"]);
/** Person names: Keycloak's person-name rules; other scripts are real names, so only invisible characters count. */
const PERSON_NAMES = new Set(["first_name", "last_name"]);

type Record_ = Record<string, unknown>;
const isRecord = (v: unknown): v is Record_ => v !== null && typeof v === "object" && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/**
 * Every string (and mapping key) in a value with its path, skipping free text. The path is one stack pushed and
 * popped along the walk (no array per string): `visit` must copy it to keep it.
 */
function eachName(
  value: unknown,
  path: Array<string | number>,
  visit: (s: string, path: FieldPath, key: boolean) => void,
  visitText: (s: string, path: FieldPath) => void,
  freeText?: ReadonlySet<string>,
): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      eachName(value[i], path, visit, visitText, freeText);
      path.pop();
    }
  } else if (isRecord(value)) {
    for (const k in value) {
      const v = value[k];
      path.push(k);
      if (FREE_TEXT.has(k) || freeText?.has(k)) eachText(v, path, visitText);
      else {
        visit(k, path, true);
        eachName(v, path, visit, visitText, freeText);
      }
      path.pop();
    }
  } else if (typeof value === "string") visit(value, path, false);
}

/** Every string under a free-text field (a description), with its path. */
function eachText(value: unknown, path: Array<string | number>, visit: (s: string, path: FieldPath) => void): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      eachText(value[i], path, visit);
      path.pop();
    }
  } else if (isRecord(value)) {
    for (const k in value) {
      path.push(k);
      eachText(value[k], path, visit);
      path.pop();
    }
  } else if (typeof value === "string") visit(value, [...path]);
}

function lastKey(path: FieldPath): string {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === "string") return path[i] as string;
  return "value";
}

export interface CharacterCheckOptions {
  /** Fields holding free text (any script, tabs, line breaks) besides `description` and `$schema`. */
  freeText?: ReadonlySet<string>;
  /** Fields whose values may be in any script (lookalike letters are not reported), like person names. */
  anyScript?: ReadonlySet<string>;
  /** Where a credential goes instead of a definition file, for the message refusing one. */
  secretHelp?: string;
  /** Receives the paths (joined with NUL) of the names reported, so later checks of a name do not repeat. */
  flagged?: Set<string>;
}

/**
 * The character checks every kind shares, on every name and text of one item (`at` is its path in the file):
 * control, invisible and lookalike characters in names (mapping keys included), control characters in free text.
 * One rule for every kind: a name of a brokered provider or a rate limit is as much a name as a username.
 */
export function checkCharacters(
  item: unknown,
  at: FieldPath,
  source: SourceFile,
  options: CharacterCheckOptions = {},
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const freeText = options.freeText;
  const anyScript = options.anyScript ?? PERSON_NAMES;
  const push = (path: FieldPath, message: string | null, key = false) => {
    if (message) out.push(diagnosticAt(source, [...at, ...path], message, "error", key));
  };
  const help = options.secretHelp ?? DEFAULT_SECRET_HELP;
  eachName(
    item,
    [],
    (s, path, key) => {
      const field = lastKey(path);
      const problem = suspiciousCharProblem(key ? `key` : field, s, !anyScript.has(field) || key);
      if (problem) {
        options.flagged?.add(path.join("\u0000"));
        push(path, problem, key);
      }
      if (!key) push(path, credentialProblem(field, s, help));
    },
    // Free text may hold any script, tabs and line breaks, but no other control character (a raw NUL or ESC).
    (s, path) => {
      push(path, textControlProblem(lastKey(path), s));
      push(path, credentialProblem(lastKey(path), s, help));
    },
    freeText,
  );
  return out;
}

/** The field checks of one item (`at` is its path in the file). */
export function checkFields(
  kind: Kind,
  item: unknown,
  at: FieldPath,
  source: SourceFile,
  options: FieldCheckOptions = {},
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const error = (path: FieldPath, message: string | null, key = false) => {
    if (message) out.push(diagnosticAt(source, [...at, ...path], message, "error", key));
  };
  const warn = (path: FieldPath, message: string | null) => {
    if (message) out.push(diagnosticAt(source, [...at, ...path], message, "warning"));
  };

  // Look-alike and invisible characters, in every name of the item.
  const flagged = new Set<string>();
  out.push(...checkCharacters(item, at, source, { flagged }));
  if (!isRecord(item)) return out;
  // A name already reported for its characters is not reported again for the same characters.
  const unflagged = (field: string) => !flagged.has(field);

  if (kind === "users") {
    const username = str(item.username);
    if (username !== undefined && unflagged("username")) error(["username"], usernameProblem(username));
    const email = str(item.email);
    if (email !== undefined) error(["email"], emailProblem(email));
    for (const field of PERSON_NAMES) {
      const v = str(item[field]);
      if (v !== undefined && v !== "" && unflagged(field)) error([field], personNameProblem(field, v));
    }
    if (options.identityProvider === "entra") for (const p of entraUserProblems(item)) error([p.field], p.message);
  } else if (kind === "m2m") {
    const name = str(item.name);
    if (name !== undefined && unflagged("name")) error(["name"], m2mNameProblem(name));
  } else {
    const name = str(item.scope_name);
    if (name !== undefined && name !== "" && unflagged("scope_name"))
      error(["scope_name"], scopeNameProblem(name, createsIdpGroup(item)));
    for (const [path, server] of serverNames(item)) {
      if (stripSlashes(server) === "") {
        // scope_repository.py `_server_access_has_invalid_server_rule` (#1507): import_group refuses a rule whose
        // server strips to nothing (it would render as a gateway-wide `location /`).
        const shown = server === "" ? "an empty server" : `server "${server}"`;
        const why = "the registry's import refuses empty and slash-only servers (#1507); name the server";
        error(path, `${shown} names no server: ${why}`);
      } else if (isReservedServerName(server)) {
        error(
          path,
          `server "${server}" is a wildcard the registry refuses in imported groups (only its ` +
            `bootstrap scopes may use it); list the servers by name`,
        );
      } else {
        const problem = serverNameProblem(server);
        if (problem) error(path, problem);
        else if (unflagged(path.join("\u0000"))) warn(path, neverMatchesProblem("server", server));
      }
    }
    for (const [path, tool] of toolNames(item))
      if (unflagged(path.join("\u0000"))) warn(path, neverMatchesProblem("tool", tool));
  }
  return out;
}

/** Every entry of `tools` in the rules (also inside `access_rules`) and in the shorthand, with their paths. */
function toolNames(group: Record_): Array<[FieldPath, string]> {
  const out: Array<[FieldPath, string]> = [];
  const rules = (list: unknown, path: FieldPath) => {
    if (!Array.isArray(list)) return;
    list.forEach((r, i) => {
      if (!isRecord(r)) return;
      if (Array.isArray(r.tools))
        r.tools.forEach((t, j) => typeof t === "string" && out.push([[...path, i, "tools", j], t]));
      rules(r.access_rules, [...path, i, "access_rules"]);
    });
  };
  rules(group.server_access, ["server_access"]);
  rules(group.servers, ["servers"]);
  return out;
}

/** `server` of every rule (also inside `access_rules`) and `server_name` of the shorthand, with their paths. */
function serverNames(group: Record_): Array<[FieldPath, string]> {
  const out: Array<[FieldPath, string]> = [];
  const rules = (list: unknown, path: FieldPath, field: string) => {
    if (!Array.isArray(list)) return;
    list.forEach((r, i) => {
      if (!isRecord(r)) return;
      const s = str(r[field]);
      if (s !== undefined) out.push([[...path, i, field], s]);
      if (field === "server") rules(r.access_rules, [...path, i, "access_rules"], "server");
    });
  };
  rules(group.server_access, ["server_access"], "server");
  rules(group.servers, ["servers"], "server_name");
  return out;
}
