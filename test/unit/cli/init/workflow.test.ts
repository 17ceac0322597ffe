/**
 * cli/init/workflow.ts: the workflow a definitions repository gets is this repository's own, its triggers come from
 * the table of kinds, and every job that runs `pulumi` first gets the engine it is measured with.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { accessPaths, IDENTITY_PROVIDERS } from "../../../../lib";
import { accessWorkflow, COMMENT_SCRIPT, workflowPaths } from "../../../../cli/init/workflow";
import { REPO_ROOT } from "../../../support/paths";

interface Step {
  uses?: string;
  run?: string;
  id?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  on: { pull_request: { paths: string[] }; push: { paths: string[]; branches: string[] }; schedule: unknown[] };
  permissions: Record<string, string>;
  env: Record<string, string>;
  jobs: Record<string, { if: string; steps: Step[]; concurrency?: string }>;
}

const parsed = (stack: string, idp: (typeof IDENTITY_PROVIDERS)[number]) =>
  parse(accessWorkflow({ stack, idp })) as Workflow;

describe("the access workflow", () => {
  it("is this repository's own .github/workflows/access.yml, byte for byte", () => {
    const own = readFileSync(join(REPO_ROOT, ".github/workflows/access.yml"), "utf8");
    assert.equal(own, accessWorkflow({ stack: "prod", idp: "keycloak" }));
  });

  it("runs on a change to any kind's folder, the stack files, mcp-access.yaml and package-lock.json", () => {
    // A pull request touching identity-providers/ must get validate, diff and preview, and its merge an up; a
    // Renovate bump of mcp-gateway-access (package-lock.json) can change the rendered documents.
    assert.deepEqual(workflowPaths(), [...accessPaths(), "package-lock.json"]);
    assert.ok(accessPaths().includes("identity-providers/**"));
    for (const idp of IDENTITY_PROVIDERS) {
      const w = parsed("prod", idp);
      assert.deepEqual(w.on.pull_request.paths, workflowPaths());
      assert.deepEqual(w.on.push.paths, workflowPaths());
      assert.deepEqual(w.on.push.branches, ["main"]);
      assert.deepEqual(w.on.schedule, [{ cron: "17 * * * *" }]);
      assert.deepEqual(w.permissions, { contents: "read", "pull-requests": "write", actions: "read" });
    }
  });

  it("parses as YAML, with the stack in env and one job per event", () => {
    const w = parsed("team-a.prod", "entra");
    assert.equal(w.env.STACK, "team-a.prod");
    assert.equal(w.env.GOGC, "400");
    assert.deepEqual(Object.keys(w.jobs), ["review", "apply", "drift"]);
    assert.equal(w.jobs.apply!.concurrency, "access-apply");
    assert.equal(w.jobs.drift!.concurrency, "access-apply");
    for (const job of Object.values(w.jobs)) assert.ok(job.steps.some((s) => s.run === "npm ci"));
  });

  for (const idp of IDENTITY_PROVIDERS) {
    it(`every job that runs pulumi has the engine steps before it (${idp})`, () => {
      for (const [name, job] of Object.entries(parsed("prod", idp).jobs)) {
        const first = job.steps.findIndex((s) => /(^|\n|; )pulumi /.test(s.run ?? ""));
        assert.ok(first > 0, `${name} runs pulumi`);
        const before = job.steps.slice(0, first);
        const at = (test: (s: Step) => boolean) => before.findIndex(test);
        assert.ok(at((s) => s.uses === "pulumi/actions@v6") >= 0, `${name}: the pulumi CLI`);
        assert.ok(at((s) => s.run?.includes("~/.pulumi/logs") === true) >= 0, `${name}: no debug log`);
        const go = at((s) => s.uses === "actions/setup-go@v5");
        const stamp = at((s) => s.id === "engine");
        const cache = at((s) => s.uses === "actions/cache@v4");
        const engine = at((s) => s.run === 'npx mcp-access engine >> "$GITHUB_PATH"');
        if (idp === "entra") {
          assert.deepEqual([go, stamp, cache, engine], [-1, -1, -1, -1], `${name}: no Keycloak plugin for Entra`);
          continue;
        }
        assert.ok(go >= 0 && go < stamp && stamp < cache && cache < engine, `${name}: the engine steps in order`);
        assert.equal(before[go]!.with!["go-version"], "1.26");
        assert.equal(before[stamp]!.run, 'echo "stamp=$(npx mcp-access engine --stamp)" >> "$GITHUB_OUTPUT"');
        assert.equal(before[cache]!.with!.key, "mcp-access-engine-${{ steps.engine.outputs.stamp }}");
        assert.equal(before[cache]!.with!.path, "~/.cache/mcp-gateway-access/engine");
        assert.equal(before[engine]!.env!.MCP_ACCESS_KEYCLOAK_SOURCE, "git");
      }
    });
  }

  it("previews a pull request without a refresh (drift is the drift job's), and applies a merge without one", () => {
    const { review, apply, drift } = parsed("prod", "keycloak").jobs;
    const runs = (steps: Step[]) => steps.map((s) => s.run ?? "").join("\n");
    assert.match(
      runs(review!.steps),
      /pulumi preview --refresh=false --diff --stack "\$STACK" 2>&1 \| tee preview.txt/,
    );
    assert.match(runs(apply!.steps), /pulumi up --yes --skip-preview --refresh=false --stack "\$STACK"/);
    assert.match(runs(drift!.steps), /pulumi preview --refresh --diff --expect-no-changes/);
    const comment = review!.steps.at(-1)!;
    assert.equal(comment.uses, "actions/github-script@v7");
    assert.equal(comment.if, "always()");
  });

  it("publishes the access report of a pull request and links it from the comment", () => {
    const steps = parsed("prod", "keycloak").jobs.review!.steps;
    const report = steps.findIndex((s) => (s.run ?? "").startsWith("npx mcp-access report"));
    assert.equal(
      steps[report]!.run,
      'npx mcp-access report --base "origin/${{ github.base_ref }}" --stack "$STACK" --out access-report',
    );
    const upload = steps[report + 1]!;
    assert.equal(upload.uses, "actions/upload-artifact@v4");
    assert.equal(upload.id, "report");
    assert.deepEqual(upload.with, { name: "access-report", path: "access-report" });
    assert.equal(steps.at(-1)!.env!.REPORT_URL, "${{ steps.report.outputs.artifact-url }}");
  });
});

type Run = { event: string; created_at: string; updated_at: string; conclusion: string; html_url: string };

/** The comment step's script, run as github-script runs it, against a fake GitHub and a fake file system. */
async function comment(files: Record<string, string>, runs: Run[]): Promise<string> {
  const posted: string[] = [];
  const fs = {
    existsSync: (f: string) => f in files,
    readFileSync: (f: string) => files[f]!,
  };
  const github = {
    rest: {
      actions: { listWorkflowRuns: async () => ({ data: { workflow_runs: runs } }) },
      issues: {
        listComments: async () => ({ data: [] }),
        createComment: async (args: { body: string }) => void posted.push(args.body),
        updateComment: async (args: { body: string }) => void posted.push(args.body),
      },
    },
  };
  const context = { repo: { owner: "o", repo: "r" }, issue: { number: 7 } };
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
    ...args: string[]
  ) => (...values: unknown[]) => Promise<void>;
  const script = new AsyncFunction("require", "github", "context", COMMENT_SCRIPT.join("\n"));
  await script(() => fs, github, context);
  assert.equal(posted.length, 1);
  return posted[0]!;
}

