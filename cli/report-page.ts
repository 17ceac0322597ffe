/**
 * The access report as one self-contained HTML page: inline CSS and script, no network request, works from
 * file://. Definitions are hostile input, so no value of them is ever written into the markup: the data travels as
 * JSON in a `<script type="application/json">` block (every `<`, `>`, `&` and line separator escaped, so nothing
 * can close it), and the page's script puts it on screen with textContent only.
 */
import { reportCsvHeader, type ReportData } from "../lib";

/** JSON that is inert inside a script element: no `</script>`, no `<!--`, no JS line separators. */
export function inertJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** Text for the markup itself (the title). */
export function htmlText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fff}
header{padding:12px 16px;border-bottom:1px solid #d0d7de;background:#f6f8fa}
h1{font-size:18px;margin:0 0 4px}
.filters{display:flex;flex-wrap:wrap;gap:8px;padding:8px 16px;align-items:end}
.filters label{display:flex;flex-direction:column;font-size:12px}
.legend span{margin-right:10px}
#wrap{overflow:auto;max-height:70vh;margin:0 16px;border:1px solid #d0d7de}
table{border-collapse:separate;border-spacing:0}
th,td{border-bottom:1px solid #eaeef2;border-right:1px solid #eaeef2;padding:0}
thead th{position:sticky;top:0;background:#f6f8fa;z-index:2;font-size:12px;padding:4px;max-width:9em;
overflow-wrap:anywhere}
tbody th{position:sticky;left:0;background:#fff;z-index:1;text-align:left;padding:2px 6px;font-weight:normal;
white-space:nowrap}
button.cell{all:unset;display:block;box-sizing:border-box;min-width:6.5em;padding:2px 4px;font-size:12px;cursor:pointer}
button.cell:focus{outline:3px solid #0969da;outline-offset:-3px}
.none{color:#8c959f}.all{background:#dafbe1}.some{background:#fff8c5}
.m{font-size:10px;font-weight:bold;border-radius:3px;padding:0 3px;margin-left:2px;color:#fff}
.m-wildcard{background:#bf8700}.m-http{background:#8250df}.m-admin{background:#cf222e}.m-quarantined{background:#57606a}
.added{box-shadow:inset 0 0 0 2px #1a7f37}.removed{box-shadow:inset 0 0 0 2px #cf222e}
.chg{font-size:10px;margin-left:3px}.chg .plus{color:#1a7f37}.chg .minus{color:#cf222e}
#detail{margin:12px 16px;padding:8px 12px;border:1px solid #d0d7de;min-height:3em}
#detail li.allow{color:#1a7f37}#detail li.deny{color:#57606a}
.tag{font-size:11px;border:1px solid #8c959f;border-radius:8px;padding:0 5px;margin-left:4px}
`;

/** The page's script: renders from the embedded data with textContent only (never innerHTML of a value). */
const SCRIPT = String.raw`
"use strict";
const D = JSON.parse(document.getElementById("report-data").textContent);
const $ = (id) => document.getElementById(id);
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
const BATCH = 200;
const change = new Map();
for (const c of D.change ? D.change.cells : []) change.set(c.identity + ":" + c.column, c);
const idChange = new Map((D.change ? D.change.identities : []).map((c) => [c.identity, c]));
let shownRows = [];
let shownCols = [];
let rendered = 0;
function cellOf(i, c) {
  const id = D.identities[i];
  return id.row < 0 ? null : D.cells[D.rows[id.row][c]];
}
function allowedEntries(i, c) {
  const cell = cellOf(i, c);
  return cell ? D.columns[c].entries.filter((_, k) => D.verdicts[cell.v[k]].allowed) : [];
}
function fill(select, values) {
  for (const v of values) select.appendChild(el("option", "", v)).value = v;
}
function setup() {
  const against = D.change ? " · changes against " + D.change.base : "";
  $("meta").textContent =
    D.identities.length + " identities × " + D.columns.length + " servers and agents · " + D.upstream + against;
  fill($("f-group"), [...new Set(D.identities.flatMap((i) => i.groups))].sort());
  fill($("f-server"), D.columns.map((c) => c.name));
  for (const id of ["f-kind", "f-group", "f-server", "f-tool", "f-search", "f-changed"])
    $(id).addEventListener("input", apply);
  $("csv").addEventListener("click", downloadCsv);
  $("more").addEventListener("click", () => renderMore());
  $("grid").addEventListener("click", (e) => {
    const b = e.target.closest("button.cell");
    if (b) open(b);
  });
  $("grid").addEventListener("keydown", onKey);
  apply();
}
function matches(i) {
  const id = D.identities[i];
  const kind = $("f-kind").value;
  const group = $("f-group").value;
  const q = $("f-search").value.toLowerCase();
  const tool = $("f-tool").value.toLowerCase();
  if (kind && id.kind !== kind) return false;
  if (group && !id.groups.includes(group)) return false;
  const text = [id.label, id.name, ...id.groups, ...id.scopes].join(" ").toLowerCase();
  if (q && !text.includes(q)) return false;
  const changed = shownCols.some((c) => change.has(i + ":" + c)) || idChange.has(i);
  if ($("f-changed").checked && !changed) return false;
  const hasTool = (c) => allowedEntries(i, c).some((e) => e.toLowerCase().includes(tool));
  return !tool || shownCols.some(hasTool);
}
function apply() {
  const server = $("f-server").value;
  const tool = $("f-tool").value.toLowerCase();
  const names = (c) => !tool || D.columns[c].entries.some((e) => e.toLowerCase().includes(tool));
  shownCols = D.columns.map((_, c) => c).filter((c) => (!server || D.columns[c].name === server) && names(c));
  shownRows = D.identities.map((_, i) => i).filter(matches);
  const head = $("head");
  head.textContent = "";
  const tr = el("tr");
  tr.appendChild(el("th", "", "identity"));
  for (const c of shownCols) {
    const col = D.columns[c];
    const th = el("th", "", (col.kind === "agent" ? "agent " : "") + col.name);
    if (col.target.quarantined) th.appendChild(el("span", "m m-quarantined", "Q"));
    if (col.target.limits.length) th.title = "target limits: " + col.target.limits.join("; ");
    tr.appendChild(th);
  }
  head.appendChild(tr);
  $("body").textContent = "";
  rendered = 0;
  renderMore();
  $("count").textContent = shownRows.length + " identities, " + shownCols.length + " columns shown";
}
function renderMore(upTo) {
  const end = Math.min(shownRows.length, Math.max(rendered + BATCH, upTo || 0));
  const frag = document.createDocumentFragment();
  for (let r = rendered; r < end; r++) frag.appendChild(rowOf(shownRows[r], r));
  $("body").appendChild(frag);
  rendered = end;
  $("more").hidden = rendered >= shownRows.length;
}
function tagsOf(id) {
  const admin = id.admin ? ["admin"] : id.inAdminGroup ? ["admin group"] : [];
  const rest = [id.quarantined && "quarantined", id.limits.length && "rate limited", !id.enabled && "disabled"];
  return [id.kind, ...admin, ...rest.filter(Boolean), ...(id.removed ? ["removed"] : [])];
}
function rowOf(i, r) {
  const id = D.identities[i];
  const tr = el("tr");
  const th = el("th", "", id.label);
  for (const t of tagsOf(id)) th.appendChild(el("span", t.startsWith("admin") ? "tag m m-admin" : "tag", t));
  const limits = id.limits.length ? "; rate limits: " + id.limits.join("; ") : "";
  const groups = id.groups.join(", ") || "(none)";
  th.title = "groups: " + groups + "; scopes: " + (id.scopes.join(", ") || "(none)") + limits;
  tr.appendChild(th);
  shownCols.forEach((c, k) => tr.appendChild(cellButton(i, c, r, k)));
  return tr;
}
const MARK = { wildcard: "*", http: "http:*", admin: "A", quarantined: "Q" };
function cellButton(i, c, r, k) {
  const cell = cellOf(i, c);
  const summary = cell ? cell.summary : "none";
  const look = summary === "all" ? "all" : summary === "none" ? "none" : "some";
  const b = el("button", "cell " + look, summary);
  Object.assign(b.dataset, { r: r, c: k, identity: i, column: c });
  for (const m of cell ? cell.marks : []) b.appendChild(el("span", "m m-" + m, MARK[m]));
  const ch = change.get(i + ":" + c);
  if (ch) {
    if (ch.added.length) b.classList.add("added");
    if (ch.removed.length) b.classList.add("removed");
    const s = el("span", "chg");
    if (ch.added.length) s.appendChild(el("span", "plus", "+" + ch.added.length));
    if (ch.removed.length) s.appendChild(el("span", "minus", "−" + ch.removed.length));
    b.appendChild(s);
  }
  b.setAttribute("aria-label", D.identities[i].label + " on " + D.columns[c].name + ": " + b.textContent);
  const td = el("td");
  td.appendChild(b);
  return td;
}
function verdictText(v, entry) {
  if (v.reason) return v.reason;
  if (v.branch === "no-scope") return "no scope: none of the groups is in any scope's group_mappings (403)";
  return "no rule of the scopes held grants " + entry + " (default deny)";
}
function changeLines(i, c) {
  const out = [];
  const ch = change.get(i + ":" + c);
  if (ch && ch.added.length) out.push("the change adds: " + ch.added.join(", "));
  if (ch && ch.removed.length) out.push("the change removes: " + ch.removed.join(", "));
  const d = idChange.get(i);
  if (d) {
    const parts = [d.status];
    if (d.gained.length) parts.push("gains " + d.gained.join("; "));
    if (d.lost.length) parts.push("loses " + d.lost.join("; "));
    if (d.privileged.length) parts.push("privileged: " + d.privileged.join("; "));
    out.push("diff: " + parts.join("; "));
  }
  return out;
}
function open(b) {
  const i = +b.dataset.identity;
  const c = +b.dataset.column;
  const id = D.identities[i];
  const col = D.columns[c];
  const cell = cellOf(i, c);
  const d = $("detail");
  d.textContent = "";
  d.appendChild(el("h2", "", id.label + " → " + (col.kind === "agent" ? "agent " : "server ") + col.name));
  const held = id.scopes.join(", ") || "(none)";
  d.appendChild(el("p", "", "explain " + id.explainArgs.join(" ") + " · scopes held: " + held));
  if (col.target.quarantined) d.appendChild(el("p", "", col.name + " is QUARANTINED: every request to it is refused"));
  for (const l of col.target.limits) d.appendChild(el("p", "", "target limit: " + l));
  for (const l of id.limits) d.appendChild(el("p", "", "rate limit: " + l));
  for (const l of changeLines(i, c)) d.appendChild(el("p", "", l));
  const ul = el("ul");
  const rules = new Map();
  col.entries.forEach((entry, k) => {
    if (!cell) return;
    const v = D.verdicts[cell.v[k]];
    const by = v.scope ? " — scope " + v.scope : "";
    const text = (v.allowed ? "ALLOW " : "DENY ") + entry + by + ": " + verdictText(v, entry);
    const li = el("li", v.allowed ? "allow" : "deny", text);
    const facts = { entry: entry, allowed: v.allowed, branch: v.branch, scope: v.scope || "", rule: v.rule || "" };
    Object.assign(li.dataset, facts);
    for (const s of v.dependsOn || []) li.appendChild(el("div", "", "depends on the registry's switch: " + s));
    for (const n of v.notes || []) li.appendChild(el("div", "", "note: " + n));
    if (v.rule) rules.set(v.scope + " " + v.rule, "scope " + v.scope + ", rule " + v.rule);
    ul.appendChild(li);
  });
  d.appendChild(ul);
  for (const r of rules.values()) d.appendChild(el("p", "rule", "deciding rule: " + r));
}
const MOVES = { ArrowRight: [0, 1], ArrowLeft: [0, -1], ArrowDown: [1, 0], ArrowUp: [-1, 0] };
function onKey(e) {
  const b = e.target.closest("button.cell");
  const m = b && MOVES[e.key];
  if (!m) return;
  e.preventDefault();
  const r = +b.dataset.r + m[0];
  const c = +b.dataset.c + m[1];
  if (r < 0 || c < 0 || c >= shownCols.length || r >= shownRows.length) return;
  if (r >= rendered) renderMore(r + 1);
  $("body").rows[r].cells[c + 1].firstChild.focus();
}
function csvField(value) {
  let s = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}
function csvRows(i, c) {
  const id = D.identities[i];
  const col = D.columns[c];
  const cell = cellOf(i, c);
  const ch = change.get(i + ":" + c);
  const mark = (entry) => (D.change ? [ch && ch.added.includes(entry) ? "added" : ""] : []);
  const rows = col.entries.flatMap((entry, k) => {
    const v = cell && D.verdicts[cell.v[k]];
    if (!v || !v.allowed) return [];
    const via = v.scope ? id.groups.filter((g) => (D.scopeGroups[v.scope] || []).includes(g)).join(" ") : "";
    return [[id.name, id.kind, col.kind, col.name, entry, via, v.scope || "", v.branch, ...mark(entry)]];
  });
  for (const entry of ch ? ch.removed : [])
    rows.push([id.name, id.kind, col.kind, col.name, entry, "", "", "", "removed"]);
  return rows;
}
function downloadCsv() {
  const lines = [D.csvHeader.map(csvField).join(",")];
  for (const i of shownRows)
    for (const c of shownCols) for (const row of csvRows(i, c)) lines.push(row.map(csvField).join(","));
  const a = $("csv-link");
  a.href = URL.createObjectURL(new Blob([lines.join("\n") + "\n"], { type: "text/csv" }));
  a.download = "access-report.csv";
  a.hidden = false;
  a.textContent = "access-report.csv (" + (lines.length - 1) + " rows)";
  a.click();
}
// For tests and scripts: the data, the rows and columns shown, the CSV rows of a cell.
const shown = () => ({ rows: shownRows.slice(), cols: shownCols.slice(), rendered });
window.__report = { csvRows, data: D, shown };
setup();
`;

/** The whole page for `data`; `title` names the repository. */
export function reportPage(data: ReportData, title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Access report: ${htmlText(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>Access report: ${htmlText(title)}</h1><div id="meta"></div>
<div class="legend">
<span><span class="m m-wildcard">*</span> wildcard grant</span>
<span><span class="m m-http">http:*</span> every HTTP verb</span>
<span><span class="m m-admin">A</span> admin bypass / admin group</span>
<span><span class="m m-quarantined">Q</span> quarantined</span>
<span class="chg"><span class="plus">+n</span>/<span class="minus">−n</span> added / removed by the change</span>
</div></header>
<div class="filters">
<label>identity kind<select id="f-kind"><option value="">all</option><option value="user">users</option>
<option value="m2m">M2M accounts</option><option value="admin">bootstrap admin</option>
<option value="brokered">brokered people</option></select></label>
<label>group<select id="f-group"><option value="">all</option></select></label>
<label>server or agent<select id="f-server"><option value="">all</option></select></label>
<label>tool or method<input id="f-tool" type="search" placeholder="e.g. ack_incident"></label>
<label>search<input id="f-search" type="search" placeholder="name, group, scope"></label>
<label><span>changed only</span><input id="f-changed" type="checkbox"></label>
<button id="csv" type="button">CSV export</button><a id="csv-link" hidden></a>
<span id="count"></span>
</div>
<div id="wrap"><table id="grid"><thead id="head"></thead><tbody id="body"></tbody></table></div>
<button id="more" type="button" hidden>show more identities</button>
<section id="detail" aria-live="polite"><p>Select a cell (click, or Enter on a focused cell; arrow keys move) to
see every request it decides and the scope and rule that decided, in explain's words.</p></section>
<script type="application/json" id="report-data">${inertJson({ ...data, csvHeader: reportCsvHeader(data) })}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
