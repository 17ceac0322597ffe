/** Pulumi mocks for unit tests of the resource graph: records every resource the program declares. */
import * as pulumi from "@pulumi/pulumi";

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

export async function useMocks(config: Record<string, string> = {}, secretKeys: string[] = []): Promise<void> {
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

/** Waits until every declared resource has been registered with the mocks. */
export async function settled(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}
