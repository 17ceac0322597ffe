/**
 * The access report as rows for an access review (SOX / ISO 27001 recertification): one row per identity, server
 * or agent, and request it is allowed, with the group and scope it comes through. The page builds the same rows in
 * its script from the same data (cli/report-page.ts); a test holds the two to each other.
 */
import type { ReportData } from "./access-report";

export const REPORT_CSV_HEADER = [
  "identity",
  "kind",
  "target_kind",
  "target",
  "request",
  "via_group",
  "scope",
  "branch",
];

export function reportCsvRows(data: ReportData): string[][] {
  const rows: string[][] = [];
  for (const id of data.identities) {
    if (id.row < 0) continue;
    data.columns.forEach((col, c) => {
      const cell = data.cells[data.rows[id.row]![c]!]!;
      col.entries.forEach((entry, k) => {
        const v = data.verdicts[cell.v[k]!]!;
        if (!v.allowed) return;
        const via = v.scope ? id.groups.filter((g) => (data.scopeGroups[v.scope!] ?? []).includes(g)).join(" ") : "";
        rows.push([id.name, id.kind, col.kind, col.name, entry, via, v.scope ?? "", v.branch]);
      });
    });
  }
  return rows;
}
