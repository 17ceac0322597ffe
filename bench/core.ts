/**
 * Core benchmark: validate + render of a large repository (1,000 groups, 10,000 users, 1,000 M2M accounts)
 * against the floor of just reading and parsing the same YAML files, measured in the same process.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { checkRepository, renderRegistryDocuments } from "../lib";

export interface BenchResult {
  name: string;
  /** What the subject is compared with, measured in the same run. */
  against: string;
  unit: "ms" | "MiB";
  baseline: number;
  subject: number;
  ratio: number;
  note?: string;
}

export function generateRepository(groups: number, users: number, m2m: number): string {
  const root = mkdtempSync(join(tmpdir(), "mcp-access-bench-"));
  for (const kind of ["groups", "users", "m2m"]) mkdirSync(join(root, kind));
  for (let i = 0; i < groups; i++) {
    writeFileSync(
      join(root, "groups", `g${i}.yaml`),
      `scope_name: group-${i}\ndescription: Group ${i}\nserver_access:\n  - server: server-${i % 50}\n    methods: [initialize, tools/list, tools/call]\n    tools: [tool-a, tool-b, tool-${i}]\n  - agent: /agent-${i % 20}\n    actions: [list_agents, get_agent]\nui_permissions:\n  list_service: [server-${i % 50}]\n`,
    );
  }
  for (let i = 0; i < users; i++) {
    writeFileSync(join(root, "users", `u${i}.yaml`), `username: user-${i}\nemail: user-${i}@example.com\nfirst_name: U\nlast_name: N${i}\ngroups: [group-${i % groups}, group-${(i * 7) % groups}]\n`);
  }
  for (let i = 0; i < m2m; i++) writeFileSync(join(root, "m2m", `a${i}.yaml`), `name: agent-${i}\ngroups: [group-${i % groups}]\n`);
  return root;
}

function time(fn: () => void, rounds: number): number {
  fn(); // warm-up
  const t = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) fn();
  return Number(process.hrtime.bigint() - t) / 1e6 / rounds;
}

export function benchCore(rounds = 3): BenchResult {
  const root = generateRepository(1000, 10000, 1000);
  try {
    const floor = () => {
      for (const kind of ["groups", "users", "m2m"]) {
        for (const f of readdirSync(join(root, kind))) parseDocument(readFileSync(join(root, kind, f), "utf8")).toJS();
      }
    };
    const subject = () => {
      const r = checkRepository(root, { existingGroups: ["registry-admins"] });
      if (!r.ok) throw new Error(`bench repository invalid: ${r.errors[0]?.message}`);
      renderRegistryDocuments(r.model);
    };
    const baselineMs = time(floor, rounds);
    const subjectMs = time(subject, rounds);
    return { name: "core: validate + render (1,000 groups, 10,000 users, 1,000 M2M)", against: "read + parse the same YAML", unit: "ms", baseline: baselineMs, subject: subjectMs, ratio: subjectMs / baselineMs };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Peak memory of validate + render against the floor, each in a fresh process (RSS, so the engine counts). */
export function benchCoreMemory(): BenchResult {
  const root = generateRepository(1000, 10000, 1000);
  try {
    const peak = (mode: string) =>
      Number(execFileSync(process.execPath, [join(__dirname, "memory-child.js"), mode, root], { encoding: "utf8" }).split(" ")[0]) / 1024;
    const baselineMiB = peak("floor");
    const subjectMiB = peak("core");
    return { name: "core memory: peak RSS of validate + render (same repository)", against: "peak RSS of reading + parsing the YAML", unit: "MiB", baseline: baselineMiB, subject: subjectMiB, ratio: subjectMiB / baselineMiB };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
