/**
 * Access tests: a file under `access-tests/` (read by the one loader, lib/load/repository.ts) checked against its
 * schema, each identity and request against the shape
 * its keys say it is, so a mistake is reported in the terms the author meant.
 */
import type { Diagnostic, FieldPath } from "../errors/diagnostics";
import type { Located } from "./definitions";
import {
  AccessTestFile,
  AccessTestShell,
  identityBranch,
  identityKeys,
  knownFieldsOf,
  requestBranch,
  type AccessRequest,
  type AccessTest,
  type TestIdentity,
} from "../schema";
import { checkCharacters } from "../schema/field-checks";
import { translateIssues } from "../schema/issues";
import { diagnosticAt, type SourceFile } from "../source/file";
import type { z } from "zod";

export interface LoadedAccessTests {
  /** True when the repository has an `access-tests/` folder (or the revision has files under it). */
  present: boolean;
  /** The entries whose identity and requests are all well-formed. */
  tests: Located<AccessTest>[];
}

/** Parses `value` (at `path` in `source`) with `schema`; its issues as diagnostics. */
function parseAt<T>(
  schema: z.ZodType,
  source: SourceFile,
  path: FieldPath,
  value: unknown,
  out: Diagnostic[],
): T | null {
  const res = schema.safeParse(value);
  if (res.success) return res.data as T;
  out.push(
    ...translateIssues(res.error.issues, {
      source,
      prefix: path,
      knownFields: knownFieldsOf(AccessTestFile),
      skipKeys: new Set(),
    }),
  );
  return null;
}

function checkIdentity(source: SourceFile, path: FieldPath, value: unknown, out: Diagnostic[]): TestIdentity | null {
  const keys = identityKeys(value);
  if (keys.length !== 1) {
    const said = keys.length ? `names ${keys.join(" and ")}` : "names no identity";
    out.push(
      diagnosticAt(
        source,
        path,
        `identity ${said}: give exactly one of {m2m: NAME}, {user: NAME}, {groups: [...]} or {idp: ` +
          `ALIAS, claims: {...}}`,
      ),
    );
    return null;
  }
  return parseAt<TestIdentity>(identityBranch(keys[0]!), source, path, value, out);
}

/** Requests that parse but say nothing a decision can use. */
function requestProblem(r: AccessRequest): { field: string; message: string } | null {
  if (!("method" in r)) return null;
  if (r.method === "tools/call" && r.tool === undefined)
    return {
      field: "method",
      message: `tools/call needs "tool": the tool called (or "*" for every tool the definitions name)`,
    };
  if (r.method !== "tools/call" && r.tool !== undefined)
    return { field: "tool", message: `"tool" goes with method tools/call only; remove it or set method: tools/call` };
  return null;
}

function checkRequest(source: SourceFile, path: FieldPath, value: unknown, out: Diagnostic[]): AccessRequest | null {
  const branch = requestBranch(value);
  if (!branch) {
    out.push(
      diagnosticAt(
        source,
        path,
        `a request needs "server" (with "method", or "http" for a verb), "url" (with "method") or ` +
          `"agent" (with "action")`,
      ),
    );
    return null;
  }
  const request = parseAt<AccessRequest>(branch, source, path, value, out);
  const problem = request && requestProblem(request);
  if (problem) {
    out.push(diagnosticAt(source, [...path, problem.field], problem.message));
    return null;
  }
  return request;
}

function checkEntry(source: SourceFile, at: FieldPath, value: unknown, out: Diagnostic[]): AccessTest | null {
  const shell = parseAt<z.infer<typeof AccessTestShell>>(AccessTestShell, source, at, value, out);
  if (!shell) return null;
  // Rate-limit expectations (lib/review/rate-limit-tests.ts) may stand alone.
  const rated = {
    ...(shell.quarantined !== undefined ? { quarantined: shell.quarantined } : {}),
    ...(shell.rate_limits ? { rate_limits: shell.rate_limits } : {}),
  };
  if (!shell.allow && !shell.deny && !Object.keys(rated).length) {
    out.push(
      diagnosticAt(
        source,
        at,
        `an access test needs "allow" or "deny" (or both): the requests it expects; or ` +
          `"quarantined" / "rate_limits" for rate limits`,
      ),
    );
  }
  const identity = checkIdentity(source, [...at, "identity"], shell.identity, out);
  const requests = (field: "allow" | "deny") =>
    shell[field]?.map((r, i) => checkRequest(source, [...at, field, i], r, out));
  const allow = requests("allow");
  const deny = requests("deny");
  const complete = (list: Array<AccessRequest | null> | undefined) =>
    list === undefined || list.every((r) => r !== null);
  if (!identity || (!allow && !deny && !Object.keys(rated).length) || !complete(allow) || !complete(deny)) return null;
  return {
    identity,
    ...(allow ? { allow: allow as AccessRequest[] } : {}),
    ...(deny ? { deny: deny as AccessRequest[] } : {}),
    ...rated,
  };
}

/** One `access-tests/` file: a list of tests, each checked in the terms its keys say it is written in. */
export function checkAccessTestFile(source: SourceFile, out: Diagnostic[]): Located<AccessTest>[] {
  if (!Array.isArray(source.value)) {
    out.push(
      diagnosticAt(source, [], "expected a list of access tests ({identity, allow, deny}) at the top of the file"),
    );
    return [];
  }
  if (source.value.length === 0) {
    out.push(diagnosticAt(source, [], "the file holds no access test; remove it or add one"));
    return [];
  }
  const tests: Located<AccessTest>[] = [];
  source.value.forEach((value: unknown, i) => {
    // The names a test gives (users, groups, servers, claims) get the character checks every name gets.
    out.push(...checkCharacters(value, [i], source));
    const test = checkEntry(source, [i], value, out);
    if (test) tests.push({ value: test, source, at: [i] });
  });
  return tests;
}
