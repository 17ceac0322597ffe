/**
 * The package as a platform team adopts it: this tree packed, `mcp-access init` run from the installed tarball in a
 * folder outside the repository (nothing of the repository reachable from it), the scaffold installed offline, and
 * then the user's path — validate, `mcp-access local` on Keycloak and the database, a preview that shows nothing,
 * a token for the scaffold's agent — and a change by pull request: `diff` and `preview` show exactly that change.
 * Keycloak and the database are the test services (`mcp-access local` takes configured ones from KEYCLOAK_URL and
 * MONGODB_CONNECTION_STRING).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MongoClient } from "mongodb";
import { parse } from "yaml";
import { accessPaths, DEFAULT_DATABASE, DEFAULT_REALM } from "../../lib";
import { keycloakAdmin } from "../support/keycloak-admin";
import { installOffline, packTree } from "../support/package";
import { REPO_ROOT } from "../support/paths";
import { databaseUri, keycloakUrl } from "../support/services";

async function dropLocalStack(): Promise<void> {
  const admin = await keycloakAdmin("master").catch(() => undefined);
  await admin?.realms.del({ realm: DEFAULT_REALM }).catch(() => undefined);
  const client = await MongoClient.connect(databaseUri());
  await client.db(DEFAULT_DATABASE).dropDatabase();
  await client.close();
}

/** The user's shell: no path into this repository (npm run puts its node_modules/.bin on PATH), the test services. */
function userEnv(): NodeJS.ProcessEnv {
  const path = (process.env.PATH ?? "").split(":").filter((p) => p !== "" && !p.startsWith(REPO_ROOT));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: path.join(":"),
    KEYCLOAK_URL: keycloakUrl(),
    MONGODB_CONNECTION_STRING: databaseUri(),
    PULUMI_BACKEND_URL: "",
    PULUMI_CONFIG_PASSPHRASE: "",
    npm_config_audit: "false",
    npm_config_fund: "false",
  };
  for (const k of Object.keys(env))
    if (k.startsWith("npm_package_") || k === "INIT_CWD" || k === "NODE_PATH") delete env[k];
  delete env.MCP_ACCESS_STATE_DIR;
  return env;
}

