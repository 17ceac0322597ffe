/** `mcp-access diff`: per identity, what a change between two git revisions gains and loses. */
import { Command, Option } from "commander";
import { identityProviderMarkdown, rateLimitMarkdown } from "../lib";
import {
  checkFiles,
  checkRepository,
  diffAccess,
  grantText,
  loadRepoConfig,
  registryFlags,
  safeText,
  textLine,
  type AccessDiff,
  type AccessModel,
  type CheckOptions,
  type CheckResult,
  type ExpectationFlip,
  type IdentityChange,
  type ToolBlock,
} from "../lib";
import { revisionFiles } from "./git";
import type { Io } from "./io";
import { repoOptions, resolveSettings, validModel, type RepoFlags } from "./repo";

/** GitHub refuses comments over 65,536 characters; stay well under it. */
export const COMMENT_LIMIT = 60000;

interface DiffFlags extends RepoFlags {
  base: string;
  head?: string;
  format: "markdown" | "json";
}

/**
 * The model of a revision (or of the working tree when `ref` is undefined). A base revision with errors still
 * gives its model (a change that fixes a broken main must pass); its errors are reported as the base's.
 */
export function modelAt(
  dir: string,
  ref: string | undefined,
  settings: CheckOptions,
  io: Io,
  base = false,
): AccessModel {
  // Only the model is wanted (a guard's base, a diff's side): access tests there would only add noise.
  return checkedAt(dir, ref, { ...settings, runAccessTests: false }, io, base).model;
}

/** `modelAt`, with the rest of the check (the access tests loaded there). */
export function checkedAt(
  dir: string,
  ref: string | undefined,
  settings: CheckOptions,
  io: Io,
  base = false,
): CheckResult {
  // A revision is decided with the registry's switches of the working tree: they describe the deployment, not
  // the definitions.
  const flags = settings.registryFlags ?? registryFlags(loadRepoConfig(dir).config.registry, settings.registry);
  const checked = ref
    ? checkFiles(revisionFiles(dir, ref), { ...settings, registryFlags: flags })
    : checkRepository(dir, settings);
  if (!checked.ok && base) {
    io.err(
      `note: the base revision ${ref ?? "(working tree)"} has ${checked.errors.length} error(s); ` +
        `compared with what of it is valid:`,
    );
    for (const d of checked.errors) io.err(`base ${ref ?? "working tree"}: ${textLine(d)}`);
    return checked;
  }
  validModel(
    checked,
    io,
    `the definitions at ${ref ?? "the working tree"} have errors; fix them first (mcp-access validate)`,
    ref ?? "working tree",
  );
  return checked;
}

/**
 * Text from the definitions (names, servers, tools, paths) as markdown that renders as that text: no emphasis, no
 * link, no HTML (an HTML comment `<!--` would hide what follows it from the reviewer), no control character, no
 * table cell break.
 */
export function mdText(s: string): string {
  return safeText(s)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_[\]|~!#]/g, "\\$&");
}

