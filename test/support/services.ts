/**
 * Real services for integration and end-to-end tests. `scripts/with-services.js` starts them and passes
 * their addresses; a test run without it starts them through the same scripts. Either way a missing service
 * fails the test loudly — it is never skipped.
 */
import { execFile, execFileSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./paths";

function start(script: string, env: NodeJS.ProcessEnv = process.env): string {
  try {
    return execFileSync("bash", [join(REPO_ROOT, "scripts", script), "start"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      env,
    }).trim();
  } catch (e) {
    throw new Error(`could not start the service with scripts/${script} start: ${(e as Error).message}`, { cause: e });
  }
}

export function stop(script: string, env: NodeJS.ProcessEnv = process.env): void {
  execFileSync("bash", [join(REPO_ROOT, "scripts", script), "stop"], { stdio: ["ignore", "ignore", "inherit"], env });
}

/** The MongoDB-wire server's URI (FerretDB). */
export function databaseUri(): string {
  const uri = process.env.MCP_ACCESS_TEST_MONGODB_URI || start("ferretdb.sh");
  process.env.MCP_ACCESS_TEST_MONGODB_URI = uri;
  return uri;
}

/** A second, private FerretDB that a test may stop and start (for failure tests). */
export function privateDatabase(
  port: number,
  stateDir: string,
  extraEnv: NodeJS.ProcessEnv = {},
): { uri: string; env: NodeJS.ProcessEnv; start(): string; stop(): void } {
  const env = { ...process.env, FERRETDB_PORT: String(port), MCP_ACCESS_STATE_DIR: stateDir, ...extraEnv };
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    env,
    start: () => start("ferretdb.sh", env),
    stop: () => stop("ferretdb.sh", env),
  };
}

export function keycloakUrl(): string {
  const url = process.env.MCP_ACCESS_TEST_KEYCLOAK_URL || start("keycloak.sh");
  process.env.MCP_ACCESS_TEST_KEYCLOAK_URL = url;
  return url;
}

/** A private Keycloak that a test may stop and start (fault tests), on its own ports and state folder. */
export function privateKeycloak(
  port: number,
  stateDir: string,
): { url: string; start(): Promise<void>; stop(): Promise<void> } {
  // Its management port follows its own port, whatever KEYCLOAK_MANAGEMENT_PORT the shared Keycloak was given.
  const env = {
    ...process.env,
    KEYCLOAK_PORT: String(port),
    KEYCLOAK_MANAGEMENT_PORT: String(port + 1000),
    MCP_ACCESS_STATE_DIR: stateDir,
  };
  const run = (verb: "start" | "stop") =>
    new Promise<void>((resolve, reject) => {
      execFile("bash", [join(REPO_ROOT, "scripts", "keycloak.sh"), verb], { env }, (err, _out, errText) =>
        err ? reject(new Error(`scripts/keycloak.sh ${verb} (port ${port}) failed: ${errText}`)) : resolve(),
      );
    });
  return { url: `http://127.0.0.1:${port}`, start: () => run("start"), stop: () => run("stop") };
}
