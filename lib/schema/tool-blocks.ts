/**
 * The format of `tool-blocks/` files: one block (a mapping) or a list of them. A block names one tool of one MCP
 * server, as the registry keys its per-tool overrides (lib/registry/tool-blocks.ts): the server by its path, the
 * tool by its name. Wildcards are refused: upstream has no block on "every tool" or "every server".
 */
import { z } from "zod";
import { isWildcard } from "../registry/rules";

const name = (what: string, describe: string) =>
  z
    .string()
    .trim()
    .min(1)
    .refine((s) => !isWildcard(s.replace(/^\/+|\/+$/g, "")), {
      error: `a block names one ${what}: "*" and "all" are not blocks the registry knows`,
    })
    .describe(describe);

export const ToolBlock = z
  .strictObject({
    server: name("server", "the MCP server, by its path without slashes (currenttime), as in groups' server_access"),
    tool: name("tool", "the tool's name (params.name of tools/call); blocks are keyed on the name"),
    reason: z.string().trim().min(1).describe("why the tool is blocked: shown in explain, access tests and diff"),
  })
  .describe("A tool that nobody may call: tools/call is refused (403), admins and wildcard grants included");
export type ToolBlock = z.output<typeof ToolBlock>;

export const ToolBlockFile = z.union([ToolBlock, z.array(ToolBlock)]);
