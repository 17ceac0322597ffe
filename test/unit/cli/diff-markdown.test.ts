/**
 * The `diff` markdown for pull-request comments renders names as the text they are (issue 23, item 9): an HTML
 * comment cannot hide a grant, `*` and `_` make no emphasis, backticks and `|` break neither code spans nor tables.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mdCode, mdText } from "../../../cli/diff";
import { run } from "../../../cli/main";
import { GitRepo, userFile } from "../../support/git-repo";

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** Characters outside code spans, for checks of what markdown would interpret. */
function outsideCode(md: string): string {
  return md.replace(/(`+)[\s\S]*?\1/g, "");
}

describe("diff markdown escapes what the definitions hold", () => {
  it("servers named docs<!-- and zz--> cannot hide a wildcard grant between them", async () => {
    const repo = new GitRepo().write({
      "groups/g.yaml": "scope_name: team\n",
      "users/a.yaml": userFile("alice", ["team"]),
    });
    const ref = repo.commit("base");
    repo.write({
      "groups/g.yaml":
        "scope_name: team\nserver_access:\n" +
        "  - server: docs<!--\n    methods: [tools/list]\n" +
        "  - server: finance\n    methods: [tools/call]\n    tools: ['*']\n" +
        "  - server: zz-->\n    methods: [tools/list]\n" +
        "  - server: a*b*c_d_e\n    methods: [tools/list]\n" +
        "  - server: 'p|q'\n    methods: [tools/call]\n    tools: ['get`x`', get_*]\n",
    });
    const r = await cli(["diff", "--dir", repo.dir, "--base", ref]);
    assert.equal(r.code, 0, r.err);
    const md = r.out;
    assert.ok(!md.includes("<!--") && !md.includes("-->"), md);
    assert.match(md, /docs&lt;\\!--/);
    assert.match(md, /zz--&gt;/);
    assert.match(md, /finance: every tool|finance.*\\\*/);
    assert.doesNotMatch(outsideCode(md), /(^|[^\\])[*_]/m, "every * and _ outside code is escaped");
    for (const row of md.split("\n").filter((l) => l.startsWith("| user") || l.startsWith("| M2M"))) {
      assert.equal(row.replace(/\\\|/g, "").split("|").length, 7, `a row of five cells: ${row}`);
    }
    assert.match(md, /get\\`x\\`/);
  });

  it("mdText and mdCode", () => {
    assert.equal(
      mdText("<b>*x*</b> `y` a|b _z_ [l](u) & \u001b"),
      "&lt;b&gt;\\*x\\*&lt;/b&gt; \\`y\\` a\\|b \\_z\\_ \\[l\\](u) &amp; \\\\u001b",
    );
    assert.equal(mdCode("a`b"), "``a`b``");
    assert.equal(mdCode("`x"), "`` `x ``");
    assert.equal(mdCode("p|q", true), "`p\\|q`");
  });
});
