/** The guards' settings (`guards:` of mcp-access.yaml, and the stack's); the guards are in lib/review/guards.ts. */
import { z } from "zod";

export const GuardSettings = z.strictObject({
  maxRemovalShare: z
    .number()
    .gt(0)
    .max(1)
    .optional()
    .describe("refuse removing more than this share of a group's members at once (e.g. 0.25)"),
  minRemovalBase: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("groups smaller than this are exempt from maxRemovalShare (default 4)"),
  minAdmins: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      "at least this many enabled human users stay registry admins, counted as the registry's admin-safety code does",
    ),
  requireOwners: z.boolean().optional().describe("every group file must list owners"),
});
export type GuardSettings = z.infer<typeof GuardSettings>;

/** Where a guard's setting was made, for messages (`mcp-access.yaml`, or the stack). */
export interface GuardOrigin {
  file: string;
  line: number;
  column: number;
}
