/**
 * The stack outputs: the contract between the Pulumi program, which produces them, and whoever reads them
 * (`mcp-access token`, agents). Both sides use these schemas; the producer's types are these, lifted to Pulumi
 * inputs (components/outputs.ts).
 */
import { z } from "zod";
import { IDENTITY_PROVIDERS } from "../registry/rules";

/** One M2M account's client-credentials settings (`m2m.<name>`). */
export const M2MCredentials = z.object({
  clientId: z.string(),
  /** Secret. */
  clientSecret: z.string(),
  tokenUrl: z.string(),
  authProvider: z.enum(IDENTITY_PROVIDERS),
  /** Keycloak only. */
  realm: z.string().optional(),
  keycloakUrl: z.string().optional(),
  /** Entra only. */
  tenantId: z.string().optional(),
  scope: z.string().optional(),
});
export type M2MCredentials = z.infer<typeof M2MCredentials>;

export const UserOutput = z.object({
  id: z.string(),
  /** Secret; present when this stack generated the initial password. */
  initialPassword: z.string().optional(),
});
export type UserOutput = z.infer<typeof UserOutput>;

/** What an access component exports, whichever identity provider. */
export const AccessOutputs = z.object({
  /** M2M name → credentials for the client-credentials grant. */
  m2m: z.record(z.string(), M2MCredentials).default({}),
  /** Group name → IdP id (Keycloak group id, Entra Object ID). */
  groups: z.record(z.string(), z.string()).default({}),
  /** Username → IdP id and generated initial password. */
  users: z.record(z.string(), UserOutput).default({}),
});
export type AccessOutputs = z.infer<typeof AccessOutputs>;

/** Every output of the program (index.ts). */
export const StackOutputs = AccessOutputs.extend({
  /** Scope name → when its document was created and last written. */
  scopes: z
    .record(z.string(), z.object({ createdAt: z.string().nullable(), updatedAt: z.string().nullable() }))
    .default({}),
  /** Secret; the bootstrap admin's generated initial password, when this stack generated it. */
  bootstrapAdminPassword: z.string().optional(),
  /** The issuers (`iss`) of the identity provider's tokens, when the stack manages it. */
  issuers: z.array(z.string()).optional(),
  /**
   * Keycloak bootstrap: client id → a digest of the stock client's secret as this stack last read it, to tell when
   * something regenerated it (upstream's init-keycloak.sh does on every run).
   */
  bootstrapClientSecretDigests: z.record(z.string(), z.string()).optional(),
});
export type StackOutputs = z.infer<typeof StackOutputs>;
