/**
 * The stack outputs both identity providers produce, in one shape, so agents and `mcp-access token` read
 * Keycloak and Entra stacks alike. Secrets stay Pulumi secrets at the leaf.
 */
import * as pulumi from "@pulumi/pulumi";

export interface M2MCredentialsOutput {
  clientId: pulumi.Output<string> | string;
  /** Secret. */
  clientSecret: pulumi.Output<string>;
  tokenUrl: pulumi.Output<string> | string;
  authProvider: "keycloak" | "entra";
  /** Keycloak only. */
  realm?: string;
  keycloakUrl?: string;
  /** Entra only. */
  tenantId?: pulumi.Output<string> | string;
  scope?: pulumi.Output<string> | string;
}

export interface UserOutput {
  id: pulumi.Output<string>;
  /** Secret; present when this stack generated the initial password. */
  initialPassword?: pulumi.Output<string | undefined>;
}

export interface AccessOutputs {
  /** M2M name → credentials for the client-credentials grant. */
  m2m: Record<string, M2MCredentialsOutput>;
  /** Group name → IdP id (Keycloak group id, Entra Object ID). */
  groups: Record<string, pulumi.Output<string>>;
  /** Username → IdP id and generated initial password. */
  users: Record<string, UserOutput>;
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
