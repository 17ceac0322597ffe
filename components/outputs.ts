/**
 * The stack outputs both identity providers produce, in one shape, so agents and `mcp-access token` read
 * Keycloak and Entra stacks alike. Secrets stay Pulumi secrets at the leaf.
 */
import * as pulumi from "@pulumi/pulumi";
import type {
  AccessOutputs as AccessOutputsContract,
  M2MCredentials,
  StackOutputs,
  UserOutput as UserOutputContract,
} from "../lib";

/** A contract type as a component produces it: each field a Pulumi input (an Output, or a known value). */
type Lifted<T> = {
  [K in keyof T]: undefined extends T[K] ? pulumi.Input<Exclude<T[K], undefined>> | undefined : pulumi.Input<T[K]>;
};

/** A contract type as the program produces it, each field a Pulumi output. */
export type Produced<T> = { [K in keyof T]: pulumi.Output<T[K]> };

export type M2MCredentialsOutput = Lifted<M2MCredentials> & {
  /** Secret. */
  clientSecret: pulumi.Output<string>;
};

/** lib/settings/stack-outputs.ts `UserOutput`; `initialPassword` is a secret. */
export type UserOutput = Produced<UserOutputContract>;

/** How an access component produces one entry of each record of the contract's `AccessOutputs`. */
interface AccessEntries {
  m2m: M2MCredentialsOutput;
  groups: pulumi.Output<AccessOutputsContract["groups"][string]>;
  users: UserOutput;
}

/** The outputs of an access component: lib/settings/stack-outputs.ts `AccessOutputs`, as Pulumi outputs. */
export type AccessOutputs = { [K in keyof AccessOutputsContract]: Record<string, AccessEntries[K]> };

/** What an identity provider's component gives the rest of the program, whichever provider it is. */
export interface IdentityAccess extends AccessOutputs {
  /** IdP-assigned ids the scope documents carry (Entra: group Object IDs and application client ids). */
  readonly assignedIds?: {
    groupObjectIds: Record<string, pulumi.Output<string>>;
    clientIds: Record<string, pulumi.Output<string>>;
  };
  /** Secret; the bootstrap admin's generated initial password, when this stack generated it. */
  readonly bootstrapAdminPassword?: pulumi.Output<NonNullable<StackOutputs["bootstrapAdminPassword"]>>;
  /** The issuers (`iss`) of the tokens this identity provider signs: what `token --verify` trusts. */
  readonly issuers?: pulumi.Input<NonNullable<StackOutputs["issuers"]>>;
  /** Keycloak bootstrap: digests of the stock clients' secrets (components/keycloak/stock-secrets.ts). */
  readonly bootstrapClientSecretDigests?: pulumi.Output<NonNullable<StackOutputs["bootstrapClientSecretDigests"]>>;
}

/**
 * The initial password for a user: the one in the stack config secret `initialPasswords`, else the generated
 * one. Only a generated password is exported (the other is known to whoever set it).
 */
export function initialPassword(
  configured: pulumi.Output<Record<string, string> | undefined>,
  username: string,
  generated: pulumi.Output<string>,
): { value: pulumi.Output<string>; exported: pulumi.Output<string | undefined> } {
  const both = pulumi.all([configured, generated]);
  return {
    value: pulumi.secret(both.apply(([c, g]) => c?.[username] ?? g)),
    exported: pulumi.secret(both.apply(([c, g]) => (c?.[username] ? undefined : g))),
  };
}
