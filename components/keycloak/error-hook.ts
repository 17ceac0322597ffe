/**
 * When Keycloak does not answer in the middle of `up`: a short retry for a blip, then a message that says what
 * happened and what to do, instead of the provider's bare "dial tcp ... connection refused". A rerun converges:
 * objects created before the fault are in the state, and an object whose response was lost is adopted.
 */
import * as pulumi from "@pulumi/pulumi";

const UNREACHABLE = new RegExp(
  String.raw`connection refused|no such host|i\/o timeout|Client\.Timeout|context d` +
    String.raw`eadline exceeded|connection reset|EOF|server misbehaving|network is un` +
    String.raw`reachable`,
  "i",
);
const RETRIES = 2;
const PAUSE_MS = 2000;

/** The decision for one failure: retry (true) or give up with `message`. Pure, for tests. */
export function onKeycloakError(args: Pick<pulumi.ErrorHookArgs, "name" | "type" | "failedOperation" | "errors">): {
  retry: boolean;
  message?: string;
} {
  const last = args.errors[0] ?? "";
  if (!UNREACHABLE.test(last)) return { retry: false };
  if (args.errors.length <= RETRIES) return { retry: true };
  const url = /(https?:\/\/[^/"\s]+)/.exec(last)?.[1] ?? "the configured Keycloak";
  return {
    retry: false,
    message:
      `Keycloak at ${url} did not answer while trying to ${args.failedOperation} ${args.name} (${args.type}), ` +
      `after ${args.errors.length} tries. Nothing more was sent for it. When Keycloak is reachable ` +
      `again, run pulumi up ` +
      `again: what this run created is kept, and objects whose creation was cut short are adopted, not duplicated.`,
  };
}

/** The hook, for every Keycloak resource's `hooks` option (KeycloakAccessArgs.hooks). */
export function keycloakErrorHooks(): pulumi.ResourceHookBinding {
  // Created here, not at import: a hook registers itself with the engine.
  const hook = new pulumi.ErrorHook("keycloak-unreachable", async (args) => {
    const decision = onKeycloakError(args);
    if (decision.retry) await new Promise((r) => setTimeout(r, PAUSE_MS));
    if (decision.message) void pulumi.log.error(decision.message);
    return decision.retry;
  });
  return { onError: [hook] };
}