describe("the pull request's comment", () => {
  const run = (event: string, created: string, conclusion: string): Run => ({
    event,
    created_at: created,
    updated_at: created.replace("00Z", "30Z"),
    conclusion,
    html_url: `https://github.com/o/r/actions/runs/${created.slice(11, 13)}`,
  });

  it("holds the diff, the drift job's latest result with its link, and the preview", async () => {
    process.env.REPORT_URL = "https://github.com/o/r/actions/runs/9/artifacts/3";
    const body = await comment({ "access-diff.md": "## Access diff", "preview.txt": "+ 1 to create" }, [
      run("pull_request", "2026-01-02T12:00:00Z", "failure"),
      run("schedule", "2026-01-02T10:00:00Z", "success"),
      run("workflow_dispatch", "2026-01-02T11:00:00Z", "failure"),
    ]);
    assert.ok(body.startsWith("<!-- mcp-access -->\n## Access diff\n"));
    assert.match(body, /^\[Access report\]\(https:\/\/github.com\/o\/r\/actions\/runs\/9\/artifacts\/3\): /m);
    delete process.env.REPORT_URL;
    assert.match(body, /latest run, 2026-01-02T11:00:30Z\): drift found and reverted, or the job failed/);
    assert.match(body, /\(\[run\]\(https:\/\/github.com\/o\/r\/actions\/runs\/11\)\)/);
    assert.match(body, /<details>[^]*\+ 1 to create[^]*<\/details>/);
  });

  it("says no drift, no drift run yet, and survives the files an earlier failed step did not write", async () => {
    assert.match(await comment({}, [run("schedule", "2026-01-02T10:00:00Z", "success")]), /: no drift \(/);
    const body = await comment({}, []);
    assert.match(body, /Drift: no drift run yet/);
    assert.match(body, /No access diff/);
    assert.match(body, /no preview: an earlier step failed/);
    assert.match(body, /Access report: not uploaded/);
    const long = await comment({ "preview.txt": "x".repeat(70000) + "END" }, []);
    assert.ok(long.length < 61000 && long.includes("END"));
  });
});

describe("the workflow and the bench measure the same Keycloak plugin (docs/performance.md)", () => {
  it("the workflow builds the patched plugin by its stamp; bench/results.json was measured on that stamp", () => {
    const stamp = execFileSync("bash", [join(REPO_ROOT, "scripts", "build-engine.sh"), "--stamp"], {
      encoding: "utf8",
    }).trim();
    // The workflow: never the released plugin; the cache keyed by the same stamp the bench records.
    const steps = parsed("prod", "keycloak").jobs.review!.steps;
    const engine = steps.find((s) => s.run === 'npx mcp-access engine >> "$GITHUB_PATH"');
    assert.notEqual(engine?.env?.MCP_ACCESS_KEYCLOAK_SOURCE, "released");
    const bench = JSON.parse(readFileSync(join(REPO_ROOT, "bench", "results.json"), "utf8")) as {
      plugin?: string;
      pulumiDefaults: boolean;
      results: { name: string }[];
    };
    assert.equal(bench.plugin, stamp, "bench/results.json is from the plugin the workflow runs: run npm run bench");
    assert.equal(bench.pulumiDefaults, false);
    // Its preview and no-op rows are the workflow's commands.
    const names = bench.results.map((r) => r.name);
    assert.ok(names.includes("pulumi preview (--refresh=false, as a pull request's)"), names.join("\n"));
    assert.ok(names.includes("pulumi up, no-op (--refresh=false, as merged)"));
  });
});
