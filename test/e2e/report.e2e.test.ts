/**
 * The access report page in a real browser (Debian's headless Chromium, from file://, no service, no port): it
 * loads with no console error and no request but its own; filters and search change what is shown; every cell of
 * this repository's definitions (and a sample of a generated 500 users × 50 servers one) is explain's answer; the
 * `--base` view marks exactly what `diff` lists; arrow keys and Tab reach every cell. The example page's screenshot
 * is written to .local/test-artifacts/ (git-ignored).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { ANY_OTHER_AGENT } from "../../lib";
import { generateRepository } from "../../bench/core";
import { launchBrowser, openPage, type Browser } from "../support/browser";
import { cli } from "../support/cli";
import { GitRepo, userFile } from "../support/git-repo";
import { REPO_ROOT } from "../support/paths";

const made: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "mcp-access-report-e2e-"));
  made.push(d);
  return d;
};

async function writeReport(args: string[]): Promise<string> {
  const out = tempDir();
  const r = await cli(["report", "--out", out, ...args]);
  assert.equal(r.code, 0, r.err);
  return join(out, "index.html");
}

interface Shown {
  rows: number[];
  cols: number[];
  rendered: number;
}
const shown = (page: Page) =>
  page.evaluate(() => (window as unknown as { __report: { shown(): Shown } }).__report.shown());

interface PageColumn {
  kind: "server" | "agent";
  name: string;
  entries: string[];
}
interface PageIdentity {
  label: string;
  explainArgs: string[];
}
type Data = { columns: PageColumn[]; identities: PageIdentity[] };
const dataOf = (page: Page) => page.evaluate(() => (window as unknown as { __report: { data: Data } }).__report.data);

/** The explain flags for one entry of a column, as the report's columns build them (lib/review/report-columns.ts). */
function explainRequest(col: PageColumn, entry: string): string[] {
  if (col.kind === "agent")
    return ["--agent", col.name === ANY_OTHER_AGENT ? `/${col.name}` : col.name, "--action", entry];
  if (entry.startsWith("HTTP ")) return ["--server", col.name, "--http", entry.slice(5)];
  if (entry.startsWith("tool ")) return ["--server", col.name, "--method", "tools/call", "--tool", entry.slice(5)];
  if (entry === "<any other tool>") return ["--server", col.name, "--method", "tools/call", "--tool", entry];
  return ["--server", col.name, "--method", entry];
}

