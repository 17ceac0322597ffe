/**
 * A random secret generated once and kept (encrypted) in the state: initial passwords nobody has to put in
 * config. A dynamic resource, so no extra provider plugin is needed; its value is a Pulumi secret.
 */
import * as pulumi from "@pulumi/pulumi";
import { randomPassword } from "./password";

interface GeneratedInputs {
  length: number;
}

export const generatedSecretProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: GeneratedInputs): Promise<pulumi.dynamic.CreateResult> {
    // The one generator (password.ts), serialised with this provider; crypto is required where it runs.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a closure Pulumi serialises
    const { randomInt, randomUUID } = require("node:crypto") as typeof import("node:crypto");
    const value = randomPassword(inputs.length, (n) => randomInt(n));
    return { id: randomUUID(), outs: { length: inputs.length, value } };
  },
  async diff(_id: string, olds: GeneratedInputs, news: GeneratedInputs): Promise<pulumi.dynamic.DiffResult> {
    const changed = olds.length !== news.length;
    return { changes: changed, replaces: changed ? ["length"] : [] };
  },
};

export class GeneratedSecret extends pulumi.dynamic.Resource {
  declare readonly value: pulumi.Output<string>;

  constructor(name: string, length = 24, opts?: pulumi.CustomResourceOptions) {
    super(
      generatedSecretProvider,
      name,
      { length, value: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["value"] }),
      "mcp-gateway-access",
      "GeneratedSecret",
    );
  }
}
