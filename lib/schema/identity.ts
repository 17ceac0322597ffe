/** Human users (`users/*`) and machine-to-machine accounts (`m2m/*`). */
import { z } from "zod";
import { rateLimitGroupsField } from "./rate-limits";

const groupList = z
  .array(z.string().min(1))
  .min(1)
  .describe("IdP groups to join: groups defined in groups/ or bootstrap groups the stack declares");

export const UserDefinition = z
  .strictObject({
    username: z.string().min(1).describe("lower-case login name (Keycloak lower-cases usernames)"),
    email: z.email(),
    first_name: z.string().min(1),
    last_name: z.string().min(1),
    groups: groupList,
    enabled: z.boolean().optional().describe("default true"),
    email_verified: z
      .boolean()
      .optional()
      .describe("Keycloak only; unset: created false, then the value Keycloak holds is kept (an adopted user's)"),
    rate_limit_groups: rateLimitGroupsField.optional(),
  })
  .describe("A human user of the registry; passwords never go here (see the README)");

export const M2MDefinition = z
  .strictObject({
    name: z.string().min(1).describe("the OAuth2 client id of the service account"),
    groups: groupList,
    description: z.string().nullish(),
    enabled: z.boolean().optional().describe("default true"),
    rate_limit_groups: rateLimitGroupsField.optional(),
  })
  .describe("A machine-to-machine service account for an agent or automation; its secret is a stack output");

export type UserDefinition = z.infer<typeof UserDefinition>;
export type M2MDefinition = z.infer<typeof M2MDefinition>;