describe("the package, installed into a definitions repository", { timeout: 30 * 60_000 }, () => {
  let root: string;
  let repo: string;
  const env = userEnv();
  /** A command in the scaffold, as its user types it: `npx mcp-access ...` from its own node_modules. */
  const npx = (...args: string[]) => {
    const res = spawnSync("npx", ["--no-install", "mcp-access", ...args], {
      cwd: repo,
      env,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: res.status, out: res.stdout, err: res.stderr, all: `${res.stdout}\n${res.stderr}` };
  };

  before(async () => {
    await dropLocalStack();
    root = mkdtempSync(join(tmpdir(), "mcp-access-package-"));
    assert.ok(!root.startsWith(REPO_ROOT));
    const tarball = packTree(root);
    // `init` from the installed package (a folder of its own, as `npx mcp-gateway-access` would use).
    const tool = join(root, "tool");
    mkdirSync(tool);
    writeFileSync(
      join(tool, "package.json"),
      JSON.stringify({ name: "tool", private: true, dependencies: { "mcp-gateway-access": "*" } }),
    );
    installOffline(tool, tarball, env);
    repo = join(root, "team-access");
    execFileSync(join(tool, "node_modules", ".bin", "mcp-access"), ["init", repo, "--idp", "keycloak", "--examples"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output = installOffline(repo, tarball, env);
    assert.doesNotMatch(output, /install-scripts|not yet covered by allowScripts/, "npm prints no unexplained warning");
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, env, stdio: "ignore" });
    git("init", "-q");
    git("add", "-A");
    git("-c", "user.email=team@example.com", "-c", "user.name=team", "commit", "-qm", "mcp-access init");
  });

  after(async () => {
    if (repo) npx("local", "--down");
    await dropLocalStack();
    rmSync(root, { recursive: true, force: true });
  });

  it("validates as written, applies to Keycloak and the database, previews no change, gives the agent a token", () => {
    const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { dependencies: object };
    const ours = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    assert.deepEqual(pkg.dependencies, { "mcp-gateway-access": ours.version }, "one dependency, pinned");

    const validate = npx("validate");
    assert.equal(validate.code, 0, validate.all);
    assert.match(validate.out, /^ok: 1 group, 1 user, 1 M2M account/m);

    const local = npx("local");
    assert.equal(local.code, 0, local.all.slice(-6000));
    assert.match(local.err, /^applied: \d+ create$/m);
    assert.match(local.out, /agent-example {2}client id agent-example/);

    const preview = npx("local", "pulumi", "preview", "--expect-no-changes");
    assert.equal(preview.code, 0, preview.all.slice(-4000));
    assert.match(preview.out, /\d+ unchanged/);
    assert.doesNotMatch(preview.out, /to (create|update|delete|replace)/);

    const token = npx("local", "token", "agent-example");
    assert.equal(token.code, 0, token.all);
    assert.match(token.all, /agent-example: new token valid until .*\(keycloak, client agent-example\)/);
    const file = JSON.parse(readFileSync(join(repo, ".oauth-tokens", "agent-agent-example-token.json"), "utf8")) as {
      access_token: string;
    };
    assert.equal(file.access_token.split(".").length, 3, "a JWT in the registry's token file");
    assert.match(token.all, /groups: example-users/);

    const workflow = parse(readFileSync(join(repo, ".github", "workflows", "access.yml"), "utf8")) as {
      on: { pull_request: { paths: string[] }; push: { paths: string[] } };
    };
    assert.deepEqual(workflow.on.pull_request.paths, [...accessPaths(), "package-lock.json"]);
    assert.deepEqual(workflow.on.push.paths, [...accessPaths(), "package-lock.json"]);
  });

  it("a change to a group: diff and preview show exactly that change", () => {
    const file = join(repo, "groups", "example-users.yaml");
    const before = readFileSync(file, "utf8");
    const after = before.replace(
      "tools: [current_time_by_timezone]",
      "tools: [current_time_by_timezone, list_timezones]",
    );
    assert.notEqual(after, before, "the scaffold's group lists the tool this test extends");
    writeFileSync(file, after);

    const diff = npx("diff", "--base", "HEAD", "--format", "json");
    assert.equal(diff.code, 0, diff.all);
    const changes = JSON.parse(diff.out) as {
      identities: { kind: string; name: string; gained: string[]; lost: string[] }[];
    };
    assert.deepEqual(
      changes.identities.map((i) => [i.kind, i.name, i.gained, i.lost]),
      [
        ["m2m", "agent-example", ["server currenttime: tool list_timezones"], []],
        ["user", "example-user", ["server currenttime: tool list_timezones"], []],
      ],
    );

    const preview = npx("local", "pulumi", "preview", "--refresh=false", "--json");
    assert.equal(preview.code, 0, preview.all.slice(-4000));
    const steps = (JSON.parse(preview.out) as { steps: { op: string; urn: string }[] }).steps.filter(
      (s) => s.op !== "same",
    );
    assert.deepEqual(
      steps.map((s) => [s.op, s.urn.split("::").pop()]),
      [["update", "registry-scope-example-users"]],
    );
  });

  it("a tool block on the local stack: diff shows the loss, the access test fails, and preview refuses", () => {
    execFileSync("git", ["checkout", "--", "."], { cwd: repo, env });
    const file = join(repo, "tool-blocks", "currenttime.yaml");
    writeFileSync(
      file,
      readFileSync(file, "utf8") +
        "- server: currenttime\n  tool: current_time_by_timezone\n  reason: the test blocks the agent's tool\n",
    );

    const diff = npx("diff", "--base", "HEAD", "--format", "json");
    assert.equal(diff.code, 0, diff.all);
    const changes = JSON.parse(diff.out) as { identities: { name: string; lost: string[] }[] };
    assert.deepEqual(
      changes.identities.map((i) => [i.name, i.lost]),
      [
        ["agent-example", ["server currenttime: tool current_time_by_timezone"]],
        ["example-user", ["server currenttime: tool current_time_by_timezone"]],
      ],
    );

    // The scaffold's access test allows the agent that tool: broken now, naming the block, and nothing is applied.
    const validate = npx("validate");
    assert.equal(validate.code, 1, validate.all);
    assert.match(validate.out, /access-tests\/agent-example\.yaml:\d+:\d+: .*current_time_by_timezone.*block/i);
    const preview = npx("local", "pulumi", "preview", "--refresh=false");
    assert.notEqual(preview.code, 0, preview.all.slice(-4000));
    assert.match(preview.all, /current_time_by_timezone/);
    assert.doesNotMatch(preview.all, /to (create|update|delete|replace)/);
  });
});
