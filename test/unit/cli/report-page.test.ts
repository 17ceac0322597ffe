/**
 * The report page and its CSV: definitions are hostile input, so names holding `</script>`, `<!--` or quotes stay
 * data (one JSON block that parses back to the data, no markup of theirs) — JS line separators too, which the
 * loader refuses in a name and inertJson escapes anyway — and a CSV field never runs as a spreadsheet formula.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { accessReport, checkRepository, type ReportData } from "../../../lib";
import { csvField, csvLine } from "../../../cli/csv";
import { htmlText, inertJson, reportPage } from "../../../cli/report-page";
import { cli } from "../../support/cli";
import { REPO_ROOT } from "../../support/paths";
import { makeRepo, USER } from "../../support/repo";

const HOSTILE = ["</script><script>alert(1)</script>", "<!--", "\"'><img src=x onerror=alert(2)>", "&amp;"];

function hostileData(): ReportData {
  const tools = HOSTILE.map((t) => JSON.stringify(t)).join(", ");
  const dir = makeRepo({
    "groups/g.yaml":
      `scope_name: g\ndescription: "${HOSTILE[0]}"\nserver_access:\n` +
      `  - server: ${JSON.stringify(HOSTILE[2])}\n    methods: [tools/call]\n    tools: [${tools}]\n`,
    "users/alice.yaml": USER("alice", "[g]"),
  });
  const r = checkRepository(dir, { existingGroups: ["registry-admins"] });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return accessReport(r.model);
}

describe("the report page", () => {
  it("keeps hostile names as data: one inert JSON block, the page's own two scripts only", () => {
    const data = hostileData();
    const page = reportPage(data, HOSTILE[0]!);
    assert.equal(page.match(/<script/g)!.length, 2);
    assert.equal(page.match(/<\/script>/g)!.length, 2);
    assert.ok(!page.includes("<!--"));
    assert.ok(!page.includes("<img"));
    const block = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(page);
    assert.ok(block);
    const parsed = JSON.parse(block[1]!) as ReportData & { csvHeader: string[] };
    const { csvHeader: _, ...back } = parsed;
    assert.deepEqual(back, JSON.parse(JSON.stringify(data)));
    assert.ok(parsed.columns.some((c) => c.entries.includes(`tool ${HOSTILE[0]}`)));
    assert.match(page, /<title>Access report: &#60;\/script&#62;/);
  });

  it("escapes what JSON leaves for HTML", () => {
    assert.equal(inertJson("</script>&\u2028"), '"\\u003c/script\\u003e\\u0026\\u2028"');
    assert.equal(htmlText(`<a href="x">'&`), "&#60;a href=&#34;x&#34;&#62;&#39;&#38;");
  });

  it("loads nothing from the network: no URL of any scheme but the page's own", () => {
    const page = reportPage(hostileData(), "t");
    assert.ok(!/(src|href)=["']?(https?:|\/\/)/i.test(page));
    assert.match(page, /Content-Security-Policy/);
  });
});

describe("mcp-access report", () => {
  it("writes index.html and report.csv, and --format csv prints the same CSV", async () => {
    const out = mkdtempSync(join(tmpdir(), "mcp-access-report-"));
    const r = await cli(["report", "--dir", REPO_ROOT, "--out", out]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /6 identities × 11 servers and agents/);
    const html = readFileSync(join(out, "index.html"), "utf8");
    assert.match(html, /^<!doctype html>/);
    const csv = readFileSync(join(out, "report.csv"), "utf8");
    assert.match(csv, /^identity,kind,target_kind,target,request,via_group,scope,branch\n/);
    assert.match(csv, /^bob,user,server,sre-gateway,tool ack_incident,sre-operators,sre-operators,tool-listed$/m);
    const printed = await cli(["report", "--dir", REPO_ROOT, "--format", "csv"]);
    assert.equal(`${printed.out}\n`, csv);
  });
});

describe("CSV fields", () => {
  it("quote what needs quoting and defuse formulas", () => {
    assert.equal(csvField('a,"b"'), '"a,""b"""');
    assert.equal(csvField("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
    assert.equal(csvField("-1"), "'-1");
    assert.equal(csvField("line\nbreak"), '"line\nbreak"');
    assert.equal(csvLine(["a", null, true, 3]), "a,,true,3");
  });
});
