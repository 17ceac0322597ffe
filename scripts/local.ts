/**
 * `npm run local`: the local stack. Provides the Pulumi engine, starts Keycloak and the database (unless
 * configured ones are given), applies the example definitions to stack `local` with a file backend in
 * `.local/`, and prints what a person or agent needs next. `npm run local -- --down` stops the services.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { fileBackendUrl } from "./file-backend";

const REPO = join(__dirname, "..", "..");
const STATE = process.env.MCP_ACCESS_STATE_DIR ?? join(REPO, ".local");
const STACK = "local";
const STEPS = 4;

function step(n: number, what: string): void {
  process.stderr.write(`\n[${n}/${STEPS}] ${what}\n`);
}

class StepFailed extends Error {}

function script(name: string, ...args: string[]): string {
  const res = spawnSync("bash", [join(REPO, "scripts", name), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (res.status !== 0) throw new StepFailed(`scripts/${name} ${args.join(" ")} failed (exit ${res.status}); see the messages above`);
  return res.stdout.trim();
}

async function down(): Promise<void> {
  script("keycloak.sh", "stop");
  script("ferretdb.sh", "stop");
  process.stderr.write("local services stopped (state kept in .local/)\n");
}

async function up(): Promise<void> {
  step(1, "Pulumi engine and the Keycloak plugin (built from source on first use offline: several minutes)");
  const bin = script("build-engine.sh");
  process.env.PATH = `${bin}:${process.env.PATH}`;

  step(2, "services: Keycloak and the database (first start takes a minute or two)");
  const keycloakUrl = process.env.KEYCLOAK_URL ?? script("keycloak.sh", "start");
  const mongodbUri = process.env.MONGODB_CONNECTION_STRING ?? script("ferretdb.sh", "start");
  process.stderr.write(`Keycloak ${keycloakUrl}\ndatabase ${mongodbUri.replace(/\/\/[^@/]*@/, "//***@")}\n`);

  step(3, `pulumi up on stack "${STACK}" (file backend in .local/pulumi-state)`);
  mkdirSync(join(STATE, "pulumi-state"), { recursive: true });
  const env: Record<string, string> = {
    PULUMI_BACKEND_URL: fileBackendUrl(join(STATE, "pulumi-state")),
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "local-stack",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // The state written once, at the end of the run, not after every step (each step rewrote the whole
    // checkpoint). Safe: a killed run's objects are adopted or rewritten as they are (test/e2e/faults.e2e.test.ts).
    PULUMI_SKIP_CHECKPOINTS: process.env.PULUMI_SKIP_CHECKPOINTS ?? "true",
    PULUMI_DISABLE_CHECKPOINT_BACKUPS: process.env.PULUMI_DISABLE_CHECKPOINT_BACKUPS ?? "true",
    PATH: process.env.PATH ?? "",
    // The Keycloak provider and the scope store read these when the stack config does not set them.
    KEYCLOAK_URL: keycloakUrl,
    KEYCLOAK_CLIENT_ID: process.env.KEYCLOAK_CLIENT_ID ?? "admin-cli",
    KEYCLOAK_USER: process.env.KEYCLOAK_USER ?? process.env.KC_BOOTSTRAP_ADMIN_USERNAME ?? "admin",
    KEYCLOAK_PASSWORD: process.env.KEYCLOAK_PASSWORD ?? process.env.KC_BOOTSTRAP_ADMIN_PASSWORD ?? "admin",
    KEYCLOAK_REALM: "master",
    MONGODB_CONNECTION_STRING: mongodbUri,
  };
  const stack = await LocalWorkspace.createOrSelectStack({ stackName: STACK, workDir: REPO }, { envVars: env, secretsProvider: "passphrase" });
  const result = await stack.up({ onOutput: (s) => process.stdout.write(s), color: "never" });
  const changed = Object.entries(result.summary.resourceChanges ?? {}).filter(([k, n]) => k !== "same" && n > 0);
  process.stderr.write(changed.length ? `applied: ${changed.map(([k, n]) => `${n} ${k}`).join(", ")}\n` : "no changes\n");

  step(4, "next");
  const outputs = await stack.outputs();
  const m2m = (outputs.m2m?.value ?? {}) as Record<string, { clientId: string; tokenUrl: string }>;
  const realm = `${keycloakUrl}/realms/mcp-gateway`;
  const lines = [
    `Realm:       ${realm}`,
    `Database:    ${mongodbUri.replace(/\/\/[^@/]*@/, "//***@")} (scope documents in mcp_registry.mcp_scopes_default)`,
    `State:       .local/pulumi-state (stack "${STACK}", passphrase from PULUMI_CONFIG_PASSPHRASE, default "local-stack")`,
    "M2M accounts:",
    ...Object.entries(m2m).map(([name, c]) => `  ${name}  client id ${c.clientId}  token URL ${c.tokenUrl}`),
    "Get a token for an account:",
    `  export PULUMI_BACKEND_URL='${env.PULUMI_BACKEND_URL}' PULUMI_CONFIG_PASSPHRASE='${env.PULUMI_CONFIG_PASSPHRASE}'`,
    "  pulumi stack output m2m --show-secrets --json -s local   # clientId, clientSecret, tokenUrl",
    '  curl -s -d grant_type=client_credentials -d client_id=<clientId> -d client_secret=<clientSecret> <tokenUrl>',
    "Stop the services: npm run local -- --down",
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

const run = process.argv.includes("--down") ? down : up;
run().catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`\nlocal stack failed: ${message.split("\n").slice(0, 40).join("\n")}\n`);
  process.exitCode = 1;
});
