/**
 * Random definition repositories for the conformance suite: groups with every rule shape the registry accepts
 * (methods and tools lists with and without wildcards, `tools` missing or `"*"`, servers by plain, slashed,
 * federated and slashed names, agent rules, the `servers` shorthand, a group mapped to two scopes), users and M2M
 * accounts holding random groups, one of each disabled. Seeded, so a failure names its seed and repeats.
 */
import { MCP_METHODS } from "../../lib";
import { prng } from "./prng";

export const RANDOM_SERVERS = ["alpha", "beta", "peer-x/gamma"] as const;
export const RANDOM_TOOLS = ["read_a", "write_b", "get_c"] as const;
export const RANDOM_AGENTS = ["/planner", "/booker"] as const;
const AGENT_ACTIONS = ["list_agents", "get_agent", "invoke_agent", "modify_agent"] as const;

export interface RandomRepo {
  seed: number;
  files: Record<string, string>;
  users: string[];
  m2m: string[];
  disabledUsers: string[];
  disabledM2m: string[];
}

const q = (s: string) => JSON.stringify(s);
const list = (xs: readonly string[]) => `[${xs.map(q).join(", ")}]`;

export function randomRepo(seed: number, groupCount = 6): RandomRepo {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const some = <T>(xs: readonly T[], p = 0.4): T[] => xs.filter(() => r() < p);
  const files: Record<string, string> = {};
  const groups: string[] = [];

  for (let g = 0; g < groupCount; g++) {
    const name = `rg${g}`;
    groups.push(name);
    const lines = [`scope_name: ${name}`, `description: random group ${g} of seed ${seed}`];
    const useShorthand = r() < 0.2;
    if (useShorthand) {
      lines.push("servers:");
      for (const s of some(RANDOM_SERVERS, 0.6)) {
        const execute = r() < 0.5;
        lines.push(`  - server_name: ${q(s)}`, `    access_level: ${execute ? "execute" : "read"}`);
        if (execute && r() < 0.5) lines.push(`    tools: ${list(some(RANDOM_TOOLS, 0.5))}`);
      }
      if (lines[lines.length - 1] === "servers:") lines.pop();
    } else {
      const rules: string[] = [];
      const ruleCount = 1 + Math.floor(r() * 3);
      const methods = [...MCP_METHODS].sort();
      for (let i = 0; i < ruleCount; i++) {
        if (r() < 0.2) {
          const agent = r() < 0.2 ? "*" : pick(RANDOM_AGENTS);
          const actions = r() < 0.2 ? ["all"] : some(AGENT_ACTIONS, 0.5);
          if (actions.length === 0) actions.push("invoke_agent");
          rules.push(`  - agent: ${q(agent)}`, `    actions: ${list(actions)}`);
          continue;
        }
        const base = pick(RANDOM_SERVERS);
        // `server: "*"` is refused in imported groups (only the bootstrap scopes may use it).
        const server = r() < 0.2 ? `/${base}/` : base;
        const ms = some(methods, 0.25);
        if (r() < 0.15) ms.push(pick(["all", "*"]));
        rules.push(`  - server: ${q(server)}`, `    methods: ${list(ms)}`);
        const t = r();
        if (t < 0.15) continue; // no tools key
        if (t < 0.25) rules.push(`    tools: "*"`);
        else {
          const ts: string[] = some(RANDOM_TOOLS, 0.4);
          if (r() < 0.15) ts.push(pick(["all", "*"]));
          if (r() < 0.1) ts.push(pick(["tools/list", "ping", "prompts/list"])); // a method named in tools
          rules.push(`    tools: ${list(ts)}`);
        }
      }
      lines.push("server_access:", ...rules);
    }
    // Members of an earlier group hold this scope too (a group mapped to two scopes).
    if (g > 0 && r() < 0.3) lines.push(`group_mappings: ${list([name, pick(groups.slice(0, -1))])}`);
    files[`groups/${name}.yaml`] = `${lines.join("\n")}\n`;
  }

  const users: string[] = [];
  const disabledUsers: string[] = [];
  for (let u = 0; u < 4; u++) {
    const name = `ruser${u}`;
    const held = some(groups, 0.35);
    if (held.length === 0) held.push(pick(groups));
    const disabled = u === 3;
    (disabled ? disabledUsers : users).push(name);
    files[`users/${name}.yaml`] =
      `username: ${name}\nemail: ${name}@example.com\nfirst_name: R\nlast_name: User\ngroups: ` +
      `${list(held)}\n${disabled ? "enabled: false\n" : ""}`;
  }
  const m2m: string[] = [];
  const disabledM2m: string[] = [];
  for (let a = 0; a < 3; a++) {
    const name = `rbot${a}`;
    const held = some(groups, 0.35);
    if (held.length === 0) held.push(pick(groups));
    const disabled = a === 2;
    (disabled ? disabledM2m : m2m).push(name);
    files[`m2m/${name}.yaml`] = `name: ${name}\ngroups: ${list(held)}\n${disabled ? "enabled: false\n" : ""}`;
  }
  return { seed, files, users, m2m, disabledUsers, disabledM2m };
}
