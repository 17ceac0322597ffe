/** Temporary definition repositories for tests. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after } from "node:test";
import { checkRepository, type CheckOptions, type CheckResult, type Diagnostic } from "../../lib";

const made: string[] = [];
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

export function makeRepo(files: Record<string, string | Uint8Array>): string {
  const root = mkdtempSync(join(tmpdir(), "mcp-access-test-"));
  made.push(root);
  for (const [name, content] of Object.entries(files)) {
    const path = join(root, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return root;
}

export function check(files: Record<string, string | Uint8Array>, options: CheckOptions = {}): CheckResult {
  return checkRepository(makeRepo(files), { existingGroups: ["registry-admins"], ...options });
}

/** The one diagnostic matching `pattern`; fails the test with the full list otherwise. */
export function only(list: readonly Diagnostic[], pattern: RegExp): Diagnostic {
  const hits = list.filter((d) => pattern.test(d.message));
  if (hits.length !== 1) {
    throw new Error(
      `expected exactly one diagnostic matching ${pattern}, got ` +
        `${hits.length}:\n${list.map((d) => `${d.file}:${d.line}:${d.column} ${d.path} ${d.message}`).join("\n")}`,
    );
  }
  return hits[0]!;
}

export const GROUP = `scope_name: tools-users
description: test group
server_access:
  - server: currenttime
    methods: [initialize, tools/list, tools/call]
    tools: [current_time_by_timezone]
`;

export const USER = (name: string, groups = "[tools-users]") => `username: ${name}
email: ${name}@example.com
first_name: First
last_name: Last
groups: ${groups}
`;