/** Opens a cell (Enter) and compares each of its answers with `explain --format json`. */
async function cellEqualsExplain(page: Page, dir: string, identity: number, column: number, data: Data) {
  const cell = page.locator(`button.cell[data-identity="${identity}"][data-column="${column}"]`);
  await cell.focus();
  await page.keyboard.press("Enter");
  const items = await page
    .locator("#detail li")
    .evaluateAll((lis) => lis.map((li) => ({ ...(li as HTMLElement).dataset })));
  const col = data.columns[column]!;
  assert.equal(items.length, col.entries.length);
  for (const item of items) {
    const args = [
      "explain",
      "--dir",
      dir,
      ...data.identities[identity]!.explainArgs,
      ...explainRequest(col, item.entry!),
    ];
    const r = await cli([...args, "--format", "json"]);
    assert.equal(r.code, 0, r.err);
    const e = JSON.parse(r.out) as { allowed: boolean; branch: string; scope: string | null; rule: unknown };
    const what = `${args.join(" ")}`;
    assert.equal(item.allowed, String(e.allowed), what);
    assert.equal(item.branch, e.branch, what);
    assert.equal(item.scope, e.scope ?? "", what);
    assert.equal(item.rule, e.rule ? JSON.stringify(e.rule) : "", what);
  }
}

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe("the report page of this repository's definitions", () => {
  let file: string;
  before(async () => {
    file = await writeReport(["--dir", REPO_ROOT]);
  });

  it("loads from file:// with no console error and no request but the page itself; a screenshot is kept", async () => {
    const { page, log } = await openPage(browser, pathToFileURL(file).href);
    await page.locator("button.cell").first().waitFor();
    assert.deepEqual(log.errors, []);
    assert.deepEqual(log.requests, [pathToFileURL(file).href]);
    await page.locator("button.cell").nth(3).click();
    const dir = join(REPO_ROOT, ".local", "test-artifacts");
    mkdirSync(dir, { recursive: true });
    const shot = join(dir, "report.png");
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`report page screenshot: ${shot}`);
    await page.close();
  });

  it("filters by kind, group, server and tool, and the search, change what is shown", async () => {
    const { page } = await openPage(browser, pathToFileURL(file).href);
    const all = await shown(page);
    await page.selectOption("#f-kind", "m2m");
    const m2m = await shown(page);
    assert.ok(m2m.rows.length > 0 && m2m.rows.length < all.rows.length);
    await page.selectOption("#f-kind", "");
    await page.selectOption("#f-group", "sre-operators");
    assert.ok((await shown(page)).rows.length < all.rows.length);
    await page.selectOption("#f-group", "");
    await page.selectOption("#f-server", "sre-gateway");
    assert.deepEqual((await shown(page)).cols.length, 1);
    await page.selectOption("#f-server", "");
    await page.fill("#f-tool", "ack_incident");
    const tool = await shown(page);
    assert.ok(tool.cols.length < all.cols.length && tool.rows.length < all.rows.length);
    await page.fill("#f-tool", "");
    await page.fill("#f-search", "bob");
    assert.equal((await shown(page)).rows.length, 1);
    assert.equal(await page.locator("#body tr").count(), 1);
    await page.close();
  });

  it("every cell is explain's answer, entry by entry", async () => {
    const { page } = await openPage(browser, pathToFileURL(file).href);
    const data = await dataOf(page);
    for (let i = 0; i < data.identities.length; i++)
      for (let c = 0; c < data.columns.length; c++) await cellEqualsExplain(page, REPO_ROOT, i, c, data);
    await page.close();
  });

  it("arrow keys and Tab reach every cell", async () => {
    const { page } = await openPage(browser, pathToFileURL(file).href);
    const { rows, cols } = await shown(page);
    const reached = new Set<string>();
    const here = () =>
      page.evaluate(() => {
        const b = document.activeElement as HTMLElement;
        return `${b.dataset.r}:${b.dataset.c}`;
      });
    await page.locator("button.cell").first().focus();
    for (let r = 0; r < rows.length; r++) {
      for (let c = 0; c < cols.length; c++) {
        reached.add(await here());
        if (c < cols.length - 1) await page.keyboard.press(r % 2 ? "ArrowLeft" : "ArrowRight");
      }
      if (r < rows.length - 1) await page.keyboard.press("ArrowDown");
    }
    assert.equal(reached.size, rows.length * cols.length);
    await page.locator("button.cell").first().focus();
    const tabbed = new Set<string>([await here()]);
    for (let k = 1; k < rows.length * cols.length; k++) {
      await page.keyboard.press("Tab");
      tabbed.add(await here());
    }
    assert.equal(tabbed.size, rows.length * cols.length);
    await page.close();
  });

  it("the CSV export built in the page is report.csv", async () => {
    const { page } = await openPage(browser, pathToFileURL(file).href);
    const download = page.waitForEvent("download");
    await page.click("#csv");
    const path = await (await download).path();
    assert.equal(readFileSync(path, "utf8"), readFileSync(join(file, "..", "report.csv"), "utf8"));
    await page.close();
  });
});

