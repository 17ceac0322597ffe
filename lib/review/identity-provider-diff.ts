/**
 * What a change does to brokered access, per mapped group (for `mcp-access diff`): which upstream claim values
 * (from which provider) now lead into each group, and which no longer do; providers added, removed or changed.
 */
import type { AccessModel } from "../model/access-model";
import { mapperText } from "../model/brokered-claims";
import type { BrokeredProvider } from "../model/identity-provider-types";

export interface BrokeredGroupChange {
  group: string;
  /** `entra-oidc: groups holds "5510..."`, `okta: everyone`. */
  sourcesAdded: string[];
  sourcesRemoved: string[];
}

export interface BrokeredProviderChange {
  alias: string;
  change: "added" | "removed" | "changed";
  /** The settings that differ (changed only), e.g. `enabled: true -> false`. */
  details: string[];
}

export interface IdentityProviderDiff {
  groups: BrokeredGroupChange[];
  providers: BrokeredProviderChange[];
}

/** Mapper source text -> groups it leads into; a disabled provider leads nowhere. */
function sourcesByGroup(model: AccessModel): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const p of model.identityProviders ?? []) {
    if (!p.enabled) continue;
    for (const m of p.mappers) {
      const source = `${p.alias}: ${m.kind === "everyone" ? "everyone" : mapperText(m).replace(/ -> .*$/, "")}`;
      (out.get(m.group) ?? out.set(m.group, new Set()).get(m.group)!).add(source);
    }
  }
  return out;
}

/** The settings a reviewer cares about, as comparable text (mappers are compared per group). */
function settings(p: BrokeredProvider): Record<string, string> {
  const { mappers: _mappers, file: _file, description: _description, ...rest } = p;
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(rest)) {
    if (v && typeof v === "object") for (const [k2, v2] of Object.entries(v)) flat[`${k}.${k2}`] = JSON.stringify(v2);
    else flat[k] = JSON.stringify(v);
  }
  return flat;
}

export function diffIdentityProviders(base: AccessModel, head: AccessModel): IdentityProviderDiff {
  const before = sourcesByGroup(base);
  const after = sourcesByGroup(head);
  const groups: BrokeredGroupChange[] = [];
  for (const group of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const b = before.get(group) ?? new Set<string>();
    const a = after.get(group) ?? new Set<string>();
    const sourcesAdded = [...a].filter((s) => !b.has(s)).sort();
    const sourcesRemoved = [...b].filter((s) => !a.has(s)).sort();
    if (sourcesAdded.length || sourcesRemoved.length) groups.push({ group, sourcesAdded, sourcesRemoved });
  }
  const providers: BrokeredProviderChange[] = [];
  const baseBy = new Map((base.identityProviders ?? []).map((p) => [p.alias, p]));
  const headBy = new Map((head.identityProviders ?? []).map((p) => [p.alias, p]));
  for (const alias of [...new Set([...baseBy.keys(), ...headBy.keys()])].sort()) {
    const b = baseBy.get(alias);
    const a = headBy.get(alias);
    if (!b) providers.push({ alias, change: "added", details: [] });
    else if (!a) providers.push({ alias, change: "removed", details: [] });
    else {
      const sb = settings(b);
      const sa = settings(a);
      const details = [...new Set([...Object.keys(sb), ...Object.keys(sa)])]
        .filter((k) => sb[k] !== sa[k])
        .map((k) => `${k}: ${sb[k] ?? "(none)"} -> ${sa[k] ?? "(none)"}`);
      if (details.length) providers.push({ alias, change: "changed", details });
    }
  }
  return { groups, providers };
}

/** The diff comment's section (empty when nothing brokered changed). */
export function identityProviderMarkdown(
  diff: IdentityProviderDiff | undefined,
  escape: (s: string) => string,
): string[] {
  if (!diff || (!diff.groups.length && !diff.providers.length)) return [];
  const out = ["### Brokered identity providers", ""];
  for (const p of diff.providers) {
    const what = p.change === "changed" ? `changed: ${p.details.map(escape).join("; ")}` : p.change;
    out.push(`- provider ${escape(p.alias)}: ${what}`);
  }
  for (const g of diff.groups) {
    const parts = [...g.sourcesAdded.map((s) => `+ ${escape(s)}`), ...g.sourcesRemoved.map((s) => `− ${escape(s)}`)];
    out.push(`- group ${escape(g.group)} from: ${parts.join("; ")}`);
  }
  out.push("");
  return out;
}
