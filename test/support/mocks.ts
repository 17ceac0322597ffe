/** Pulumi mocks for unit tests of the resource graph: records every resource the program declares. */
import * as pulumi from "@pulumi/pulumi";

export interface Declared {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  provider?: string;
  custom: boolean;
}

export const declared: Declared[] = [];

export async function useMocks(config: Record<string, string> = {}, secretKeys: string[] = []): Promise<void> {
  pulumi.runtime.setAllConfig(config, secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        declared.push({ type: args.type, name: args.name, inputs: args.inputs, custom: args.custom ?? true });
        const state = { ...args.inputs } as Record<string, unknown>;
        if (args.type === "keycloak:openid/client:Client") {
          state.clientSecret = `secret-of-${args.inputs.clientId}`;
          state.serviceAccountUserId = `sa-${args.inputs.clientId}`;
        }
        if (args.type === "random:index/randomPassword:RandomPassword") state.result = `generated-${args.name}`;
        return { id: `${args.name}-id`, state };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        if (args.token === "keycloak:index/getRealm:getRealm") return { ...args.inputs, id: args.inputs.realm };
        return args.inputs;
      },
    },
    "mcp-gateway-access",
    "unit",
    false,
  );
}

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
