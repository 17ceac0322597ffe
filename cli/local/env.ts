/**
 * The local stack's environment, in one place: `mcp-access local` applies the stack with it, and `mcp-access local
 * pulumi` and `mcp-access local token` run the engine and `mcp-access token` in it, so a person pastes nothing.
 * Values a person set in the environment win (another backend, a configured Keycloak or database). The service
 * scripts are the package's (`scripts/`); the state is the definitions repository's (`.local/`).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ServiceError, UsageError } from "../../lib";
import { engineSettings } from "./engine-settings";
import { fileBackendUrl } from "./file-backend";

/** The installed package's root (dist/cli/local → the folder holding package.json, bin/ and scripts/). */
export const PACKAGE_ROOT = join(__dirname, "..", "..", "..");
export const LOCAL_STACK = "local";
/** It protects only this throwaway local state (the README says so). */
export const LOCAL_PASSPHRASE = "local-stack";

/** The definitions repository the local stack applies: a Pulumi project (`Pulumi.yaml`), e.g. what `init` wrote. */
export function localProject(dir: string): string {
  const root = resolve(dir);
  if (!existsSync(join(root, "Pulumi.yaml"))) {
    throw new UsageError(
      `${root} has no Pulumi.yaml: run mcp-access local in a definitions repository (mcp-access init writes one)`,
    );
  }
  return root;
}

/** Where the local stack keeps its state: `.local/` of the project, or MCP_ACCESS_STATE_DIR. */
export function stateDir(root: string): string {
  return process.env.MCP_ACCESS_STATE_DIR ?? join(root, ".local");
}

/** The scripts' environment: their state in the project's folder, not in the installed package's. */
function scriptEnv(state: string): NodeJS.ProcessEnv {
  return { ...process.env, MCP_ACCESS_STATE_DIR: state };
}

/**
 * Runs the package's scripts/<name> with the project's state folder and returns what it printed on stdout (its
 * messages go to stderr).
 */
export function script(state: string, name: string, ...args: string[]): string {
  const res = spawnSync("bash", [join(PACKAGE_ROOT, "scripts", name), ...args], {
    encoding: "utf8",
    env: scriptEnv(state),
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (res.status !== 0) {
    // Its own messages are on stderr already.
    throw new ServiceError(`scripts/${name} ${args.join(" ")} failed (exit ${res.status}); see the messages above`);
  }
  return res.stdout.trim();
}

export interface LocalServices {
  keycloakUrl: string;
  mongodbUri: string;
}

/** The services of the local stack when they run (or the configured ones); null when they do not. */
export function runningServices(state: string): LocalServices | null {
  const keycloakUrl = process.env.KEYCLOAK_URL ?? statusOf(state, "keycloak.sh");
  const mongodbUri = process.env.MONGODB_CONNECTION_STRING ?? statusOf(state, "ferretdb.sh");
  return keycloakUrl && mongodbUri ? { keycloakUrl, mongodbUri } : null;
}

function statusOf(state: string, name: string): string | null {
  const res = spawnSync("bash", [join(PACKAGE_ROOT, "scripts", name), "status"], {
    encoding: "utf8",
    env: scriptEnv(state),
  });
  return res.status === 0 && res.stdout.trim() ? res.stdout.trim() : null;
}

/** The engine and the local stack's backend, passphrase and service logins, over the current environment. */
export function localEnv(engineBin: string, services: LocalServices, state: string): Record<string, string> {
  const env = process.env;
  return {
    ...(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>),
    PATH: `${engineBin}:${env.PATH ?? ""}`,
    PULUMI_BACKEND_URL: env.PULUMI_BACKEND_URL || fileBackendUrl(join(state, "pulumi-state")),
    PULUMI_CONFIG_PASSPHRASE: env.PULUMI_CONFIG_PASSPHRASE || LOCAL_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    ...engineSettings(env),
    // The Keycloak provider and the scope store read these when the stack config does not set them.
    KEYCLOAK_URL: services.keycloakUrl,
    KEYCLOAK_CLIENT_ID: env.KEYCLOAK_CLIENT_ID ?? "admin-cli",
    KEYCLOAK_USER: env.KEYCLOAK_USER ?? env.KC_BOOTSTRAP_ADMIN_USERNAME ?? "admin",
    KEYCLOAK_PASSWORD: env.KEYCLOAK_PASSWORD ?? env.KC_BOOTSTRAP_ADMIN_PASSWORD ?? "admin",
    KEYCLOAK_REALM: "master",
    MONGODB_CONNECTION_STRING: services.mongodbUri,
  };
}
