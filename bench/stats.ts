/** What every benchmark reports: samples of a subject and of its baseline, measured in the same run. */
export interface Stats {
  min: number;
  median: number;
  max: number;
}

export interface BenchResult {
  name: string;
  /** What the subject is compared with, measured in the same run. */
  against: string;
  unit: "ms" | "MiB" | "KiB";
  baseline: Stats;
  subject: Stats;
  /** subject / baseline, per round (round i's subject over round i's baseline). */
  ratio: Stats;
  /** The goal for the median ratio, when it has one. */
  goal?: number;
  note?: string;
}

export function stats(samples: readonly number[]): Stats {
  if (!samples.length) throw new Error("no samples");
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { min: s[0]!, median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, max: s[s.length - 1]! };
}

export function result(
  r: Omit<BenchResult, "baseline" | "subject" | "ratio">,
  baseline: readonly number[],
  subject: readonly number[],
): BenchResult {
  const ratios = subject.map((x, i) => x / baseline[Math.min(i, baseline.length - 1)]!);
  return { ...r, baseline: stats(baseline), subject: stats(subject), ratio: stats(ratios) };
}

export async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const f = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(n >= 10 ? 1 : 2));
const triple = (s: Stats) => `${f(s.min)} / ${f(s.median)} / ${f(s.max)}`;

/** The table `npm run bench` prints: min / median / max of each column. */
export function table(results: readonly BenchResult[]): string {
  const rows = [
    [
      "benchmark",
      "subject (min / median / max)",
      "baseline (min / median / max)",
      "ratio (min / median / max)",
      "goal",
    ],
  ];
  for (const r of results) {
    rows.push([
      r.name,
      `${triple(r.subject)} ${r.unit}`,
      `${triple(r.baseline)} ${r.unit}: ${r.against}`,
      triple(r.ratio),
      r.goal === undefined ? "" : `≤ ${r.goal}${r.ratio.median <= r.goal ? " ✓" : " ✗"}`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  const notes = results.filter((r) => r.note).map((r) => `- ${r.name}: ${r.note}`);
  return [
    line(rows[0]!),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.slice(1).map(line),
    ...(notes.length ? ["", ...notes] : []),
  ].join("\n");
}
