/**
 * Running access tests: every concrete request decided by `decide` (the function `explain` uses), each
 * expectation held or broken, a broken one as an error at its line (so validate and `pulumi up` stop on it),
 * and the expectations a change flips between two models.
 */
import type { AccessDecision } from "./decide";
import { declaredBlocks, decideFor } from "./explain";
import { planAccessTests, requestText, type Expectation } from "./access-test-plan";
import type { Diagnostic } from "../errors/diagnostics";
import { authScopes, type AuthScope } from "./effective-access";
import type { Located } from "../load/definitions";
import type { AccessModel } from "../model/access-model";
import { REGISTRY_DEFAULTS, switchText, type SwitchDependency } from "../registry/switches";
import type { AccessRequest, AccessTest } from "../schema";

export interface RequestOutcome {
  request: AccessRequest;
  /** The concrete request as people read it. */
  text: string;
  decision: AccessDecision;
  /** The decision is what the expectation says. */
  held: boolean;
  /** A switch the request `requires` that is off: the expectation cannot hold, whatever the decision. */
  missingSwitch?: SwitchDependency;
}

export interface ExpectationResult extends Expectation {
  outcomes: RequestOutcome[];
  /** Every concrete request decided as expected. */
  held: boolean;
}

export interface AccessTestRun {
  results: ExpectationResult[];
  /** Unknown names in the tests, then one error per broken expectation. */
  diagnostics: Diagnostic[];
}

function run(e: Expectation, docs: readonly AuthScope[], model: AccessModel): ExpectationResult {
  const flags = model.registry ?? REGISTRY_DEFAULTS;
  const blocks = declaredBlocks(model);
  const outcomes = e.requests.map((request): RequestOutcome => {
    const decision = decideFor(docs, e.identity, request, flags, model.rateLimits, blocks);
    const off = (request.requires ?? []).find((name) => !flags[name]);
    const held = decision.allowed === (e.expect === "allow");
    const outcome = { request, text: requestText(request), decision, held };
    return off === undefined ? outcome : { ...outcome, held: false, missingSwitch: { name: off, value: false } };
  });
  return { ...e, outcomes, held: outcomes.every((o) => o.held) };
}

/** Why a request went the wrong way: the scope and rule that decided it, or the reason nothing granted it. */
export function decidedBy(d: AccessDecision): string {
  if (!d.allowed) return `denied: ${d.reason}`;
  const by = [d.scope ? `scope ${d.scope}` : "", d.rule ? `rule ${JSON.stringify(d.rule)}` : ""]
    .filter(Boolean)
    .join(", ");
  return `allowed${by ? ` by ${by}` : ""}: ${d.reason}`;
}

/** A broken expectation as an error at its line: what validate, `pulumi up` and annotations show. */
export function failureOf(r: ExpectationResult): Diagnostic {
  const broken = r.outcomes.filter((o) => !o.held);
  const first = broken[0]!;
  if (first.missingSwitch) {
    return {
      severity: "error",
      file: r.file,
      line: r.line,
      column: r.column,
      path: r.path,
      message:
        `access test: ${first.text} holds only with the registry's ${first.missingSwitch.name} on (requires), but ` +
        `${switchText(first.missingSwitch)}; turn it on where the registry runs with it, or remove the test`,
    };
  }
  const more =
    broken.length > 1
      ? ` (and ${broken.length - 1} more of the ${r.outcomes.length} requests "${r.written}" stands ` +
        `for; run mcp-access test)`
      : "";
  return {
    severity: "error",
    file: r.file,
    line: r.line,
    column: r.column,
    path: r.path,
    message:
      `access test: ${r.identity.label} should be ` +
      `${r.expect === "allow" ? "allowed" : "denied"} ${first.text}, but is ${decidedBy(first.decision)}${more}`,
  };
}

/** Plans and runs the tests against a model, with the scope documents the registry will hold for it. */
export function runAccessTests(model: AccessModel, tests: readonly Located<AccessTest>[]): AccessTestRun {
  const docs = authScopes(model);
  const plan = planAccessTests(model, docs, tests);
  const results = plan.expectations.map((e) => run(e, docs, model));
  return { results, diagnostics: [...plan.diagnostics, ...results.filter((r) => !r.held).map(failureOf)] };
}

export interface ExpectationFlip {
  file: string;
  line: number;
  identity: string;
  expect: "allow" | "deny";
  /** The concrete request whose outcome changed. */
  request: string;
  /** Held before the change, broken after (or the reverse). */
  now: "broken" | "holds";
  /** How it is decided after the change. */
  decidedBy: string;
}

/** The concrete expectations whose outcome differs between two runs of the same tests (before and after a change). */
export function flippedExpectations(
  before: readonly ExpectationResult[],
  after: readonly ExpectationResult[],
): ExpectationFlip[] {
  const key = (r: ExpectationResult, o: RequestOutcome) => `${r.file}\u0000${r.path}\u0000${o.text}`;
  const held = new Map(before.flatMap((r) => r.outcomes.map((o) => [key(r, o), o.held] as const)));
  const out: ExpectationFlip[] = [];
  for (const r of after) {
    for (const o of r.outcomes) {
      const was = held.get(key(r, o));
      if (was === undefined || was === o.held) continue;
      out.push({
        file: r.file,
        line: r.line,
        identity: r.identity.label,
        expect: r.expect,
        request: o.text,
        now: o.held ? "holds" : "broken",
        decidedBy: decidedBy(o.decision),
      });
    }
  }
  return out;
}
