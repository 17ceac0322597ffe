/**
 * The secrets of the bootstrap's two stock clients (`mcp-gateway-web`, `mcp-gateway-m2m`) belong to Keycloak: the
 * stack never sets them, because upstream's bootstrap regenerates both on every run (init-keycloak.sh @ 1320f022
 * `setup_client_secrets`, unchanged by 1.31.0's #1763; Helm's `keycloak-configure` hook runs it on every upgrade)
 * and the registry's auth server is then given the new ones. Changing them back would break that auth server, and
 * keeping them without a word would leave whoever uses the old secret failing with no hint why. So the stack keeps
 * a digest of each (the stack output `bootstrapClientSecretDigests`, from the clients' state, so it takes a new
 * secret when the stack refreshes), and each run compares Keycloak's current secret with it: a difference is said
 * on the stack as a warning, naming the client, what this run does (keeps Keycloak's secret) and what the operator
 * must do (hand the new secret on; refresh, which records it and shows what the script's PUTs changed).
 */
import type * as keycloak from "@pulumi/keycloak";
import * as pulumi from "@pulumi/pulumi";
import { secretDigest, type KeycloakAdmin } from "../../clients/keycloak-admin";
import type { StateResource } from "../../clients/stack-state";
import { BOOTSTRAP_M2M_CLIENT, BOOTSTRAP_WEB_CLIENT, byCodeUnit } from "../../lib";

/** The stack output holding client id → `secretDigest` of the stock clients' secrets as this stack last read them. */
export const STOCK_SECRET_OUTPUT = "bootstrapClientSecretDigests";

/** Who needs a stock client's secret (auth_server/providers/factory.py @ 8c5b834b reads both from its environment). */
const USED_BY: Readonly<Record<string, string>> = {
  [BOOTSTRAP_WEB_CLIENT]: "the registry's auth server (KEYCLOAK_CLIENT_SECRET)",
  [BOOTSTRAP_M2M_CLIENT]:
    "the registry's auth server (KEYCLOAK_M2M_CLIENT_SECRET) and anything else that gets tokens as mcp-gateway-m2m",
};

/** The digests of the clients' current secrets, as a plain output (a digest tells nothing of its secret). */
export function stockSecretDigests(
  clients: Readonly<Record<string, keycloak.openid.Client>>,
): pulumi.Output<Record<string, string>> {
  const secrets = Object.fromEntries(Object.entries(clients).map(([id, c]) => [id, c.clientSecret]));
  const digests = pulumi
    .all(secrets)
    // A client being created has no secret yet in a preview: nothing to record for it.
    .apply((s) => Object.fromEntries(Object.entries(s).flatMap(([id, v]) => (v ? [[id, secretDigest(v)]] : []))));
  return pulumi.unsecret(digests);
}

/** The digests the last run recorded: the stack's output, in the state's root resource. */
export function recordedDigests(state: readonly StateResource[] | undefined): Record<string, string> {
  const root = state?.find((r) => r.type === "pulumi:pulumi:Stack");
  const value = root?.outputs[STOCK_SECRET_OUTPUT];
  if (!value || typeof value !== "object") return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string"));
}

/** The warning for one client whose secret Keycloak changed. */
export function stockSecretWarning(clientId: string, realm: string): string {
  return (
    `the secret of Keycloak client ${clientId} (realm ${realm}) is not the one this stack recorded at its last ` +
    `run: something regenerated it, as upstream's init-keycloak.sh (setup_client_secrets) and Helm's ` +
    `keycloak-configure hook do on every run. This run keeps Keycloak's new secret: the stack never sets it, so ` +
    `nothing changes it back. Give the new secret to ${USED_BY[clientId] ?? "whatever uses this client"}. Then ` +
    `run pulumi up --refresh: the state and the output ${STOCK_SECRET_OUTPUT} take the new secret (this warning ` +
    `stops), and its preview shows every setting of the realm and the stock clients that the script's PUTs ` +
    `changed and this stack changes back.`
  );
}

/**
 * The stock clients whose secret in Keycloak differs from the recorded one. Nothing is asked when nothing was
 * recorded (a first run, or a stack from before this check); a client missing from Keycloak is the plan's business.
 */
export async function changedStockSecrets(
  state: readonly StateResource[] | undefined,
  realm: string,
  connect: () => Promise<KeycloakAdmin>,
): Promise<string[]> {
  const recorded = recordedDigests(state);
  const ids = Object.keys(recorded);
  if (!ids.length) return [];
  const admin = await connect();
  if (!(await admin.realmExists(realm))) return [];
  const uuids = await admin.clientIds(realm);
  const changed: string[] = [];
  for (const clientId of ids.sort(byCodeUnit)) {
    const uuid = uuids.get(clientId);
    const live = uuid === undefined ? undefined : await admin.clientSecretDigest(realm, uuid);
    if (live !== undefined && live !== recorded[clientId]) changed.push(clientId);
  }
  return changed;
}
