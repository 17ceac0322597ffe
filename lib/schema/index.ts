/** The three definition kinds, and the JSON Schemas editors use for them. */
import { z } from "zod";
import { GroupDefinition } from "./group";
import { M2MDefinition, UserDefinition } from "./identity";
import { AccessTestFile, ACCESS_TESTS_DIR } from "./access-test";
import { RATE_LIMITS_DIR, RateLimitFile } from "./rate-limits";
import { IDENTITY_PROVIDERS_DIR, IdentityProviderDefinition } from "./identity-provider";

export * from "./group";
export * from "./identity";
export * from "./access-test";

export const KINDS = ["groups", "users", "m2m"] as const;
export type Kind = (typeof KINDS)[number];

/** Groups are one per file; users and M2M accounts may also be listed several to a file. */
export const FILE_SCHEMAS: Record<Kind, z.ZodType> = {
  groups: GroupDefinition,
  users: z.union([UserDefinition, z.array(UserDefinition)]),
  m2m: z.union([M2MDefinition, z.array(M2MDefinition)]),
};

export const ITEM_SCHEMAS: Record<Kind, z.ZodType> = {
  groups: GroupDefinition,
  users: UserDefinition,
  m2m: M2MDefinition,
};

/** Every file format with a JSON Schema for editors: the definition kinds and access tests. */
export const SCHEMA_NAMES = [...KINDS, ACCESS_TESTS_DIR, RATE_LIMITS_DIR, IDENTITY_PROVIDERS_DIR] as const;
export type SchemaName = (typeof SCHEMA_NAMES)[number];

export function jsonSchemaFor(name: SchemaName): Record<string, unknown> {
  if (name === RATE_LIMITS_DIR) {
    return {
      ...(z.toJSONSchema(RateLimitFile, { io: "input", target: "draft-7" }) as Record<string, unknown>),
      title: "mcp-gateway-access rate limits and quarantine",
    };
  }
  if (name === IDENTITY_PROVIDERS_DIR) {
    const schema = z.toJSONSchema(IdentityProviderDefinition, { io: "input", target: "draft-7" }) as Record<
      string,
      unknown
    >;
    return { ...schema, title: "mcp-gateway-access brokered identity provider" };
  }
  const zod = name === ACCESS_TESTS_DIR ? AccessTestFile : FILE_SCHEMAS[name];
  const schema = z.toJSONSchema(zod, { io: "input", target: "draft-7" }) as Record<string, unknown>;
  return {
    ...schema,
    title: name === ACCESS_TESTS_DIR ? "mcp-gateway-access access tests" : `mcp-gateway-access ${name} definition`,
  };
}
