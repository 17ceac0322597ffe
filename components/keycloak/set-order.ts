/**
 * The order in which the Keycloak provider stores a set of strings: Terraform's cty sorts string sets byte by byte,
 * and the bridge's refresh copies that order into the resource's inputs (pulumi-terraform-bridge
 * `extractInputs`: scalar sets are matched by position). Inputs in any other order differ from the refreshed ones
 * although the set is the same, so every `up` after a refresh rewrites the checkpoint once for each such resource.
 */
import * as pulumi from "@pulumi/pulumi";

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

/** The distinct values in the provider's stored order. */
export function inStoredOrder(values: readonly string[]): string[] {
  return [...new Set(values)].sort(byBytes);
}

/** The same for values known only once their resources exist (group ids). */
export function inStoredOrderOutput(values: readonly pulumi.Input<string>[]): pulumi.Output<string[]> {
  return pulumi.all([...values]).apply(inStoredOrder);
}
