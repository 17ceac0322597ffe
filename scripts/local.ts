/**
 * `npm run local`: the local stack. Provides the Pulumi engine, starts Keycloak and the database (unless
 * configured ones are given), applies the example definitions to stack `local` with a file backend in
 * `.local/`, and prints what a person or agent needs next. `npm run local -- --down` stops the services.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { keycloakRealmUrl, DEFAULT_REALM } from "../lib";
import { LOCAL_STACK as STACK, localEnv, REPO, script, STATE } from "./local-env";

const STEPS = 4;

function step(n: number, what: string): void {
  process.stderr.write(`\n[${n}/${STEPS}] ${what}\n`);
}

async function down(): Promise<void> {
  script("keycloak.sh", "stop");
  script("ferretdb.sh", "stop");
  process.stderr.write("local services stopped (state kept in .local/)\n");
}

async function up(): Promise<void> {
  step(1, "Pulumi engine and the Keycloak plugin (built from source on first use offline: several minutes)");
  const bin = script("build-engine.sh");

  step(2, "services: Keycloak and the database (first start takes a minute or two)");
  const keycloakUrl = process.env.KEYCLOAK_URL ?? script("keycloak.sh", "start");
  const mongodbUri = process.env.MONGODB_CONNECTION_STRING ?? script("ferretdb.sh", "start");
  process.stderr.write(`Keycloak ${keycloakUrl}\ndatabase ${mongodbUri.replace(/\/\/[^@/]*@/, "//***@")}\n`);

  step(3, `pulumi up on stack "${STACK}" (file backend in .local/pulumi-state)`);
  mkdirSync(join(STATE, "pulumi-state"), { recursive: true });
  const env = localEnv(bin, { keycloakUrl, mongodbUri });
  // The Automation API runs `pulumi` from this process's PATH, not from the stack's environment.
  process.env.PATH = env.PATH;
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: STACK, workDir: REPO },
    { envVars: env, secretsProvider: "passphrase" },
  );
  const output = onceEach();
  const result = await stack.up({ onOutput: output.write, color: "never" });
  output.flush();
  const changed = Object.entries(result.summary.resourceChanges ?? {}).filter(([k, n]) => k !== "same" && n > 0);
  process.stderr.write(
    changed.length ? `applied: ${changed.map(([k, n]) => `${n} ${k}`).join(", ")}\n` : "no changes\n",
  );

  step(4, "next");
  const outputs = await stack.outputs();
  const m2m = (outputs.m2m?.value ?? {}) as Record<string, { clientId: string; tokenUrl: string }>;
  const realm = keycloakRealmUrl(keycloakUrl, DEFAULT_REALM);
  const lines = [
    `Realm:       ${realm}`,
    `Database:    ${mongodbUri.replace(/\/\/[^@/]*@/, "//***@")} (scope documents in mcp_registry.mcp_scopes_default)`,
    `State:       .local/pulumi-state (stack "${STACK}", passphrase from PULUMI_CONFIG_PASSPHRASE, ` +
      `default "local-stack")`,
    "M2M accounts:",
    ...Object.entries(m2m).map(([name, c]) => `  ${name}  client id ${c.clientId}  token URL ${c.tokenUrl}`),
    "Next, in this shell (nothing to paste):",
    "  npx mcp-access explain --m2m agent-sre-bot --server sre-gateway --method tools/call --tool ack_incident",
    "  npm run pulumi -- preview                                # the engine on this stack: no changes",
    "  npm run pulumi -- stack output m2m --show-secrets --json # clientId, clientSecret, tokenUrl",
    "  npm run token -- agent-sre-bot                           # a verified token in .oauth-tokens/",
    "Stop the services: npm run local -- --down",
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

/** A definition's warning (`file:line:column: warning: ...`), as the program logs it. */
const WARNING = /(\S+: warning: .*)$/;

/**
 * The engine's output with each warning of the definitions once: the engine prints a warning when the program logs
 * it and again in the run's closing "Diagnostics" summary.
 */
function onceEach(): { write: (chunk: string) => void; flush: () => void } {
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
        process.stdout.write(`${line}\n`);
      }
    },
    flush: () => {
      if (partial) process.stdout.write(`${partial}\n`);
      partial = "";
    },
  };
}

const run = process.argv.includes("--down") ? down : up;
run().catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`\nlocal stack failed: ${message.split("\n").slice(0, 40).join("\n")}\n`);
  process.exitCode = 1;
});
