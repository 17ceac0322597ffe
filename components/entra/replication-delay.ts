/**
 * Entra ID replicates new principals slowly: adding a just-created user or service principal to a group can
 * fail with 404 (pulumi-azuread#2014, terraform-provider-azuread#1811). The provider threads recommend a
 * wait between creating principals and their memberships (Terraform's `time_sleep`); this is that wait, as a
 * dynamic resource that sleeps on create and whenever the principals it follows are replaced.
 */
import * as pulumi from "@pulumi/pulumi";

interface DelayInputs {
  seconds: number;
  /** Ids of the principals waited for; a new principal re-runs the wait. */
  after: string[];
}

const delayProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: DelayInputs): Promise<pulumi.dynamic.CreateResult> {
    await new Promise((r) => setTimeout(r, inputs.seconds * 1000));
    return { id: `delay-${inputs.after.length}-${Date.now()}`, outs: inputs };
  },
  async diff(_id: string, olds: DelayInputs, news: DelayInputs): Promise<pulumi.dynamic.DiffResult> {
    const added = news.after.some((a) => !olds.after.includes(a));
    return { changes: added || olds.seconds !== news.seconds || olds.after.length !== news.after.length };
  },
  async update(_id: string, olds: DelayInputs, news: DelayInputs): Promise<pulumi.dynamic.UpdateResult> {
    if (news.after.some((a) => !olds.after.includes(a))) await new Promise((r) => setTimeout(r, news.seconds * 1000));
    return { outs: news };
  },
};

export class ReplicationDelay extends pulumi.dynamic.Resource {
  constructor(
    name: string,
    args: { seconds: number; after: pulumi.Input<string>[] },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      delayProvider,
      name,
      { seconds: args.seconds, after: args.after },
      opts,
      "mcp-gateway-access",
      "ReplicationDelay",
    );
  }
}
