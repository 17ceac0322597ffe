/** The three definition kinds, and the JSON Schemas editors use for them. */
import { z } from "zod";
import { GroupDefinition } from "./group";
import { M2MDefinition, UserDefinition } from "./identity";

export * from "./group";
export * from "./identity";

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

export function jsonSchemaFor(kind: Kind): Record<string, unknown> {
  const schema = z.toJSONSchema(FILE_SCHEMAS[kind], { io: "input", target: "draft-7" }) as Record<string, unknown>;
  return { ...schema, title: `mcp-gateway-access ${kind} definition` };
}
