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

/** The header of `data`'s CSV: with a base, a last column `change` (`added`, `removed`, or empty). */
export function reportCsvHeader(data: Pick<ReportData, "change">): string[] {
  return data.change ? [...REPORT_CSV_HEADER, "change"] : [...REPORT_CSV_HEADER];
}

/**
 * With a base (`report --base`), each allowed row says whether the change adds it, and what the change removes
 * follows its cell's rows as `removed` rows (their group, scope and branch were the base's: left empty), the
 * identities the change removes included.
 */
export function reportCsvRows(data: ReportData): string[][] {
  const rows: string[][] = [];
  const changes = new Map((data.change?.cells ?? []).map((c) => [`${c.identity}:${c.column}`, c]));
  data.identities.forEach((id, i) => {
    data.columns.forEach((col, c) => {
      const change = changes.get(`${i}:${c}`);
      const mark = (entry: string) => (data.change ? [change?.added.includes(entry) ? "added" : ""] : []);
      const cell = id.row < 0 ? undefined : data.cells[data.rows[id.row]![c]!]!;
      col.entries.forEach((entry, k) => {
        const v = cell && data.verdicts[cell.v[k]!]!;
        if (!v?.allowed) return;
        const via = v.scope ? id.groups.filter((g) => (data.scopeGroups[v.scope!] ?? []).includes(g)).join(" ") : "";
        rows.push([id.name, id.kind, col.kind, col.name, entry, via, v.scope ?? "", v.branch, ...mark(entry)]);
      });
      for (const entry of change?.removed ?? [])
        rows.push([id.name, id.kind, col.kind, col.name, entry, "", "", "", "removed"]);
    });
  });
  return rows;
}
