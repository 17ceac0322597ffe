/**
 * From access tests to concrete expectations: each identity resolved against the model (a name the definitions
 * do not know is an error at its line), each request checked for the servers and agents it names, and `*`
 * expanded to every server, tool or agent the definitions name.
 */
import type { Diagnostic, FieldPath } from "../errors/diagnostics";
import { formatPath } from "../errors/diagnostics";
import { serverKeyOfUrl } from "./decide";
import type { AuthScope } from "./effective-access";
import { serverRules } from "../registry/evaluate";
import type { Located } from "../load/definitions";
import type { AccessModel } from "../model/access-model";
import {
  identityProviderAliases,
  m2mNames,
  resolveIdentity,
  userNames,
  type ResolvedIdentity,
} from "../model/identities";
import { grantsEverything, isWildcard, matchesEveryServer, serverNamesMatch, stripSlashes } from "../registry/rules";
import type { AccessRequest, AccessTest, TestIdentity } from "../schema";
import { suggest } from "../schema/issues";
import { diagnosticAt } from "../source/file";

/** Stands for "a tool (or server) no rule names" in an expansion: only a wildcard grants it. */
export const ANY_OTHER_TOOL = "<any other tool>";
export const ANY_OTHER_SERVER = "<any other server>";

export type { ResolvedIdentity };

/** One request as written, with the concrete requests it stands for. */
export interface Expectation {
  file: string;
  line: number;
  column: number;
  /** Field path in the file, e.g. `[0].deny[2]`. */
  path: string;
  expect: "allow" | "deny";
  identity: ResolvedIdentity;
  /** The request as written, as people read it. */
  written: string;
  requests: AccessRequest[];
}

/** What the definitions name: the universe `*` expands to, and what a reference must be one of. */
interface Names {
  servers: string[];
  toolsOf: (server: string) => string[];
  agents: string[];
  groups: string[];
}

function namesOf(model: AccessModel, all: readonly AuthScope[]): Names {
  // What the definitions (and the seeds the stack renders) name; the registry's other seeds add only groups.
  const docs = all.filter((d) => !d.seeded);
  const rules = docs.flatMap(serverRules);
  const servers = [
    ...new Set(rules.filter((r) => !matchesEveryServer(r.server)).map((r) => stripSlashes(r.server))),
  ].sort();
  const toolsOf = (server: string) => {
    const named = rules
      .filter((r) => serverNamesMatch(r.server, server))
      .flatMap((r) => (Array.isArray(r.tools) && !grantsEverything(r.tools) ? r.tools : []));
    return [...new Set(named)].sort();
  };
  const agents = new Set<string>();
  for (const doc of docs) {
    for (const e of doc.server_access)
      if ("agent" in e && !isWildcard(e.agent)) agents.add(`/${stripSlashes(e.agent)}`);
    for (const a of doc.agent_access ?? []) if (!isWildcard(a)) agents.add(`/${stripSlashes(a)}`);
  }
  const mapped = all.flatMap((d) => d.group_mappings);
  const groups = new Set([...model.groups.map((g) => g.name), ...model.externalGroups, ...mapped]);
  return { servers, toolsOf, agents: [...agents].sort(), groups: [...groups].sort() };
}

/** The request as people read it. */
export function requestText(r: AccessRequest): string {
  if ("url" in r) return `${r.method}${r.tool !== undefined ? ` ${r.tool}` : ""} at ${r.url}`;
  if ("agent" in r) return `${r.action} on agent ${r.agent}`;
  if ("http" in r) return `HTTP ${r.http.toUpperCase()} on ${r.server}`;
  return `${r.method}${r.tool !== undefined ? ` ${r.tool}` : ""} on ${r.server}`;
}

const hint = (word: string, known: readonly string[]) => {
  const s = suggest(word, known);
  return s ? `: did you mean "${s}"?` : "";
};

class Planner {
  readonly diagnostics: Diagnostic[] = [];
  constructor(
    private readonly model: AccessModel,
    private readonly names: Names,
  ) {}

  private error(loc: Located<AccessTest>, path: FieldPath, message: string): void {
    this.diagnostics.push(diagnosticAt(loc.source, [...loc.at, ...path], message));
  }

