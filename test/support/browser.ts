/**
 * Headless Chromium for the report page's tests: Debian's chromium, provided by scripts/chromium.sh through
 * scripts/with-services.js (`browser` → MCP_ACCESS_TEST_CHROMIUM), driven by playwright-core. Without the variable
 * the test fails: a browser test that skips proves nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function chromiumPath(): string {
  const path = process.env.MCP_ACCESS_TEST_CHROMIUM;
  if (!path)
    throw new Error(
      "MCP_ACCESS_TEST_CHROMIUM is not set: run through `node scripts/with-services.js browser -- …` " +
        "(or set it to the path scripts/chromium.sh prints)",
    );
  return path;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A browser with a fresh user-data directory, removed on close. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "mcp-access-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What a page did while it loaded: console errors, page errors, and every request (URL) it made. */
export interface PageLog {
  errors: string[];
  requests: string[];
}

export async function openPage(b: Browser, url: string): Promise<{ page: Page; log: PageLog }> {
  const page = await b.context.newPage();
  const log: PageLog = { errors: [], requests: [] };
  page.on("console", (m) => {
    if (m.type() === "error") log.errors.push(m.text());
  });
  page.on("pageerror", (e) => log.errors.push(String(e)));
  page.on("request", (r) => log.requests.push(r.url()));
  page.on("dialog", (d) => {
    log.errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(url, { waitUntil: "load" });
  return { page, log };
}