/** Any text as a code span: fenced by more backticks than it holds in a row; `|` escaped for table cells. */
export function mdCode(s: string, inTable = false): string {
  const t = safeText(s);
  const longest = Math.max(0, ...(t.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = t.startsWith("`") || t.endsWith("`") ? " " : "";
  const span = `${fence}${pad}${t}${pad}${fence}`;
  return inTable ? span.replace(/\|/g, "\\|") : span;
}

const who = (c: IdentityChange, inTable = false) => `${c.kind === "user" ? "user" : "M2M"} ${mdCode(c.name, inTable)}`;

function lines(items: string[], max: number): string {
  const shown = items.slice(0, max).map((g) => `  - ${mdText(g)}`);
  if (items.length > max)
    shown.push(`  - … and ${items.length - max} more (run \`mcp-access diff\` locally for the full list)`);
  return shown.join("\n");
}

function statusText(c: IdentityChange): string {
  // A quarantined caller's grants are not access: the auth server refuses its requests (server.py _enforce_rate_limit).
  const q = c.quarantinedAfter ? (c.quarantinedBefore ? ", quarantined" : ", **quarantined**") : "";
  const released = c.quarantinedBefore && !c.quarantinedAfter ? ", released from quarantine" : "";
  if (c.status !== "changed") return `${c.status}${q}${released}`;
  if (c.enabledBefore !== c.enabledAfter) return `${c.enabledAfter ? "enabled" : "disabled"}${q}${released}`;
  return `changed${q}${released}`;
}

function flipLine(f: ExpectationFlip): string {
  const verdict = f.now === "broken" ? "❌ now broken" : "✅ now holds";
  return (
    `- ${verdict}: ${mdCode(`${f.file}:${f.line}`)} ${mdText(f.identity)} should be ` +
    `${f.expect === "allow" ? "allowed" : "denied"} ${mdText(f.request)} — ${mdText(f.decidedBy)}`
  );
}

/** Broken expectations first: they are what stops the merge. */
function flipSection(flips: readonly ExpectationFlip[], max: number): string[] {
  if (!flips.length) return [];
  const sorted = [...flips].sort((a, b) => (a.now === b.now ? 0 : a.now === "broken" ? -1 : 1));
  const out = ["### Access tests whose outcome this change flips", "", ...sorted.slice(0, max).map(flipLine)];
  if (sorted.length > max) out.push(`- … and ${sorted.length - max} more (run \`mcp-access test\` locally)`);
  return [...out, ""];
}

/** Blocks added and removed: why a tool is lost (or gained) by everyone who reached it. */
function toolBlockMarkdown(blocks: AccessDiff["toolBlocks"]): string[] {
  if (!blocks) return [];
  const line = (verb: string, b: ToolBlock) =>
    `- ${verb}: server ${mdCode(b.server)} tool ${mdCode(b.tool)} — ${mdText(b.reason)}` +
    (b.at ? ` (${mdCode(b.at)})` : "");
  return [
    "### Tool blocks",
    "",
    ...blocks.added.map((b) => line("🚫 blocked (nobody may call it, admins included)", b)),
    ...blocks.removed.map((b) => line("unblocked", b)),
    "",
  ];
}

export function renderMarkdown(
  diff: AccessDiff,
  range: string,
  maxPerIdentity = Infinity,
  maxIdentities = Infinity,
): string {
  const out: string[] = [`## Access changes (${mdText(range)})`, ""];
  out.push(...flipSection(diff.expectations, maxIdentities));
  out.push(...rateLimitMarkdown(diff.rateLimits ?? []));
  out.push(...identityProviderMarkdown(diff.identityProviders, mdText));
  out.push(...toolBlockMarkdown(diff.toolBlocks));
  if (!diff.identities.length && !diff.groups.length) return [...out, "No identity gains or loses access."].join("\n");
  const privileged = diff.identities.filter((c) => c.privileged.length);
  if (privileged.length) {
    out.push("### ⚠️ Privileged changes", "");
    for (const c of privileged) out.push(`- ${who(c)}: ${c.privileged.map(mdText).join("; ")}`);
    out.push("");
  }
  if (diff.identities.length) {
    out.push("### Identities", "", "| identity | change | gains | loses | groups |", "|---|---|---|---|---|");
    for (const c of diff.identities.slice(0, maxIdentities)) {
      const groups = [
        ...c.groupsAdded.map((g) => `+${mdText(g)}`),
        ...c.groupsRemoved.map((g) => `−${mdText(g)}`),
      ].join(" ");
      out.push(`| ${who(c, true)} | ${statusText(c)} | ${c.gained.length} | ${c.lost.length} | ${groups} |`);
    }
    if (diff.identities.length > maxIdentities)
      out.push(`| … ${diff.identities.length - maxIdentities} more | | | | |`);
    out.push("");
    for (const c of diff.identities.slice(0, maxIdentities)) {
      if (!c.gained.length && !c.lost.length) continue;
      out.push(`<details><summary>${who(c)}: +${c.gained.length} −${c.lost.length}</summary>`, "");
      if (c.quarantinedAfter)
        out.push("- quarantined: the registry refuses its MCP and A2A requests whatever it holds");
      if (c.gained.length) out.push("- gains:", lines(c.gained.map(grantText), maxPerIdentity));
      if (c.lost.length) out.push("- loses:", lines(c.lost.map(grantText), maxPerIdentity));
      out.push("", "</details>");
    }
    out.push("");
  }
  if (diff.groups.length) {
    out.push("### Groups", "");
    for (const g of diff.groups)
      out.push(`- ${mdCode(g.name)}: ${g.status}${g.fields.length ? ` (${g.fields.join(", ")})` : ""}`);
  }
  return out.join("\n");
}

/** Markdown that fits a pull-request comment: summarised step by step when the full text is too long. */
export function renderComment(diff: AccessDiff, range: string, limit = COMMENT_LIMIT): string {
  for (const [perIdentity, identities] of [
    [Infinity, Infinity],
    [10, Infinity],
    [3, 200],
    [0, 50],
  ] as const) {
    const text = renderMarkdown(diff, range, perIdentity, identities);
    if (text.length <= limit) return text;
  }
  return renderMarkdown(diff, range, 0, 10).slice(0, limit);
}

/** `--format json`: the diff with each grant as the line people read. */
export type AccessDiffJson = Omit<AccessDiff, "identities"> & {
  identities: Array<Omit<IdentityChange, "gained" | "lost"> & { gained: string[]; lost: string[] }>;
};

export function diffJson(diff: AccessDiff): AccessDiffJson {
  return {
    ...diff,
    identities: diff.identities.map((c) => ({ ...c, gained: c.gained.map(grantText), lost: c.lost.map(grantText) })),
  };
}

export function runDiff(flags: DiffFlags, io: Io): number {
  const resolved = resolveSettings(flags);
  // Files the change left alone are parsed once for both revisions.
  const settings = { ...resolved.settings, parsed: new Map() };
  const root = resolved.root;
  // The access tests run here against both revisions, not as part of the head's check: a change that breaks one
  // must still get its comment (validate is what fails the pull request).
  const base = modelAt(root, flags.base, settings, io, true);
  const head = checkedAt(root, flags.head, { ...settings, runAccessTests: false }, io);
  const diff = diffAccess(base, head.model, head.accessTests?.tests);
  if (flags.format === "json") io.out(JSON.stringify(diffJson(diff), null, 2));
  else io.out(renderComment(diff, `${flags.base}..${flags.head ?? "working tree"}`));
  return 0;
}

export function addDiffCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  repoOptions(
    program.command("diff").description("per identity, the access a change gains and loses between git revisions"),
  )
    .requiredOption("--base <ref>", "the revision before the change, e.g. origin/main")
    .option("--head <ref>", "the revision after it (default: the working tree)")
    .addOption(new Option("--format <format>", "output format").choices(["markdown", "json"]).default("markdown"))
    .action((flags: DiffFlags) => setExit(runDiff(flags, io)));
}
