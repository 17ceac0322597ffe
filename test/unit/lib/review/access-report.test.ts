/**
 * The access report's data: every cell of this repository's definitions is explain's answer (lib `explainRequest`,
 * the call the CLI's explain makes), identities of every kind are there with their marks, and `--base` marks the
 * cells a change adds and removes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  accessReport,
  accessReportDiff,
  ANY_OTHER_AGENT,
  authScopes,
  checkRepository,
  explainRequest,
  reportColumns,
  REPORT_CSV_HEADER,
  reportCsvHeader,
  reportCsvRows,
  type AccessModel,
  type ReportData,
} from "../../../../lib";
import { REPO_ROOT } from "../../../support/paths";
import { check, GROUP, makeRepo, USER } from "../../../support/repo";

function modelOf(dir: string, bootstrap = false): AccessModel {
  const r = checkRepository(dir, { existingGroups: ["registry-admins"], ...(bootstrap ? { bootstrap: true } : {}) });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return r.model;
}

const verdictAt = (data: ReportData, identity: number, column: number, entry: number) =>
  data.verdicts[data.cells[data.rows[data.identities[identity]!.row]![column]!]!.v[entry]!]!;

describe("the access report's data", () => {
  it("every cell of this repository is explain's answer, entry by entry", () => {
    const model = modelOf(REPO_ROOT);
    const data = accessReport(model);
    const columns = reportColumns(authScopes(model));
    assert.deepEqual(
      data.columns.map((c) => c.entries),
      columns.map((c) => c.entries.map((e) => e.label)),
    );
    let compared = 0;
    data.identities.forEach((id, i) => {
      const ref = id.kind === "m2m" ? { m2m: id.name } : { user: id.name };
      columns.forEach((col, c) =>
        col.entries.forEach((e, k) => {
          const d = explainRequest(model, ref, e.request);
          const v = verdictAt(data, i, c, k);
          const what = `${id.label} ${col.name} ${e.label}`;
          assert.equal(v.allowed, d.allowed, what);
          assert.equal(v.branch, d.branch, what);
          assert.equal(v.scope, d.scope, what);
          assert.equal(v.rule, d.rule ? JSON.stringify(d.rule) : null, what);
          compared++;
        }),
      );
    });
    assert.ok(compared > 500, `${compared} answers compared`);
  });

  it("holds users, M2M accounts, the bootstrap admin and brokered people, with their marks", () => {
    const dir = makeRepo({
      "groups/g.yaml": GROUP,
      "users/alice.yaml": USER("alice", "[tools-users]"),
      "users/mallory.yaml": USER("mallory", "[tools-users]"),
      "m2m/bot.yaml": "name: bot\ngroups: [registry-admins]\n",
      "rate-limits/q.yaml": "quarantine:\n  users: [mallory]\n",
      "identity-providers/corp.yaml":
        "alias: corp\noidc:\n  issuer: https://idp.example.com\n  authorization_url: https://idp.example.com/a\n" +
        "  token_url: https://idp.example.com/t\n  jwks_url: https://idp.example.com/k\n  client_id: c\n" +
        "mappers:\n  - claim: groups\n    value: eng\n    group: tools-users\n",
    });
    const data = accessReport(modelOf(dir, true));
    const kinds = data.identities.map((i) => `${i.kind} ${i.name}`);
    assert.deepEqual(kinds.slice(0, 2), ["user alice", "user mallory"]);
    assert.ok(
      kinds.some((k) => k.startsWith("admin ")),
      kinds.join(", "),
    );
    assert.ok(kinds.includes("m2m bot"));
    const brokered = data.identities.find((i) => i.kind === "brokered")!;
    assert.match(brokered.label, /^people from corp whose claim groups holds "eng"$/);
    assert.deepEqual(brokered.explainArgs, ["--groups", "tools-users"]);
    const bot = data.identities.find((i) => i.name === "bot")!;
    assert.ok(bot.inAdminGroup && bot.admin);
    const mallory = data.identities.find((i) => i.name === "mallory")!;
    assert.ok(mallory.quarantined);
    const col = data.columns.findIndex((c) => c.name === "currenttime");
    const cell = data.cells[data.rows[mallory.row]![col]!]!;
    assert.ok(cell.marks.includes("quarantined"));
    const alice = data.identities.find((i) => i.name === "alice")!;
    assert.notEqual(alice.row, mallory.row, "a quarantined caller never shares its row");
    const agents = data.columns.findIndex((c) => c.name === ANY_OTHER_AGENT);
    assert.ok(data.cells[data.rows[bot.row]![agents]!]!.marks.includes("admin"));
    assert.equal(data.cells[data.rows[bot.row]![col]!]!.summary, "all");
  });

  it("identities with the same groups share a row, and equal cells are stored once", () => {
    const users = Object.fromEntries(
      Array.from({ length: 30 }, (_, i) => [`users/u${i}.yaml`, USER(`user${i}`, "[tools-users]")]),
    );
    const data = accessReport(modelOf(makeRepo({ "groups/g.yaml": GROUP, ...users })));
    assert.equal(data.identities.length, 30);
    assert.equal(data.rows.length, 1);
    assert.ok(data.cells.length <= data.columns.length);
  });

  it("with a base, marks what the change adds and removes, and carries diff's words", () => {
    const base = check({ "groups/g.yaml": GROUP, "users/ann.yaml": USER("ann", "[tools-users]") });
    const head = check({
      "groups/g.yaml": GROUP.replace("tools: [current_time_by_timezone]", "tools: [current_time_by_timezone, convert]"),
      "users/ann.yaml": USER("ann", "[tools-users]"),
      "users/bea.yaml": USER("bea", "[tools-users]"),
    });
    assert.ok(base.ok && head.ok);
    const data = accessReportDiff(base.model, head.model, "main");
    const change = data.change!;
    assert.equal(change.base, "main");
    const named = change.cells.map((c) => [data.identities[c.identity]!.name, data.columns[c.column]!.name]);
    assert.deepEqual(named, [
      ["ann", "currenttime"],
      ["bea", "currenttime"],
    ]);
    assert.deepEqual(change.cells[0]!.added, ["tool convert"]);
    assert.deepEqual(change.cells[0]!.removed, []);
    assert.ok(change.cells[1]!.added.includes("tool current_time_by_timezone"));
    assert.deepEqual(
      change.identities.map((c) => [data.identities[c.identity]!.name, c.status]),
      [
        ["ann", "changed"],
        ["bea", "added"],
      ],
    );
    // The other way round: a removed identity stays as a row whose cells are all removed.
    const back = accessReportDiff(head.model, base.model, "head");
    const bea = back.identities.find((i) => i.name === "bea")!;
    assert.equal(bea.row, -1);
    assert.ok(
      back.change!.cells.some(
        (c) => back.identities[c.identity] === bea && c.removed.includes("tool current_time_by_timezone"),
      ),
    );
  });

  it("with a base, the CSV says which rows the change adds, and lists what it removes (a removed user too)", () => {
    const base = check({
      "groups/g.yaml": GROUP,
      "users/ann.yaml": USER("ann", "[tools-users]"),
      "users/bea.yaml": USER("bea", "[tools-users]"),
    });
    const head = check({
      "groups/g.yaml": GROUP.replace("tools: [current_time_by_timezone]", "tools: [convert]"),
      "users/ann.yaml": USER("ann", "[tools-users]"),
    });
    assert.ok(base.ok && head.ok);
    const data = accessReportDiff(base.model, head.model, "main");
    assert.deepEqual(reportCsvHeader(data).slice(-1), ["change"]);
    const rows = reportCsvRows(data).filter((r) => r[3] === "currenttime" && r[4]!.startsWith("tool "));
    const said = rows.map((r) => `${r[0]} ${r[4]} ${r.at(-1) || "kept"}${r[7] ? "" : " (no base verdict)"}`);
    assert.deepEqual(said, [
      "ann tool convert added",
      "ann tool current_time_by_timezone removed (no base verdict)",
      "bea tool current_time_by_timezone removed (no base verdict)",
    ]);
    assert.ok(reportCsvRows(data).every((r) => r.length === reportCsvHeader(data).length));
    // Without a base, the header and rows are as before: no change column.
    const plain = accessReport(head.model);
    assert.deepEqual(reportCsvHeader(plain), REPORT_CSV_HEADER);
    assert.ok(reportCsvRows(plain).every((r) => r.length === REPORT_CSV_HEADER.length));
  });

  it("the CSV rows are the allowed answers, with the group they come through", () => {
    const data = accessReport(modelOf(REPO_ROOT));
    const rows = reportCsvRows(data);
    const bob = rows.filter((r) => r[0] === "bob" && r[3] === "sre-gateway" && r[4] === "tool ack_incident");
    assert.deepEqual(bob, [
      ["bob", "user", "server", "sre-gateway", "tool ack_incident", "sre-operators", "sre-operators", "tool-listed"],
    ]);
    const allowed = data.identities.reduce(
      (n, id) =>
        n +
        data.columns.reduce(
          (m, _, c) => m + data.cells[data.rows[id.row]![c]!]!.v.filter((v) => data.verdicts[v]!.allowed).length,
          0,
        ),
      0,
    );
    assert.equal(rows.length, allowed);
  });
});
