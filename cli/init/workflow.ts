/**
 * The GitHub workflow of a definitions repository (`.github/workflows/access.yml`): review a pull request, apply a
 * merge, revert drift every hour. One function writes it for `mcp-access init` and for this repository's own copy
 * (test/unit/cli/init/workflow.test.ts holds the two byte for byte). docs/workflow.md explains it.
 */
import { accessPaths, type IdentityProvider } from "../../lib";

export interface WorkflowOptions {
  stack: string;
  idp: IdentityProvider;
}

/** What the workflow runs on: a change to the access, and a new lock file (a bump can change rendered documents). */
export function workflowPaths(): string[] {
  return [...accessPaths(), "package-lock.json"];
}

const indent = (n: number, lines: readonly string[]) => lines.map((l) => (l === "" ? l : " ".repeat(n) + l));

const HEADER = [
  "# Access changes by pull request: validate (annotations), per-identity diff and pulumi preview in one comment;",
  "# on merge, pulumi up without a refresh (the reviewed change only). Every hour, the drift job refreshes and",
  "# reverts what was changed by hand; a pull request's comment states its latest result. Set the secrets",
  "# PULUMI_ACCESS_TOKEN (or a self-managed backend: PULUMI_BACKEND_URL and PULUMI_CONFIG_PASSPHRASE) and the",
  "# identity-provider / database credentials your stack needs (docs/workflow.md of mcp-gateway-access).",
  "name: access",
];

function triggers(): string[] {
  const paths = [
    "# Every kind's folder (the table of kinds), the stack files, the settings file, and package-lock.json (a bump",
    "# of mcp-gateway-access can change the rendered documents).",
    "paths:",
    ...workflowPaths().map((p) => `  - "${p}"`),
  ];
  return [
    "on:",
    "  pull_request:",
    ...indent(4, paths),
    "  push:",
    "    branches: [main]",
    ...indent(4, paths),
    "  schedule:",
    '    - cron: "17 * * * *"',
    "  workflow_dispatch:",
    "",
    "permissions:",
    "  contents: read",
    "  pull-requests: write",
    "  # The pull request's comment reads the drift job's latest run.",
    "  actions: read",
  ];
}

function environment(stack: string): string[] {
  return [
    "env:",
    `  STACK: ${stack}`,
    "  # The state written once, at the end of a run, not after every step: a killed run is recovered by the next",
    "  # (objects adopted, documents rewritten as they are). docs/performance.md of mcp-gateway-access.",
    '  PULUMI_SKIP_CHECKPOINTS: "true"',
    '  PULUMI_DISABLE_CHECKPOINT_BACKUPS: "true"',
    "  # Less garbage collection in the engine and the plugins (Go): CPU for memory.",
    '  GOGC: "400"',
  ];
}

/** The steps every job runs before `pulumi`: the CLI, the Keycloak plugin (built once per stamp), no debug log. */
export function engineSteps(idp: IdentityProvider): string[] {
  const keycloak = [
    "- uses: actions/setup-go@v5",
    "  with:",
    '    go-version: "1.26"',
    "    # No go.sum here: the plugin's build is cached below, by its stamp.",
    "    cache: false",
    "- name: The engine's build stamp",
    "  id: engine",
    '  run: echo "stamp=$(npx mcp-access engine --stamp)" >> "$GITHUB_OUTPUT"',
    "- uses: actions/cache@v4",
    "  with:",
    "    path: ~/.cache/mcp-gateway-access/engine",
    "    key: mcp-access-engine-${{ steps.engine.outputs.stamp }}",
    "- name: The Keycloak plugin that mcp-gateway-access tests and measures " +
      "(patched; built once per stamp, then cached)",
    '  run: npx mcp-access engine >> "$GITHUB_PATH"',
    "  env:",
    "    MCP_ACCESS_KEYCLOAK_SOURCE: git",
  ];
  return [
    "# Installs the CLI and its language hosts only: the action's own commands cannot say --refresh=false, which",
    "# Pulumi.yaml's `refresh: always` needs to be skipped. The refresh reads every resource back, about half of a",
    "# converged up.",
    "- uses: pulumi/actions@v6",
    ...(idp === "keycloak" ? keycloak : []),
    "- name: No automatic debug log (about 30 % of the engine's CPU in a no-op; no setting turns it off)",
    "  run: mkdir -p ~/.pulumi && rm -rf ~/.pulumi/logs && touch ~/.pulumi/logs",
  ];
}

function setup(fetchAll: boolean): string[] {
  return [
    "- uses: actions/checkout@v4",
    ...(fetchAll ? ["  with:", "    fetch-depth: 0"] : []),
    "- uses: actions/setup-node@v4",
    "  with:",
    "    node-version: 22",
    "    cache: npm",
    "- run: npm ci",
  ];
}

const TOKEN = ["  env:", "    PULUMI_ACCESS_TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}"];

/**
 * The pull request's one comment: the access diff, the link to the access report page (the artifact the review job
 * uploads; its URL comes in REPORT_URL), the drift job's latest result, the preview. A file an earlier step did not
 * write, or a report that was not uploaded, is said so, never a crash.
 */
