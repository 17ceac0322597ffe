/**
 * Core benchmark: validate + render of a large repository (1,000 groups, 10,000 users, 1,000 M2M accounts)
 * against the floor of just reading and parsing the same YAML files, measured in the same process.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { checkRepository, renderRegistryDocuments } from "../lib";
import { runDiff } from "../cli/diff";
import { runReport } from "../cli/access-report";
import { result, type BenchResult } from "./stats";

export type { BenchResult };

export function generateRepository(groups: number, users: number, m2m: number): string {
  const root = mkdtempSync(join(tmpdir(), "mcp-access-bench-"));
  for (const kind of ["groups", "users", "m2m"]) mkdirSync(join(root, kind));
  for (let i = 0; i < groups; i++) {
    writeFileSync(
      join(root, "groups", `g${i}.yaml`),
      `scope_name: group-${i}\ndescription: Group ${i}\nserver_access:\n  - server: ` +
        `server-${i % 50}\n    methods: [initialize, tools/list, tools/call]\n    tools: [tool-a, ` +
        `tool-b, tool-${i}]\n  - agent: /agent-${i % 20}\n    actions: [list_agents, ` +
        `get_agent]\nui_permissions:\n  list_service: [server-${i % 50}]\n`,
    );
  }
  for (let i = 0; i < users; i++) {
    writeFileSync(
      join(root, "users", `u${i}.yaml`),
      `username: user-${i}\nemail: user-${i}@example.com\nfirst_name: U\nlast_name: N${i}\ngroups: ` +
        `[group-${i % groups}, group-${(i * 7) % groups}]\n`,
    );
  }
  for (let i = 0; i < m2m; i++)
    writeFileSync(join(root, "m2m", `a${i}.yaml`), `name: agent-${i}\ngroups: [group-${i % groups}]\n`);
  return root;
}

export interface CoreSize {
  groups: number;
  users: number;
  m2m: number;
}

export const CORE_FULL: CoreSize = { groups: 1000, users: 10000, m2m: 1000 };

const label = (s: CoreSize) =>
  `${s.groups.toLocaleString("en")} groups, ${s.users.toLocaleString("en")} users, ${s.m2m.toLocaleString("en")} M2M`;

function ms(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** Rounds alternate floor and subject, after one warm-up of each, so both see the same machine. */
function alternate(floor: () => void, subject: () => void, rounds: number): { floor: number[]; subject: number[] } {
  floor();
  subject();
  const out = { floor: [] as number[], subject: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    out.floor.push(ms(floor));
    out.subject.push(ms(subject));
  }
  return out;
}

function readAndParse(root: string): void {
  for (const kind of ["groups", "users", "m2m"]) {
    for (const f of readdirSync(join(root, kind))) parseDocument(readFileSync(join(root, kind, f), "utf8")).toJS();
  }
}

export function benchCore(size: CoreSize = CORE_FULL, rounds = 5): BenchResult {
  const root = generateRepository(size.groups, size.users, size.m2m);
  try {
    const subject = () => {
      const r = checkRepository(root, { existingGroups: ["registry-admins"] });
      if (!r.ok) throw new Error(`bench repository invalid: ${r.errors[0]?.message}`);
      renderRegistryDocuments(r.model);
    };
    const t = alternate(() => readAndParse(root), subject, rounds);
    return result(
      {
        name: `core: validate + render (${label(size)})`,
        against: "read + parse the same YAML",
        unit: "ms",
        goal: 1.2,
      },
      t.floor,
      t.subject,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Peak memory of validate + render against the floor, each in a fresh process (RSS, so the engine counts). */
export function benchCoreMemory(size: CoreSize = CORE_FULL, rounds = 3): BenchResult {
  const root = generateRepository(size.groups, size.users, size.m2m);
  try {
    const peak = (mode: string) =>
      Number(
        execFileSync(process.execPath, [join(__dirname, "memory-child.js"), mode, root], { encoding: "utf8" }).split(
          " ",
        )[0],
      ) / 1024;
    const floor: number[] = [];
    const subject: number[] = [];
    for (let i = 0; i < rounds; i++) {
      floor.push(peak("floor"));
      subject.push(peak("core"));
    }
    return result(
      {
        name: "core memory: peak RSS of validate + render (same repository)",
        against: "peak RSS of reading + parsing the YAML",
        unit: "MiB",
        goal: 1.3,
      },
      floor,
      subject,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * `mcp-access diff` between two git revisions of the repository (30 users and 10 groups changed) against one validate.
 */
export function benchDiff(size: CoreSize = CORE_FULL, rounds = 5): BenchResult {
  const root = generateRepository(size.groups, size.users, size.m2m);
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.com", ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
  try {
    git("init", "-q");
    git("add", "-A");
    git("commit", "-qm", "base");
    for (let i = 0; i < Math.min(30, size.users); i++) {
      writeFileSync(
        join(root, "users", `u${i}.yaml`),
        `username: user-${i}\nemail: user-${i}@example.com\nfirst_name: U\nlast_name: ` +
          `N${i}\ngroups: [group-${(i + 1) % size.groups}]\n`,
      );
    }
    for (let i = 0; i < Math.min(10, size.groups); i++) {
      writeFileSync(
        join(root, "groups", `g${i}.yaml`),
        `scope_name: group-${i}\ndescription: Group ${i}\nserver_access:\n  - server: ` +
          `server-${i % 50}\n    methods: [initialize, tools/list]\n    tools: [tool-a]\n`,
      );
    }
    git("commit", "-qam", "head");
    const io = { out: () => undefined, err: () => undefined };
    const validate = () => {
      if (!checkRepository(root, { existingGroups: ["registry-admins"] }).ok)
        throw new Error("bench repository invalid");
    };
    const diff = () => {
      if (
        runDiff({ dir: root, base: "HEAD~1", head: "HEAD", format: "json", existingGroup: ["registry-admins"] }, io) !==
        0
      )
        throw new Error("diff failed");
    };
    const t = alternate(validate, diff, rounds);
    return result(
      {
        name: `diff: two git revisions (${label(size)})`,
        against: "one validate of the repository",
        unit: "ms",
        goal: 2,
      },
      t.floor,
      t.subject,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * `mcp-access report` of the repository (the page and its CSV written: every identity × every server and agent,
 * decided by decideFor) against one validate of it.
 */
export function benchReport(size: CoreSize = CORE_FULL, rounds = 5): BenchResult {
  const root = generateRepository(size.groups, size.users, size.m2m);
  const out = mkdtempSync(join(tmpdir(), "mcp-access-bench-report-"));
  try {
    const io = { out: () => undefined, err: () => undefined };
    const validate = () => {
      if (!checkRepository(root, { existingGroups: ["registry-admins"] }).ok)
        throw new Error("bench repository invalid");
    };
    const report = () => {
      const flags = { dir: root, out, format: "html" as const, existingGroup: ["registry-admins"] };
      if (runReport(flags, io) !== 0) throw new Error("report failed");
    };
    const t = alternate(validate, report, rounds);
    const page = statSync(join(out, "index.html")).size;
    return result(
      {
        name: `report: the access report page and CSV (${label(size)}; page ${(page / 2 ** 20).toFixed(1)} MiB)`,
        against: "one validate of the repository",
        unit: "ms",
        goal: 10,
      },
      t.floor,
      t.subject,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
}