  identity(loc: Located<AccessTest>, id: TestIdentity): ResolvedIdentity | null {
    if ("m2m" in id) {
      const found = resolveIdentity(this.model, id);
      if (!found)
        this.error(loc, ["identity", "m2m"], `no M2M account "${id.m2m}" in m2m/${hint(id.m2m, m2mNames(this.model))}`);
      return found;
    }
    if ("user" in id) {
      const found = resolveIdentity(this.model, id);
      if (!found)
        this.error(loc, ["identity", "user"], `no user "${id.user}" in users/${hint(id.user, userNames(this.model))}`);
      return found;
    }
    if ("idp" in id) {
      const found = resolveIdentity(this.model, id);
      if (!found) {
        const known = identityProviderAliases(this.model);
        this.error(
          loc,
          ["identity", "idp"],
          `no identity provider "${id.idp}" in identity-providers/${hint(id.idp, known)}`,
        );
      }
      return found;
    }
    let ok = true;
    id.groups.forEach((g, i) => {
      if (this.names.groups.includes(g)) return;
      ok = false;
      this.error(
        loc,
        ["identity", "groups", i],
        `group "${g}" is not defined in groups/, declared by the stack, nor in any ` +
          `group_mappings${hint(g, this.names.groups)}`,
      );
    });
    return ok ? { label: `groups ${id.groups.join(", ")}`, groups: [...id.groups], enabled: true } : null;
  }

  private knownServer(loc: Located<AccessTest>, path: FieldPath, server: string): boolean {
    if (this.names.servers.includes(stripSlashes(server))) return true;
    this.error(
      loc,
      path,
      `server "${server}" is not named by any rule of the ` +
        `definitions${hint(stripSlashes(server), this.names.servers)}; a test of a server nobody names proves nothing`,
    );
    return false;
  }

  /** The concrete requests a written one stands for; null after reporting an unknown name. */
  requests(loc: Located<AccessTest>, path: FieldPath, r: AccessRequest): AccessRequest[] | null {
    if ("url" in r) {
      const target = serverKeyOfUrl(r.url);
      if (!target.api && !this.names.servers.includes(target.key)) {
        this.error(
          loc,
          [...path, "url"],
          `${r.url} is server "${target.key}", which no rule of the definitions ` +
            `names${hint(target.key, this.names.servers)}`,
        );
        return null;
      }
      if (target.api || r.tool !== "*") return [r];
      return [...this.names.toolsOf(target.key), ANY_OTHER_TOOL].map((tool) => ({ ...r, tool }));
    }
    if ("agent" in r) {
      if (isWildcard(r.agent)) return this.names.agents.map((agent) => ({ ...r, agent }));
      if (this.names.agents.includes(`/${stripSlashes(r.agent)}`)) return [r];
      this.error(
        loc,
        [...path, "agent"],
        `agent "${r.agent}" is not named by any agent rule or agent_access of the ` +
          `definitions${hint(`/${stripSlashes(r.agent)}`, this.names.agents)}`,
      );
      return null;
    }
    const servers =
      r.server === "*"
        ? [...this.names.servers, ANY_OTHER_SERVER]
        : this.knownServer(loc, [...path, "server"], r.server)
          ? [r.server]
          : null;
    if (!servers) return null;
    if ("http" in r) return servers.map((server) => ({ ...r, server }));
    return servers.flatMap((server) => {
      if (r.tool !== "*") return [{ ...r, server }];
      return [...this.names.toolsOf(stripSlashes(server)), ANY_OTHER_TOOL].map((tool) => ({ ...r, server, tool }));
    });
  }
}

/** Concrete expectations of the tests, and the errors of names the definitions do not know. */
export function planAccessTests(
  model: AccessModel,
  docs: readonly AuthScope[],
  tests: readonly Located<AccessTest>[],
): { expectations: Expectation[]; diagnostics: Diagnostic[] } {
  const planner = new Planner(model, namesOf(model, docs));
  const expectations: Expectation[] = [];
  for (const loc of tests) {
    const identity = planner.identity(loc, loc.value.identity);
    for (const expect of ["allow", "deny"] as const) {
      (loc.value[expect] ?? []).forEach((written, i) => {
        const path = [expect, i];
        const requests = planner.requests(loc, path, written);
        if (!identity || !requests) return;
        const pos = loc.source.locate([...loc.at, ...path]);
        expectations.push({
          file: loc.source.file,
          line: pos.line,
          column: pos.column,
          path: formatPath([...loc.at, ...path]),
          expect,
          identity,
          written: requestText(written),
          requests,
        });
      });
    }
  }
  return { expectations, diagnostics: planner.diagnostics };
}
