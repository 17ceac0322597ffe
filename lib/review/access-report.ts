/**
 * The access report's data (model → data, pure): every identity × every server and agent, each cell the answers
 * of `decideFor` — the one decision of explain and the access tests — to the column's requests. Identities whose
 * decisions cannot differ (same groups, same enabled, not quarantined by name) share one row of cells, and equal
 * cells and answers are stored once, so 500 users × 50 servers stays a page a browser opens.
 */
import type { AccessModel } from "../model/access-model";
import { scopeIndex } from "../registry/evaluate";
import { REGISTRY_DEFAULTS, switchText } from "../registry/switches";
import { UPSTREAM_REVISION } from "../registry/rules";
import type { AccessDecision } from "./decide";
import { authScopes, type AuthScope } from "./effective-access";
import { declaredBlocks, decideFor } from "./explain";
import { requestTargetLimits } from "./rate-limit-identity";
import { reportColumns, type ReportColumn } from "./report-columns";
import { reportIdentities, type ReportIdentity } from "./report-identities";

/** A cell the change alters: the entries (methods, tools, actions) it allows now and no longer. */
export interface CellChange {
  identity: number;
  column: number;
  added: string[];
  removed: string[];
}

export interface ReportChange {
  base: string;
  cells: CellChange[];
  /** diff's own words per identity (lib/review/access-diff.ts), by identity index. */
  identities: Array<{ identity: number; status: string; gained: string[]; lost: string[]; privileged: string[] }>;
}

/** One answer as the page shows it (explain's fields); denials by default keep their branch, not their words. */
export interface ReportVerdict {
  allowed: boolean;
  branch: string;
  scope: string | null;
  /** The rule that decided, as explain prints it (JSON). */
  rule: string | null;
  /** explain's reason; null for a plain denial (no scope, default deny), which the page words from the branch. */
  reason: string | null;
  status?: number;
  /** The registry switches and assumptions the answer depends on, in explain's words. */
  dependsOn?: string[];
  notes?: string[];
}

/** What a cell marks: wildcard grants, `http:*`, the admin bypass, a quarantine refusing requests. */
export type CellMark = "wildcard" | "http" | "admin" | "quarantined";

export interface ReportCell {
  /** Verdict indices, one per entry of the column. */
  v: number[];
  /** `all`, `none`, or e.g. `3 methods, 2 tools`. */
  summary: string;
  marks: CellMark[];
}

export interface ReportTarget {
  quarantined: boolean;
  limits: string[];
}

export interface ReportData {
  upstream: string;
  /** With a base: what the change does, cell by cell and identity by identity (report-diff.ts). */
  change?: ReportChange;
  columns: Array<{ kind: ReportColumn["kind"]; name: string; entries: string[]; target: ReportTarget }>;
  /** `row` -1: an identity the change removes (only its removed cells are shown). */
  identities: Array<Omit<ReportIdentity, "resolved"> & { row: number; removed?: true }>;
  /** Per row (shared by identities), one cell index per column. */
  rows: number[][];
  cells: ReportCell[];
  verdicts: ReportVerdict[];
  /** Each scope's group_mappings: which of an identity's groups an allowed answer came through. */
  scopeGroups: Record<string, string[]>;
}

const PLAIN_DENIALS = new Set(["no-scope", "default-deny"]);
const WILDCARD_BRANCHES = new Set([
  "methods-wildcard",
  "tools-wildcard",
  "compat-tools-wildcard",
  "http-verb-wildcard",
]);

/** A rule's JSON, once per rule object (the documents' rules are shared by every decision they make). */
const RULE_TEXT = new WeakMap<object, string>();
const ruleText = (rule: object) => RULE_TEXT.get(rule) ?? RULE_TEXT.set(rule, JSON.stringify(rule)).get(rule)!;

function verdictOf(d: AccessDecision): ReportVerdict {
  const plain = !d.allowed && PLAIN_DENIALS.has(d.branch);
  return {
    allowed: d.allowed,
    branch: d.branch,
    scope: d.scope,
    rule: d.rule ? ruleText(d.rule) : null,
    reason: plain ? null : d.reason,
    ...(d.status !== undefined ? { status: d.status } : {}),
    ...(d.dependsOn?.length ? { dependsOn: d.dependsOn.map(switchText) } : {}),
    ...(d.notes?.length ? { notes: d.notes } : {}),
  };
}

/** What makes two verdicts the same, without serialising each of millions of them. */
function verdictKey(d: AccessDecision): string {
  const plain = !d.allowed && PLAIN_DENIALS.has(d.branch);
  const switches = (d.dependsOn ?? []).map((s) => `${s.name}=${s.value}`).join(",");
  const rest = `${d.status ?? ""}\u0000${switches}\u0000${(d.notes ?? []).join("\u0001")}`;
  if (plain) return `${d.branch}\u0000${rest}`;
  return `${d.branch}\u0000${d.scope}\u0000${d.rule ? ruleText(d.rule) : ""}\u0000${d.reason}\u0000${rest}`;
}

