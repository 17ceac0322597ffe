/**
 * `mcp-access local`: the local stack of a definitions repository. Provides the Pulumi engine, starts Keycloak and
 * the database (unless configured ones are given), applies the definitions of the project to stack `local` with a
 * file backend in `.local/`, and prints what a person or agent needs next. `--down` stops the services.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { keycloakRealmUrl, DEFAULT_REALM } from "../../lib";
import type { Io } from "../io";
import { LOCAL_STACK as STACK, localEnv, script, stateDir } from "./env";

const STEPS = 4;

/** A connection string without its password, for printing. */
const withoutLogin = (uri: string): string => uri.replace(/\/\/[^@/]*@/, "//***@");

export function localDown(root: string, io: Io): number {
  const state = stateDir(root);
  script(state, "keycloak.sh", "stop");
  script(state, "ferretdb.sh", "stop");
  io.err(`local services stopped (state kept in ${state})`);
  return 0;
}

export async function localUp(root: string, io: Io): Promise<number> {
  const state = stateDir(root);
  const step = (n: number, what: string) => io.err(`\n[${n}/${STEPS}] ${what}`);
  step(1, "the Pulumi engine and the Keycloak plugin (built from source on first use: several minutes)");
  const bin = script(state, "build-engine.sh");

  step(2, "services: Keycloak and the database (first start takes a minute or two)");
  const keycloakUrl = process.env.KEYCLOAK_URL ?? script(state, "keycloak.sh", "start");
  const mongodbUri = process.env.MONGODB_CONNECTION_STRING ?? script(state, "ferretdb.sh", "start");
  io.err(`Keycloak ${keycloakUrl}\ndatabase ${withoutLogin(mongodbUri)}`);

  step(3, `pulumi up on stack "${STACK}" (file backend in ${join(state, "pulumi-state")})`);
  mkdirSync(join(state, "pulumi-state"), { recursive: true });
  const env = localEnv(bin, { keycloakUrl, mongodbUri }, state);
  // The Automation API runs `pulumi` from this process's PATH, not from the stack's environment.
  process.env.PATH = env.PATH;
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: STACK, workDir: root },
    { envVars: env, secretsProvider: "passphrase" },
  );
  const output = onceEach(io);
  const result = await stack.up({ onOutput: output.write, color: "never" });
  output.flush();
  const changed = Object.entries(result.summary.resourceChanges ?? {}).filter(([k, n]) => k !== "same" && n > 0);
  io.err(changed.length ? `applied: ${changed.map(([k, n]) => `${n} ${k}`).join(", ")}` : "no changes");

  step(4, "next");
  const outputs = await stack.outputs();
  const m2m = (outputs.m2m?.value ?? {}) as Record<string, { clientId: string; tokenUrl: string }>;
  io.out(nextSteps(keycloakUrl, mongodbUri, state, m2m).join("\n"));
  return 0;
}

function nextSteps(
  keycloakUrl: string,
  mongodbUri: string,
  state: string,
  m2m: Record<string, { clientId: string; tokenUrl: string }>,
): string[] {
  const agent = Object.keys(m2m)[0] ?? "<m2m-account>";
  return [
    `Realm:       ${keycloakRealmUrl(keycloakUrl, DEFAULT_REALM)}`,
    `Database:    ${withoutLogin(mongodbUri)} (scope documents in mcp_registry.mcp_scopes_default)`,
    `State:       ${join(state, "pulumi-state")} (stack "${STACK}", passphrase from PULUMI_CONFIG_PASSPHRASE, ` +
      `default "local-stack")`,
    "M2M accounts:",
    ...Object.entries(m2m).map(([name, c]) => `  ${name}  client id ${c.clientId}  token URL ${c.tokenUrl}`),
    "Next, in this shell (nothing to paste):",
    `  npx mcp-access explain --m2m ${agent} --server <server> --method tools/call --tool <tool>`,
    "  npx mcp-access local pulumi preview                         # the engine on this stack: no changes",
    "  npx mcp-access local pulumi stack output m2m --show-secrets --json   # clientId, clientSecret, tokenUrl",
    `  npx mcp-access local token ${agent}                    # a verified token in .oauth-tokens/`,
    "Stop the services: npx mcp-access local --down",
  ];
}

/** A definition's warning (`file:line:column: warning: ...`), as the program logs it. */
const WARNING = /(\S+: warning: .*)$/;

/**
 * The engine's output with each warning of the definitions once: the engine prints a warning when the program logs
 * it and again in the run's closing "Diagnostics" summary.
 */
function onceEach(io: Io): { write: (chunk: string) => void; flush: () => void } {
  const seen = new Set<string>();
  let partial = "";
  return {
    write: (chunk) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        const warning = WARNING.exec(line)?.[1];
        if (warning !== undefined && seen.has(warning)) continue;
        if (warning !== undefined) seen.add(warning);
        io.out(line);
      }
    },
    flush: () => {
      if (partial) io.out(partial);
      partial = "";
    },
  };
}