describe("the --base view", () => {
  it("marks exactly the cells diff lists, and hostile names stay text", async () => {
    const repo = new GitRepo();
    const group = (tools: string[]) =>
      "scope_name: ops\ndescription: d\nserver_access:\n  - server: gw\n    methods: [tools/call]\n" +
      `    tools: [${tools.join(", ")}]\n`;
    const hostile = `'</script><script>alert(1)</script>'`;
    repo.write({
      "groups/ops.yaml": group(["a", "b"]),
      "users/ann.yaml": userFile("ann", ["ops"]),
      "users/ben.yaml": userFile("ben", ["ops"]),
    });
    repo.commit("base");
    repo.write({
      "groups/ops.yaml": group(["a", "c", hostile, `'"><img src=x onerror=alert(2)>'`]),
      "users/ben.yaml": null,
      "users/cyd.yaml": userFile("cyd", ["ops"]),
    });
    const file = await writeReport(["--dir", repo.dir, "--base", "HEAD"]);
    const diff = await cli(["diff", "--dir", repo.dir, "--base", "HEAD", "--format", "json"]);
    assert.equal(diff.code, 0, diff.err);
    const listed = (JSON.parse(diff.out) as { identities: Array<{ name: string; gained: string[]; lost: string[] }> })
      .identities;
    const { page, log } = await openPage(browser, pathToFileURL(file).href);
    const marked = await page
      .locator("button.cell.added, button.cell.removed")
      .evaluateAll((bs) =>
        bs.map((b) => (b as HTMLElement).dataset.identity + ":" + (b as HTMLElement).dataset.column),
      );
    const data = await dataOf(page);
    type Change = { identity: number; column: number; added: string[]; removed: string[] };
    type Report = { __report: { data: { change: { cells: Change[] } } } };
    const changes = await page.evaluate(() => (window as unknown as Report).__report.data.change.cells);
    const name = (i: number) => (data.identities[i] as unknown as { name: string }).name;
    // diff's grants are `server gw: tool c`: the cells and the entries they add and remove are the same ones.
    // One difference, by design: diff lists a rule's `method tools/call` as a grant, but tools/call is decided by
    // the tools alone (validate_server_tool_access), so the page's cells — decisions — never hold it as an entry.
    const decidable = (g: string) => !g.endsWith(": method tools/call");
    const fromDiff = listed
      .flatMap((c) => [
        ...c.gained.filter(decidable).map((g) => `${c.name} + ${g}`),
        ...c.lost.filter(decidable).map((g) => `${c.name} - ${g}`),
      ])
      .sort();
    const grant = (e: string) => (e.startsWith("tool ") ? e : `method ${e}`);
    const line = (c: Change, sign: string, e: string) =>
      `${name(c.identity)} ${sign} server ${data.columns[c.column]!.name}: ${grant(e)}`;
    const fromPage = changes
      .flatMap((c) => [...c.added.map((e) => line(c, "+", e)), ...c.removed.map((e) => line(c, "-", e))])
      .sort();
    assert.deepEqual(fromPage, fromDiff);
    const cellsOfDiff = listed.flatMap((c) => [...c.gained, ...c.lost].map((g) => `${c.name} ${g.split(":")[0]}`));
    const cellsOfPage = changes.map((c) => `${name(c.identity)} server ${data.columns[c.column]!.name}`);
    assert.deepEqual([...new Set(cellsOfPage)].sort(), [...new Set(cellsOfDiff)].sort());
    assert.deepEqual(marked.sort(), changes.map((c) => `${c.identity}:${c.column}`).sort());
    assert.deepEqual(log.errors, []);
    assert.ok(data.columns.some((c) => c.entries.includes(`tool ${hostile.slice(1, -1)}`)));
    // The page's CSV export is report.csv, with the change column: what the change adds and removes.
    const download = page.waitForEvent("download");
    await page.click("#csv");
    const csv = readFileSync(await (await download).path(), "utf8");
    assert.equal(csv, readFileSync(join(file, "..", "report.csv"), "utf8"));
    const lines = csv.split("\n");
    assert.match(lines[0]!, /,change$/);
    assert.ok(
      lines.some((l) => /^ann,user,server,gw,tool c,ops,ops,[a-z-]+,added$/.test(l)),
      csv,
    );
    assert.ok(
      lines.some((l) => /^ann,user,server,gw,tool a,ops,ops,[a-z-]+,$/.test(l)),
      csv,
    );
    assert.ok(lines.includes("ann,user,server,gw,tool b,,,,removed"), csv);
    assert.ok(lines.includes("ben,user,server,gw,tool a,,,,removed"), csv);
    await page.close();
  });
});

describe("a generated repository: 500 users × 50 servers", () => {
  it("is a page the browser opens, with a bounded DOM, and a sample of cells is explain's answer", async () => {
    const dir = generateRepository(100, 500, 50);
    made.push(dir);
    const started = Date.now();
    const file = await writeReport(["--dir", dir, "--existing-group", "registry-admins"]);
    const generated = Date.now() - started;
    const size = statSync(file).size;
    const { page, log } = await openPage(browser, pathToFileURL(file).href);
    await page.locator("button.cell").first().waitFor();
    const loaded = Date.now() - started - generated;
    const nodes = await page.evaluate(() => document.getElementsByTagName("*").length);
    console.log(
      `500 users × 50 servers: generated in ${generated} ms, ${(size / 1024).toFixed(0)} KiB, ` +
        `shown in ${loaded} ms, ${nodes} DOM elements`,
    );
    assert.deepEqual(log.errors, []);
    assert.ok(size < 5 * 1024 * 1024, `page of ${size} bytes`);
    assert.ok(nodes < 60000, `${nodes} elements`);
    const data = await dataOf(page);
    assert.equal(data.identities.length, 550);
    // A fixed sample across the matrix (rows beyond the first batch are rendered on demand by ArrowDown's path).
    for (let k = 0; k < 12; k++) {
      const i = (k * 37) % 200;
      const c = (k * 13) % data.columns.length;
      await cellEqualsExplain(page, dir, i, c, data);
    }
    await page.close();
  });
});