/** Stores each distinct value once and hands out its index. */
class Interner<T> {
  readonly values: T[] = [];
  private readonly index = new Map<string, number>();
  of(value: T, key = JSON.stringify(value)): number {
    return this.ofKey(key, () => value);
  }
  /** The index of the value `key` names, made by `make` the first time only. */
  ofKey(key: string, make: () => T): number {
    let i = this.index.get(key);
    if (i === undefined) this.index.set(key, (i = this.values.push(make()) - 1));
    return i;
  }
}

function marksOf(column: ReportColumn, ds: readonly AccessDecision[]): CellMark[] {
  const marks = new Set<CellMark>();
  for (const d of ds) {
    if (d.branch === "quarantined") marks.add("quarantined");
    if (!d.allowed) continue;
    if (d.branch === "admin-group-bypass") marks.add("admin");
    if (d.branch === "http-verb-wildcard") marks.add("http");
    const rule = d.rule as { server?: string; agent?: string } | null;
    const everyTarget = rule && (rule.server?.replace(/\//g, "") === "*" || ["*", "all"].includes(rule.agent ?? ""));
    if (WILDCARD_BRANCHES.has(d.branch) || everyTarget || column.name.startsWith("<")) marks.add("wildcard");
  }
  return [...marks].sort();
}

function summaryOf(column: ReportColumn, ds: readonly AccessDecision[]): string {
  const allowed = column.entries.filter((_, i) => ds[i]!.allowed);
  if (allowed.length === 0) return "none";
  if (allowed.length === column.entries.length) return "all";
  const count = (kind: string, word: string) => {
    const n = allowed.filter((e) => e.kind === kind).length;
    return n ? [`${n} ${word}${n === 1 ? "" : "s"}`] : [];
  };
  return [
    ...count("method", "method"),
    ...count("tool", "tool"),
    ...count("http", "verb"),
    ...count("action", "action"),
  ].join(", ");
}

/** Identities whose every decision is the same: same groups and enabled, and not quarantined by name. */
function classKey(i: ReportIdentity): string {
  const account = i.quarantined ? JSON.stringify(i.resolved.account ?? null) : "";
  return `${i.resolved.enabled ? 1 : 0}\u0000${account}\u0000${i.resolved.groups.join("\u0000")}`;
}

export interface ReportOptions {
  /** The columns to decide (the union of two models' for a diff); the model's own by default. */
  columns?: readonly ReportColumn[];
}

/** The report of one model: its identities, the columns, and explain's answers in every cell. */
export function accessReport(model: AccessModel, options: ReportOptions = {}): ReportData {
  const docs = authScopes(model);
  const flags = model.registry ?? REGISTRY_DEFAULTS;
  const blocks = declaredBlocks(model);
  const columns = options.columns ?? reportColumns(docs, flags.gatewayGenericProxy);
  const identities = reportIdentities(model, docs);
  const held = scopeIndex(docs);
  const verdicts = new Interner<ReportVerdict>();
  const cells = new Interner<ReportCell>();
  const rowOf = new Map<string, number>();
  const rows: number[][] = [];
  const rowFor = (i: ReportIdentity): number => {
    const key = classKey(i);
    const known = rowOf.get(key);
    if (known !== undefined) return known;
    // The documents the groups map to, in order: the same answer as all of them, since the auth server reads
    // only the scopes a caller's groups map to (scopesForGroups); thousands of documents are not rescanned.
    const mine: readonly AuthScope[] = held(i.resolved.groups);
    const row = columns.map((c) => {
      const ds = c.entries.map((e) => decideFor(mine, i.resolved, e.request, flags, model.rateLimits, blocks));
      const v = ds.map((d) => verdicts.ofKey(verdictKey(d), () => verdictOf(d)));
      const cell = { v, summary: summaryOf(c, ds), marks: marksOf(c, ds) };
      return cells.of(cell, `${v.join(",")}|${cell.summary}|${cell.marks.join(",")}`);
    });
    rowOf.set(key, rows.push(row) - 1);
    return rows.length - 1;
  };
  return {
    upstream: UPSTREAM_REVISION,
    columns: columns.map((c) => ({
      kind: c.kind,
      name: c.name,
      entries: c.entries.map((e) => e.label),
      target: targetOf(model, c),
    })),
    identities: identities.map(({ resolved: _, ...rest }) => ({ ...rest, row: rowFor({ ...rest, resolved: _ }) })),
    rows,
    cells: cells.values,
    verdicts: verdicts.values,
    scopeGroups: Object.fromEntries(docs.map((d) => [d._id, [...d.group_mappings]])),
  };
}

function targetOf(model: AccessModel, c: ReportColumn): ReportTarget {
  const first = c.entries.find(
    (e) => e.kind !== "action" || (e.request as { action: string }).action === "invoke_agent",
  );
  const t = first && !c.name.startsWith("<") ? requestTargetLimits(model, first.request) : null;
  return {
    quarantined: t?.quarantined ?? false,
    limits: (t?.gates ?? []).map(
      (g) => `${g.maxRequests} requests per ${g.windowSeconds} s across all callers (${g.definition})`,
    ),
  };
}
