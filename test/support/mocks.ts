/** Pulumi mocks for unit tests of the resource graph: records every resource the program declares. */
import * as pulumi from "@pulumi/pulumi";
import * as runtimeSettings from "@pulumi/pulumi/runtime/settings";
import * as runtimeState from "@pulumi/pulumi/runtime/state";

export interface Declared {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** Inputs as sent, secret wrappers included. */
  raw: Record<string, unknown>;
  custom: boolean;
  /** The `import` option: the id of an existing object to adopt. */
  importId?: string;
}

export const declared: Declared[] = [];
/** Resource options as the program set them (from a resource transform), by resource name. */
export const declaredOptions = new Map<string, pulumi.CustomResourceOptions>();

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Inputs as the program gave them, with the engine's secret wrappers removed (secretness is tested on outputs). */
export function unwrapSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270") return unwrapSecrets(o.value);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}

/** True when the program passed this input as a secret. */
export function wasSecret(v: unknown): boolean {
  return (
    !!v && typeof v === "object" && (v as Record<string, unknown>)[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270"
  );
}

/**
 * The runtime's RPCs still running: a registration, a read, an invoke or a component's outputs each hold the
 * runtime's keep-alive from the moment it is declared until its outputs are resolved (the runtime waits on the same
 * keep-alives before it disconnects). Each is recorded as a promise here, so settled() waits for what was declared
 * rather than for a number of ticks.
 */
const pending = new Set<Promise<void>>();

function recordRpcs(): void {
  const keepAlive = runtimeSettings.rpcKeepAlive as typeof runtimeSettings.rpcKeepAlive & { recorded?: true };
  if (keepAlive.recorded) return;
  const recording = Object.assign(
    (): (() => void) => {
      const done = keepAlive();
      let finish = (): void => undefined;
      const rpc = new Promise<void>((resolve) => (finish = resolve));
      pending.add(rpc);
      return () => {
        pending.delete(rpc);
        finish();
        done();
      };
    },
    { recorded: true as const },
  );
  // The runtime calls it through this module's exports, so replacing the export reaches every caller.
  Object.assign(runtimeSettings, { rpcKeepAlive: recording });
}

export async function useMocks(config: Record<string, string> = {}, secretKeys: string[] = []): Promise<void> {
  recordRpcs();
  pulumi.runtime.setAllConfig(config, secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        declared.push({
          type: args.type,
          name: args.name,
          inputs: unwrapSecrets(args.inputs) as Record<string, unknown>,
          raw: args.inputs,
          custom: args.custom ?? true,
          importId: args.id || undefined,
        });
        const state = { ...(unwrapSecrets(args.inputs) as Record<string, unknown>) };
        if (args.type === "keycloak:openid/client:Client") {
          state.clientSecret = `secret-of-${args.inputs.clientId}`;
          state.serviceAccountUserId = `sa-${args.inputs.clientId}`;
        }
        if (args.type === "pulumi-nodejs:dynamic/mcp-gateway-access:GeneratedSecret")
          state.value = `generated-${args.name}`;
        // Entra: the ids Graph assigns.
        // An imported (adopted) object keeps the Object ID it has: the last part of its import id.
        if (args.type.startsWith("azuread:")) state.objectId = args.id ? args.id.split("/").pop() : `oid-${args.name}`;
        if (args.type === "azuread:index/application:Application") state.clientId = `appid-${args.name}`;
        if (args.type === "azuread:index/applicationPassword:ApplicationPassword") state.value = `pw-${args.name}`;
        return { id: `${args.name}-id`, state };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        if (args.token === "keycloak:index/getRealm:getRealm") return { ...args.inputs, id: args.inputs.realm };
        if (args.token === "keycloak:index/getGroup:getGroup") return { ...args.inputs, id: args.inputs.name };
        if (args.token === "azuread:index/getClientConfig:getClientConfig")
          return { tenantId: "tenant-1", clientId: "deployer", objectId: "deployer-oid" };
        if (args.token === "azuread:index/getGroup:getGroup")
          return { ...args.inputs, objectId: `oid-existing-${args.inputs.displayName}` };
        if (args.token === "azuread:index/getUser:getUser")
          return { ...args.inputs, objectId: `oid-existing-${args.inputs.userPrincipalName}` };
        return args.inputs;
      },
    },
    "mcp-gateway-access",
    "unit",
    false,
  );
}

/** A transformation for a component's `transformations` option: records each child's options. */
export const recordOptions: pulumi.ResourceTransformation = (args) => {
  declaredOptions.set(args.name, args.opts as pulumi.CustomResourceOptions);
  return undefined;
};

/** Resolves an output's value (unit tests only). */
export function valueOf<T>(o: pulumi.Output<T> | pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(o).apply((v) => resolve(v as T)));
}

export async function isSecret<T>(o: pulumi.Output<T>): Promise<boolean> {
  return pulumi.isSecret(o);
}

/** How long settled() waits for the runtime's RPCs before it fails the test instead of hanging it. */
const SETTLE_LIMIT_MS = 10_000;

/**
 * Waits until every declared resource has been registered with the mocks: until no RPC is running, after the
 * microtasks and a macrotask have run, since an apply on an output that just resolved may declare more.
 */
export async function settled(): Promise<void> {
  const deadline = Date.now() + SETTLE_LIMIT_MS;
  for (;;) {
    while (pending.size) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`settled(): ${pending.size} RPC(s) still running after ${SETTLE_LIMIT_MS} ms`)),
          Math.max(0, deadline - Date.now()),
        );
      });
      try {
        await Promise.race([Promise.all(pending), late]);
      } finally {
        clearTimeout(timer);
      }
    }
    await new Promise((resolve) => setImmediate(resolve));
    if (!pending.size) return;
  }
}

/**
 * The Pulumi project folder the program runs in (`pulumi.runtime.getRootDirectory()`): the language host gives it
 * through PULUMI_NODEJS_ROOT_DIRECTORY, which the SDK reads once; a mocked run has none. Returns the previous one.
 */
export function setProjectRoot(dir: string): string {
  // getStore is the SDK's own (internal, so not in its types).
  const state = runtimeState as unknown as { getStore(): { settings: { options: { rootDirectory?: string } } } };
  const options = state.getStore().settings.options;
  const before = options.rootDirectory ?? "";
  options.rootDirectory = dir;
  return before;
}
