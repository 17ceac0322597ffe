/** `mcp-access test`: run the access tests under access-tests/ and report each expectation, runner-style. */
import { Command, Option } from "commander";
import {
  checkRepository,
  decidedBy,
  failureOf,
  kindOfPath,
  textLine,
  type AccessTestReport,
  type CheckResult,
  type Diagnostic,
  type ExpectationResult,
} from "../lib";
import { repoPrefix } from "./git";
import type { Io } from "./io";
import { repoOptions, resolveSettings, type RepoFlags } from "./repo";
import { githubLine, jsonDiagnostic, plural, REPORT_FORMATS, type ReportFormat } from "./report";

interface TestFlags extends RepoFlags {
  format: ReportFormat;
}

interface Summary {
  expectations: number;
  requests: number;
  held: number;
  broken: number;
}

function summaryOf(results: readonly ExpectationResult[]): Summary {
  const held = results.filter((r) => r.held).length;
  return {
    expectations: results.length,
    requests: results.reduce((n, r) => n + r.outcomes.length, 0),
    held,
    broken: results.length - held,
  };
}

/** The errors besides broken expectations (those the report shows in place): definitions, test files, names. */
function otherErrors(checked: CheckResult, results: readonly ExpectationResult[]): Diagnostic[] {
  const broken = new Set(results.filter((r) => !r.held).map((r) => textLine(failureOf(r))));
  return checked.errors.filter((d) => !broken.has(textLine(d)));
}

function textReport(checked: CheckResult, report: AccessTestReport, io: Io): void {
  const results = report.results ?? [];
  let file = "";
  for (const r of results) {
    if (r.file !== file) io.out((file = r.file));
    const count = r.outcomes.length === 1 ? "" : ` (${plural(r.outcomes.length, "request")})`;
    io.out(`  ${r.held ? "ok  " : "FAIL"}  ${r.identity.label}: ${r.expect} ${r.written}${count}`);
    if (r.held) continue;
    io.out(`        at ${r.file}:${r.line}:${r.column} (${r.path})`);
    for (const o of r.outcomes.filter((x) => !x.held)) io.out(`        ${o.text}: ${decidedBy(o.decision)}`);
  }
  const others = otherErrors(checked, results);
  for (const d of others) io.out(textLine(d));
  if (report.results === null) {
    const definitionErrors = checked.errors.filter((d) => kindOfPath(d.file) !== "access-tests").length;
    io.out(
      `access tests not run: the definitions have ${plural(definitionErrors, "error")}; fix them ` +
        `first (mcp-access validate)`,
    );
    return;
  }
  const s = summaryOf(results);
  io.out(
    `${plural(s.expectations, "expectation")} (${plural(s.requests, "request")}): ${s.held} held, ` +
      `${s.broken} broken${others.length ? `; ${plural(others.length, "error")}` : ""}`,
  );
}

function jsonReport(checked: CheckResult, report: AccessTestReport, io: Io): void {
  const results = report.results ?? [];
  const expectations = results.map((r) => ({
    file: r.file,
    line: r.line,
    column: r.column,
    path: r.path,
    identity: r.identity.label,
    expect: r.expect,
    request: r.written,
    held: r.held,
    outcomes: r.outcomes.map((o) => ({
      request: o.text,
      allowed: o.decision.allowed,
      held: o.held,
      scope: o.decision.scope,
      rule: o.decision.rule,
      reason: o.decision.reason,
      quarantine: o.decision.quarantine ?? null,
    })),
  }));
  io.out(
    JSON.stringify(
      {
        ok: checked.ok,
        ran: report.results !== null,
        summary: summaryOf(results),
        expectations,
        errors: checked.errors.map(jsonDiagnostic),
      },
      null,
      2,
    ),
  );
}

export function runTest(flags: TestFlags, io: Io): number {
  const { root, settings } = resolveSettings(flags);
  const checked = checkRepository(root, settings);
  const report = checked.accessTests;
  if (!report) {
    io.err("no access tests: add YAML or JSON files under access-tests/ (see the README)");
    if (flags.format === "json") jsonReport(checked, { tests: [], results: null }, io);
    return checked.ok ? 0 : 1;
  }
  if (flags.format === "json") jsonReport(checked, report, io);
  else if (flags.format === "github") {
    const prefix = repoPrefix(root);
    for (const d of checked.errors) io.out(githubLine(d, prefix));
    const s = summaryOf(report.results ?? []);
    io.out(
      report.results === null
        ? "access tests not run: the definitions have errors"
        : `${plural(s.expectations, "expectation")}: ${s.held} held, ${s.broken} broken`,
    );
  } else textReport(checked, report, io);
  return checked.ok ? 0 : 1;
}

export function addTestCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  repoOptions(
    program.command("test").description("run the access tests in access-tests/; exit 1 when an expectation is broken"),
  )
    .addOption(new Option("--format <format>", "output format").choices(REPORT_FORMATS as string[]).default("text"))
    .action((flags: TestFlags) => setExit(runTest(flags, io)));
}
