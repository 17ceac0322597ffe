/**
 * The access report of a change: the head's report over the columns of both sides, each cell marked with the
 * entries the change adds and removes (both sides decided by `decideFor`), and each identity with what `diff`
 * says of it (`diffAccess`, the same code as `mcp-access diff`) — the pull request's diff as a picture.
 */
import type { AccessModel } from "../model/access-model";
import { diffAccess } from "./access-diff";
import { accessReport, type CellChange, type ReportData } from "./access-report";
import { authScopes } from "./effective-access";
import { grantText } from "./grants";
import { REGISTRY_DEFAULTS } from "../registry/switches";
import { reportColumns, type ReportColumn } from "./report-columns";

/** The columns of both models: a server or agent either names, with the entries of both. */
function unionColumns(a: readonly ReportColumn[], b: readonly ReportColumn[]): ReportColumn[] {
  const byKey = new Map<string, ReportColumn>();
  for (const c of [...a, ...b]) {
    const key = `${c.kind}\u0000${c.name}`;
    const known = byKey.get(key);
    if (!known) byKey.set(key, { ...c, entries: [...c.entries] });
    else for (const e of c.entries) if (!known.entries.some((k) => k.label === e.label)) known.entries.push(e);
  }
  // Same order as one model's: servers then agents, the wildcard columns last of their kind.
  const rank = (c: ReportColumn) => (c.kind === "server" ? 0 : 2) + (c.name.startsWith("<") ? 1 : 0);
  return [...byKey.values()].sort((x, y) => rank(x) - rank(y) || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}

/** The entries a row allows in each column (by label). */
function allowedOf(data: ReportData, row: number): Array<Set<string>> {
  return data.columns.map((c, col) => {
    if (row < 0) return new Set<string>();
    const cell = data.cells[data.rows[row]![col]!]!;
    return new Set(c.entries.filter((_, i) => data.verdicts[cell.v[i]!]!.allowed));
  });
}

export function accessReportDiff(base: AccessModel, head: AccessModel, baseName: string): ReportData {
  const proxy = (m: AccessModel) => (m.registry ?? REGISTRY_DEFAULTS).gatewayGenericProxy;
  const columns = unionColumns(
    reportColumns(authScopes(head), proxy(head)),
    reportColumns(authScopes(base), proxy(base)),
  );
  const after = accessReport(head, { columns });
  const before = accessReport(base, { columns });
  const key = (i: { kind: string; name: string }) => `${i.kind}\u0000${i.name}`;
  const headIndex = new Map(after.identities.map((i, n) => [key(i), n]));
  for (const i of before.identities)
    if (!headIndex.has(key(i))) headIndex.set(key(i), after.identities.push({ ...i, row: -1, removed: true }) - 1);
  const baseRow = new Map(before.identities.map((i) => [key(i), i.row]));
  const cells: CellChange[] = [];
  after.identities.forEach((i, identity) => {
    const now = allowedOf(after, i.row);
    const then = allowedOf(before, baseRow.get(key(i)) ?? -1);
    now.forEach((allowed, column) => {
      const added = [...allowed].filter((e) => !then[column]!.has(e));
      const removed = [...then[column]!].filter((e) => !allowed.has(e));
      if (added.length || removed.length) cells.push({ identity, column, added, removed });
    });
  });
  const identities = diffAccess(base, head).identities.flatMap((c) => {
    const at = headIndex.get(key({ kind: c.kind, name: c.name }));
    if (at === undefined) return [];
    const [gained, lost] = [c.gained.map(grantText), c.lost.map(grantText)];
    return [{ identity: at, status: c.status, gained, lost, privileged: c.privileged }];
  });
  return { ...after, change: { base: baseName, cells, identities } };
}
