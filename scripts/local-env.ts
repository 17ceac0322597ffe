/**
 * The local stack's environment, in one place: `npm run local` applies the stack with it, and `npm run pulumi` and
 * `npm run token` run the engine and `mcp-access token` in it, so a newcomer pastes nothing. Values a person set
 * in the environment win (another backend, a configured Keycloak or database).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { engineSettings } from "./engine-settings";
import { fileBackendUrl } from "./file-backend";

export const REPO = join(__dirname, "..", "..");
export const STATE = process.env.MCP_ACCESS_STATE_DIR ?? join(REPO, ".local");
export const LOCAL_STACK = "local";
/** It protects only this throwaway local state (the README says so). */
export const LOCAL_PASSPHRASE = "local-stack";

/** A script of scripts/ failed; its own messages are on stderr already. */
export class StepFailed extends Error {}

/** Runs scripts/<name> and returns what it printed on stdout (its messages go to stderr). */
export function script(name: string, ...args: string[]): string {
  const res = spawnSync("bash", [join(REPO, "scripts", name), ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (res.status !== 0) {
    throw new StepFailed(`scripts/${name} ${args.join(" ")} failed (exit ${res.status}); see the messages above`);
  }
  return res.stdout.trim();
}

export interface LocalServices {
  keycloakUrl: string;
  mongodbUri: string;
}

/** The services of the local stack when they run (or the configured ones); null when they do not. */
export function runningServices(): LocalServices | null {
  const keycloakUrl = process.env.KEYCLOAK_URL ?? statusOf("keycloak.sh");
  const mongodbUri = process.env.MONGODB_CONNECTION_STRING ?? statusOf("ferretdb.sh");
  return keycloakUrl && mongodbUri ? { keycloakUrl, mongodbUri } : null;
}

function statusOf(name: string): string | null {
  const res = spawnSync("bash", [join(REPO, "scripts", name), "status"], { encoding: "utf8" });
  return res.status === 0 && res.stdout.trim() ? res.stdout.trim() : null;
}

/** The engine and the local stack's backend, passphrase and service logins, over the current environment. */
export function localEnv(engineBin: string, services: LocalServices): Record<string, string> {
  const env = process.env;
  return {
    ...(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>),
    PATH: `${engineBin}:${env.PATH ?? ""}`,
    PULUMI_BACKEND_URL: env.PULUMI_BACKEND_URL || fileBackendUrl(join(STATE, "pulumi-state")),
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
