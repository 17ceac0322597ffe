/**
 * `mcp-access report`: the access report page (identities × servers and agents, every cell explain's answers) and
 * its CSV, written into one folder; with `--base REF`, the cells the change adds and removes marked — computed from
 * the models `diff` compares (modelAt) and diff's own per-identity changes.
 */
import { Command, Option } from "commander";
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { accessReport, accessReportDiff, reportCsvHeader, reportCsvRows, type ReportData } from "../lib";
import { csvLine } from "./csv";
import { modelAt } from "./diff";
import type { Io } from "./io";
import { reportPage } from "./report-page";
import { repoOptions, resolveSettings, type RepoFlags } from "./repo";

interface ReportFlags extends RepoFlags {
  out: string;
  base?: string;
  format: "html" | "csv";
}

export function reportCsv(data: ReportData): string {
  return [reportCsvHeader(data), ...reportCsvRows(data)].map(csvLine).join("\n") + "\n";
}

/** The report's data: of the working tree, or of the change from `base` to it. */
export function reportData(flags: Pick<ReportFlags, "dir" | "stack" | "bootstrap" | "existingGroup" | "base">, io: Io) {
  const resolved = resolveSettings(flags);
  // Files the change left alone are parsed once for both revisions, as diff does.
  const settings = { ...resolved.settings, parsed: new Map() };
  const root = resolved.root;
  const head = modelAt(root, undefined, settings, io);
  return flags.base
    ? accessReportDiff(modelAt(root, flags.base, settings, io, true), head, flags.base)
    : accessReport(head);
}

export function runReport(flags: ReportFlags, io: Io): number {
  const data = reportData(flags, io);
  if (flags.format === "csv") {
    io.out(reportCsv(data).trimEnd());
    return 0;
  }
  const out = resolve(flags.out);
  mkdirSync(out, { recursive: true });
  const title = basename(resolve(flags.dir)) + (flags.stack ? ` (stack ${flags.stack})` : "");
  writeFileSync(join(out, "index.html"), reportPage(data, title));
  writeFileSync(join(out, "report.csv"), reportCsv(data));
  const changed = data.change ? `, ${data.change.cells.length} cells changed since ${data.change.base}` : "";
  io.out(
    `wrote ${join(out, "index.html")} and report.csv: ${data.identities.length} identities × ` +
      `${data.columns.length} servers and agents${changed}`,
  );
  return 0;
}

export function addReportCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  repoOptions(
    program
      .command("report")
      .description(
        "write the access report: one self-contained HTML page (identities × servers and agents) and its CSV",
      ),
  )
    .option("--out <dir>", "the folder to write index.html and report.csv into", "access-report")
    .option("--base <ref>", "mark the cells a change since this revision adds or removes (as diff compares)")
    .addOption(
      new Option("--format <format>", "html: write the page and report.csv into --out; csv: print the CSV")
        .choices(["html", "csv"])
        .default("html"),
    )
    .action((flags: ReportFlags) => setExit(runReport(flags, io)));
}
