/**
 * Hostile input: `validate` of a repository whose one file is an adversarial 1 MiB (each shape the issue found
 * slow or crashing: 95,000 keys in one mapping, anchors and aliases everywhere, aliases that expand to the bound,
 * nesting to the limit, deep nesting past it) against the same of an ordinary 1 MiB file (a group with as many
 * server_access rules as fit). The row reports the slowest adversarial shape of each round.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkRepository } from "../lib";
import {
  DEFAULT_MAX_FILE_BYTES,
  MAX_ALIAS_EXPANSION,
  MAX_FILE_TOKENS,
  MAX_FILE_VALUES,
  MAX_NESTING_DEPTH,
} from "../lib/source/file";
import { result, type BenchResult } from "./stats";

/** Lines from `line(i)` until the next would pass `bytes`. */
function fill(head: string, bytes: number, line: (i: number) => string, tail = ""): string {
  const parts = [head];
  let size = head.length + tail.length;
  for (let i = 0; ; i++) {
    const l = line(i);
    if (size + l.length > bytes) break;
    parts.push(l);
    size += l.length;
  }
  parts.push(tail);
  return parts.join("");
}

export function ordinaryFile(bytes: number): string {
  return fill(
    "scope_name: ordinary\ndescription: one large group\nserver_access:\n",
    bytes,
    (i) =>
      `  - server: server-${i}\n    methods: [initialize, tools/list, tools/call]\n    tools: [tool-a, tool-${i}]\n`,
  );
}

/** `body`, padded to `bytes` with one comment line (two tokens, no value). */
function padded(body: string, bytes: number): string {
  return body.length + 3 > bytes ? body : `${body}#${"x".repeat(bytes - body.length - 2)}\n`;
}

const lines = (n: number, line: (i: number) => string) => Array.from({ length: n }, (_, i) => line(i)).join("");

/** The shapes, each as large as the limits let it be (1 MiB, MAX_FILE_VALUES, MAX_FILE_TOKENS), or past them. */
export function adversarialFiles(bytes: number): Record<string, string> {
  const side = Math.floor(Math.sqrt(MAX_ALIAS_EXPANSION)) - 1;
  // At the limits for a 1 MiB file; a smaller size (the smoke run) scales them down.
  const scale = Math.min(1, bytes / DEFAULT_MAX_FILE_BYTES);
  const values = Math.floor((MAX_FILE_VALUES - 100) * scale);
  const tokens = Math.floor((MAX_FILE_TOKENS - 100) * scale);
  const depth = MAX_NESTING_DEPTH - 4;
  const nestedCount = Math.min(values / (2 * depth + 2), tokens / (2 * depth + 6));
  const bracketed = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
  return {
    "keys in one mapping, past the limits": fill("scope_name: keys\n", bytes, (i) => `k${i}: v\n`),
    "keys in one mapping": padded(
      `scope_name: keys\n${lines(Math.min(values / 2, tokens / 7), (i) => `k${i}: v\n`)}`,
      bytes,
    ),
    "keys in a flow mapping": padded(
      `scope_name: flow\nui_permissions: {${lines(Math.min(values / 4, tokens / 9), (i) => `k${i}: [a], `)}}\n`,
      bytes,
    ),
    "one-character list items": padded(
      `scope_name: list\nx:\n${lines(Math.min(values / 2, tokens / 5), () => "- a\n")}`,
      bytes,
    ),
    "comment lines": padded(`scope_name: comments\n${lines(tokens / 2, () => "#\n")}`, bytes),
    anchors: fill(
      "scope_name: anchors\nserver_access:\n",
      bytes,
      (i) => `  - &a${i} {server: &s${i} s${i}, methods: &m${i} [tools/list]}\n`,
    ),
    "aliases to the bound": padded(
      `scope_name: aliases\nx: &a [${Array(side).fill("1").join(", ")}]\ny:\n${lines(side, () => "  - *a\n")}`,
      bytes,
    ),
    "nesting to the limit": padded(
      `scope_name: nested\n${lines(nestedCount, (i) => `n${i}: ${"[".repeat(depth)}x${"]".repeat(depth)}\n`)}`,
      bytes,
    ),
    "nesting past the limit": `scope_name: deep\ndescription: ${bracketed(bytes / 2 - 40)}\n`,
  };
}

function ms(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

export function benchHostile(rounds = 5, bytes = DEFAULT_MAX_FILE_BYTES - 1024): BenchResult {
  const make = (name: string, text: string) => {
    const root = mkdtempSync(join(tmpdir(), `mcp-access-bench-hostile-${name.replace(/\W+/g, "-")}-`));
    mkdirSync(join(root, "groups"));
    writeFileSync(join(root, "groups", "g.yaml"), text);
    return root;
  };
  const ordinary = make("ordinary", ordinaryFile(bytes));
  const hostile = Object.entries(adversarialFiles(bytes)).map(([name, text]) => ({ name, root: make(name, text) }));
  try {
    const validate = (root: string) => checkRepository(root, { existingGroups: ["registry-admins"] });
    if (!validate(ordinary).ok) throw new Error("bench: the ordinary file is invalid");
    for (const h of hostile) validate(h.root); // warm-up
    const floor: number[] = [];
    const subject: number[] = [];
    const slowest = new Map<string, number>();
    for (let i = 0; i < rounds; i++) {
      floor.push(ms(() => validate(ordinary)));
      let worst = 0;
      for (const h of hostile) {
        const t = ms(() => validate(h.root));
        slowest.set(h.name, Math.max(slowest.get(h.name) ?? 0, t));
        worst = Math.max(worst, t);
      }
      subject.push(worst);
    }
    const top = [...slowest].sort((a, b) => b[1] - a[1])[0]!;
    return result(
      {
        name: "hostile input: validate of a 1 MiB adversarial file (slowest shape)",
        against: "validate of an ordinary 1 MiB file",
        unit: "ms",
        goal: 2,
        note: `slowest: ${top[0]}`,
      },
      floor,
      subject,
    );
  } finally {
    for (const r of [ordinary, ...hostile.map((h) => h.root)]) rmSync(r, { recursive: true, force: true });
  }
}