export const COMMENT_SCRIPT = [
  'const fs = require("fs");',
  'const read = (file) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "");',
  'const marker = "<!-- mcp-access -->";',
  'const diff = read("access-diff.md") || "_No access diff: see the Validate and Access diff steps._";',
  "const report = process.env.REPORT_URL",
  "  ? `[Access report](${process.env.REPORT_URL}): who can reach what, this change's cells marked ` +",
  '    "(download, unzip, open index.html)"',
  '  : "Access report: not uploaded (see the Access report step)";',
  "const { data } = await github.rest.actions.listWorkflowRuns({",
  '  ...context.repo, workflow_id: "access.yml", status: "completed", per_page: 50,',
  "});",
  "const last = data.workflow_runs",
  '  .filter((r) => r.event === "schedule" || r.event === "workflow_dispatch")',
  "  .sort((a, b) => b.created_at.localeCompare(a.created_at))[0];",
  'const said = { success: "no drift", failure: "drift found and reverted, or the job failed" };',
  "const drift = last",
  "  ? `Drift (the hourly drift job's latest run, ${last.updated_at}): ` +",
  "    `${said[last.conclusion] ?? last.conclusion} ([run](${last.html_url}))`",
  '  : "Drift: no drift run yet";',
  'let preview = read("preview.txt") || "(no preview: an earlier step failed)";',
  'if (preview.length > 60000) preview = "...\\n" + preview.slice(-60000);',
  "const body = [",
  '  marker, diff, "", report, "", drift, "",',
  '  "<details><summary>pulumi preview (what this change does)</summary>", "",',
  '  "```", preview, "```", "</details>",',
  '].join("\\n");',
  "const issue_number = context.issue.number;",
  "const { data: comments } = await github.rest.issues.listComments({ ...context.repo, issue_number, per_page: 100 });",
  'const old = comments.find((c) => (c.body ?? "").includes(marker));',
  "if (old) await github.rest.issues.updateComment({ ...context.repo, comment_id: old.id, body });",
  "else await github.rest.issues.createComment({ ...context.repo, issue_number, body });",
];

/** One job on ubuntu-latest: its event, its steps, and the concurrency group of the jobs that apply. */
function job(name: string, event: string, steps: readonly string[], concurrency?: string): string[] {
  return [
    `${name}:`,
    `  if: ${event}`,
    "  runs-on: ubuntu-latest",
    ...(concurrency ? [`  concurrency: ${concurrency}`] : []),
    "  steps:",
    ...indent(4, steps),
  ];
}

function reviewJob(idp: IdentityProvider): string[] {
  const base = '--base "origin/${{ github.base_ref }}"';
  const steps = [
    ...setup(true),
    "- name: Validate (annotations on the changed files, guards against the base)",
    `  run: npx mcp-access validate --stack "$STACK" ${base} --format github`,
    "- name: Access diff",
    `  run: npx mcp-access diff --stack "$STACK" ${base} --format markdown > access-diff.md`,
    "- name: Access report (identities × servers and agents, the change's cells marked)",
    `  run: npx mcp-access report ${base} --stack "$STACK" --out access-report`,
    "- name: Upload the access report",
    "  id: report",
    "  uses: actions/upload-artifact@v4",
    "  with:",
    "    name: access-report",
    "    path: access-report",
    ...engineSteps(idp),
    "- name: Preview (what this change does; drift is the drift job's)",
    "  run: |",
    "    set -o pipefail",
    '    pulumi preview --refresh=false --diff --stack "$STACK" 2>&1 | tee preview.txt',
    ...TOKEN,
    "- name: Comment the diff, the report's link, the latest drift result and the preview on the pull request",
    "  if: always()",
    "  uses: actions/github-script@v7",
    "  env:",
    "    REPORT_URL: ${{ steps.report.outputs.artifact-url }}",
    "  with:",
    "    script: |",
    ...indent(6, COMMENT_SCRIPT),
  ];
  return job("review", "github.event_name == 'pull_request'", steps);
}

function applyJob(idp: IdentityProvider): string[] {
  const steps = [
    ...setup(false),
    '- run: npx mcp-access validate --stack "$STACK"',
    ...engineSteps(idp),
    "- name: pulumi up (no refresh)",
    '  run: pulumi up --yes --skip-preview --refresh=false --stack "$STACK"',
    ...TOKEN,
  ];
  return job("apply", "github.event_name == 'push'", steps, "access-apply");
}

function driftJob(idp: IdentityProvider): string[] {
  const steps = [
    ...setup(false),
    ...engineSteps(idp),
    "- name: Drift (refresh, then what would change back)",
    "  id: drift",
    "  continue-on-error: true",
    "  run: |",
    "    set -o pipefail",
    '    pulumi preview --refresh --diff --expect-no-changes --stack "$STACK" 2>&1 | tee drift.txt',
    ...TOKEN,
    "- name: Revert the drift",
    "  if: steps.drift.outcome == 'failure'",
    '  run: pulumi up --yes --skip-preview --refresh --stack "$STACK"',
    ...TOKEN,
    "- name: Report",
    "  if: always()",
    "  run: |",
    "    { echo \"## Access drift\"; echo '```'; tail -c 60000 drift.txt; echo '```'; } >> \"$GITHUB_STEP_SUMMARY\"",
    "    # A red run is the visible record that something was changed by hand (and has been reverted).",
    '    if [ "${{ steps.drift.outcome }}" = failure ]; then echo "::error::drift found and reverted"; exit 1; fi',
  ];
  return job(
    "drift",
    "github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'",
    steps,
    "access-apply",
  );
}

/** The whole workflow, as text (its comments are part of it). */
export function accessWorkflow(opts: WorkflowOptions): string {
  const jobs = [...reviewJob(opts.idp), "", ...applyJob(opts.idp), "", ...driftJob(opts.idp)];
  const lines = [...HEADER, ...triggers(), "", ...environment(opts.stack), "", "jobs:", ...indent(2, jobs)];
  return lines.join("\n") + "\n";
}
