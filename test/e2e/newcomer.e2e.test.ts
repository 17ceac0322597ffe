/**
 * The README's newcomer path, run as written: the commands of its `<!-- newcomer -->` block, in order, in one shell,
 * in a clean copy of this repository (its tracked and new files, nothing generated), with nothing pasted. Keycloak
 * and the database are the test services (npm run local takes configured ones from KEYCLOAK_URL and
 * MONGODB_CONNECTION_STRING, as the README says), so the path runs beside the other suites.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MongoClient } from "mongodb";
import { DEFAULT_DATABASE, DEFAULT_REALM } from "../../lib";
import { keycloakAdmin } from "../support/keycloak-admin";
import { REPO_ROOT } from "../support/paths";
import { databaseUri, keycloakUrl } from "../support/services";

/** The commands of the README's newcomer block, comments dropped. */
function newcomerCommands(): string[] {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const block = /<!-- newcomer -->\n```bash\n([\s\S]*?)```\n<!-- \/newcomer -->/.exec(readme);
  assert.ok(block, "README.md has a newcomer block");
  return block[1]!
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter((l) => l !== "");
}

/** A clean copy of the working tree: tracked and untracked-but-not-ignored files only. */
function cleanCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "mcp-access-newcomer-"));
  const files = execFileSync("git", ["ls-files", "-z", "-co", "--exclude-standard"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });
  for (const f of files.split("\0").filter((f) => f !== "")) {
    mkdirSync(join(dir, dirname(f)), { recursive: true });
    cpSync(join(REPO_ROOT, f), join(dir, f), { verbatimSymlinks: true });
  }
  return dir;
}

async function dropLocalStack(): Promise<void> {
  await (
    await keycloakAdmin("master").catch(() => undefined)
  )?.realms
    .del({ realm: DEFAULT_REALM })
    .catch(() => undefined);
  const client = await MongoClient.connect(databaseUri());
  await client.db(DEFAULT_DATABASE).dropDatabase();
  await client.close();
}

describe("the README's newcomer path", { timeout: 30 * 60_000 }, () => {
  let dir: string;
  before(async () => {
    await dropLocalStack();
    dir = cleanCopy();
  });
  after(async () => {
    await dropLocalStack();
    rmSync(dir, { recursive: true, force: true });
  });

  it("every command works in order in one shell, and says what is true", () => {
    const commands = newcomerCommands();
    assert.deepEqual(commands.slice(0, 2), ["npm ci", "npm run local"]);
    // One shell: each command's output framed, so each can be checked on its own.
    const script = ["set -e", ...commands.flatMap((c, i) => [`echo "@@ ${i}"`, c])].join("\n");
    // A newcomer has no Pulumi on PATH: the engine the test services built is taken off it.
    const engine = process.env.MCP_ACCESS_TEST_ENGINE_BIN;
    const path = (process.env.PATH ?? "").split(":").filter((p) => p !== "" && p !== engine);
    const res = spawnSync("bash", ["-c", `if command -v pulumi; then exit 97; fi\n${script}`], {
      cwd: dir,
      encoding: "utf8",
      env: {
        ...process.env,
        PATH: path.join(":"),
        KEYCLOAK_URL: keycloakUrl(),
        MONGODB_CONNECTION_STRING: databaseUri(),
        MCP_ACCESS_STATE_DIR: join(dir, ".local"),
        PULUMI_BACKEND_URL: "",
        PULUMI_CONFIG_PASSPHRASE: "",
        npm_config_audit: "false",
        npm_config_fund: "false",
      },
      maxBuffer: 64 * 1024 * 1024,
    });
    const all = `${res.stdout}\n${res.stderr}`;
    assert.notEqual(res.status, 97, "pulumi is on the PATH of the newcomer's shell");
    assert.equal(res.status, 0, `a README command failed:\n${all.slice(-6000)}`);
    const out = (i: number) => res.stdout.split(`@@ ${i}\n`)[1]?.split(/^@@ \d+$/m)[0] ?? "";
    const at = (command: string) => commands.findIndex((c) => c.startsWith(command));
    assert.match(res.stderr, /^applied: \d+ create$/m, "npm run local says what it created");
    assert.doesNotMatch(all, /install-scripts|not yet covered by allowScripts/, "npm prints no unexplained warning");
    assert.match(out(at("npx mcp-access validate")), /^ok: /m);
    assert.match(out(at("npx mcp-access explain")), /^ALLOW M2M account agent-sre-bot/m);
    assert.match(out(at("npm run pulumi -- preview")), /\d+ unchanged/);
    assert.doesNotMatch(out(at("npm run pulumi -- preview")), /to (create|update|delete|replace)/);
    const m2m = JSON.parse(out(at("npm run pulumi -- stack output m2m")).replace(/^[^{]*/s, "")) as Record<
      string,
      { clientSecret: string }
    >;
    assert.ok(m2m["agent-sre-bot"]?.clientSecret, "the agent's secret is readable with --show-secrets");
    assert.match(out(at("npm run token")), /agent-sre-bot/);
    const tokenFile = JSON.parse(
      readFileSync(join(dir, ".oauth-tokens", "agent-agent-sre-bot-token.json"), "utf8"),
    ) as { access_token: string };
    assert.ok(tokenFile.access_token.split(".").length === 3, "a JWT in the registry's token file");
    // npm run local prints each warning of the definitions once, not once by the run and again by its summary.
    const warnings = [...out(at("npm run local")).matchAll(/(\S+: warning: .*)$/gm)].map((m) => m[1]!);
    assert.ok(warnings.length > 0, "the examples have warnings to show");
    assert.equal(new Set(warnings).size, warnings.length, `a warning printed twice:\n${warnings.join("\n")}`);
  });
});
