/** The schemas of the definition files; the table of kinds that reads them is lib/load/kinds.ts. */
import { z } from "zod";
import { fieldNames } from "./issues";
import { GroupDefinition } from "./group";
import { M2MDefinition, UserDefinition } from "./identity";

export * from "./group";
export * from "./identity";
export * from "./access-test";

/** The kinds that define identities and their access (each folder's name), as the field checks know them. */
export type Kind = "groups" | "users" | "m2m";

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

/** A file schema as editors read it (draft 7), and as the loader lists the fields a file may hold. */
export function editorSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: "input", target: "draft-7" }) as Record<string, unknown>;
}

const FIELDS = new WeakMap<z.ZodType, Set<string>>();
/** Every field name a file schema knows (for "did you mean" on an unknown field); worked out once per schema. */
export function knownFieldsOf(schema: z.ZodType): Set<string> {
  let known = FIELDS.get(schema);
  if (!known) FIELDS.set(schema, (known = fieldNames(editorSchema(schema))));
  return known;
}
