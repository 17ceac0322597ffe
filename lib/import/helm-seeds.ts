/**
 * The registry's seed documents as its Helm chart wrote them before release 1.31.0: the mongodb-configure Job ran a
 * ConfigMap copy of the init script (8c5b834b `charts/mongodb-configure/templates/configmap.yaml`; not in the vendored
 * archive, described by #1757 and charts/mongodb-configure/tests/job_hook_test.yaml @ 50add746: the copy "drifted
 * from scripts/init-mongodb-ce.py in six functional ways"). Its shapes, as registry-releases notes describe them:
 * `tools` as the STRING "*" and `group_mappings: []` on the two unrestricted scopes, mcp-registry-admin mapped from
 * them, the nested `agents` block in registry-admins and federation-service. Import writes no seed as a group either
 * way; this says which shape it read, and what that means.
 */
import { registrySeeds, type SeedDocument } from "../registry/seeds";
import { REGISTRY_DEFAULTS } from "../registry/switches";
import type { Doc, ImportFinding } from "./types";

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** The scripts' seed (8c5b834b) a stored seed is compared with. */
function scriptSeed(id: string): SeedDocument | undefined {
  return registrySeeds(REGISTRY_DEFAULTS).find((d) => d._id === id);
}

const hasAgentsBlock = (rules: readonly unknown[]) => rules.some((r) => isRecord(r) && "agents" in r);

/**
 * How a stored seed departs from the scripts' seed in the ways the Helm chart's copy did: its `group_mappings`
 * (`[]` on the unrestricted scopes, the unrestricted scopes' names in mcp-registry-admin's) and the nested `agents`
 * block where the scripts have none (registry-admins). A `tools` string is no mark: the scripts' own unrestricted
 * seeds store `"tools": "*"` too.
 */
export function helmSeedMarks(doc: Doc): string[] {
  const seed = scriptSeed(String(doc._id));
  if (!seed) return [];
  const marks: string[] = [];
  const mappings = Array.isArray(doc.group_mappings) ? doc.group_mappings : null;
  if (mappings && JSON.stringify(mappings) !== JSON.stringify(seed.group_mappings))
    marks.push(
      `group_mappings ${JSON.stringify(mappings)} (the scripts' seed: ${JSON.stringify(seed.group_mappings)})`,
    );
  const rules = Array.isArray(doc.server_access) ? doc.server_access : [];
  if (hasAgentsBlock(rules) && !hasAgentsBlock(seed.server_access))
    marks.push("the nested agents block (which grants nothing) instead of the {agent, actions} rule");
  return marks;
}
/** A finding for a seed stored as the Helm chart's pre-1.31.0 copy wrote it, or null. */
export function helmSeedFinding(doc: Doc, object: string): ImportFinding | null {
  const marks = helmSeedMarks(doc);
  if (!marks.length) return null;
  return {
    object,
    problem: `differs from the scripts' seed as the Helm chart's pre-1.31.0 copy did: ${marks.join("; ")}`,
    action:
      "nothing is written for it; explain and the access tests assume the seed of scripts/*.json at 8c5b834b, " +
      "which helm upgrade to 1.31.0 or later writes over it from the image's init script, on every upgrade (#1757)",
  };
}

/**
 * Why a `tools` string other than "*" is refused in a group file: the auth server tests it by substring
 * (auth_server/server.py validate_server_tool_access, 8c5b834b), so it grants more than it names.
 */
export function stringToolsProblem(rule: unknown): string | null {
  if (!isRecord(rule) || typeof rule.tools !== "string" || rule.tools === "*") return null;
  const t = rule.tools;
  return (
    `tools is the string ${JSON.stringify(t)}: the auth server tests "tool in tools" by substring on a string, so ` +
    `it grants every tool whose name is part of it (and every tool if it contains "all" or "*"); write a list`
  );
}
