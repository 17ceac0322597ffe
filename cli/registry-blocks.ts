/**
 * The blocks an answer is decided with: the declared ones (tool-blocks/), and with `--stack` the registry's own,
 * read from the stack's database when it is reachable. Unreachable is not an error: the answer then says what it
 * assumes (lib/registry/tool-blocks.ts `unreadBlocksNote`).
 */
import { declaredBlocks, readStackConnection, withRegistryBlocks } from "../lib";
import type { AccessModel, ConnectionSettings, KnownBlocks, ToolBlock } from "../lib";
import { readRegistryToolBlocks } from "../clients/registry-servers";
import { dbConnection } from "../components/scopes/connection";

/** Reads the registry's blocks through a connection; throws when it cannot. Tests hand in their own. */
export type RegistryBlockReader = (connection: ConnectionSettings) => Promise<ToolBlock[]>;

export const readBlocksFromDatabase: RegistryBlockReader = (s) => readRegistryToolBlocks(dbConnection(s));

export interface AnswerBlocks {
  known: KnownBlocks;
  /** Warning lines: blocks only one side holds, or why the registry's were not read. */
  warnings: string[];
}

export async function answerBlocks(
  model: AccessModel,
  where: { root: string; stack?: string },
  read: RegistryBlockReader,
  env: NodeJS.ProcessEnv,
): Promise<AnswerBlocks> {
  const declared = declaredBlocks(model);
  if (!where.stack) return { known: declared, warnings: [] };
  let registry: ToolBlock[];
  try {
    registry = await read(readStackConnection(where.root, where.stack, env));
  } catch (e) {
    const why = (e as Error).message;
    return {
      known: declared,
      warnings: [`the registry's tool blocks were not read (${why}): answers assume none beyond tool-blocks/`],
    };
  }
  return withRegistryBlocks(declared.blocks, registry);
}
