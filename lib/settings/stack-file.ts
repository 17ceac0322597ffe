/** A stack's settings read from `stacks/Pulumi.<stack>.yaml`, so the CLI checks exactly as `pulumi up` on it will. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { CONFIG_NAMESPACE, parseStackConfig, stackFileName, type StackConfig } from "./stack";
import { StackSettingsError } from "../errors/errors";

/** An encrypted value (`{secure: …}`) cannot be read here; the CLI needs none of them. */
const isEncrypted = (v: unknown): boolean => !!v && typeof v === "object" && "secure" in v;

export function readStackFile(root: string, stack: string): StackConfig {
  const name = stackFileName(stack);
  const file = join(root, name);
  if (!existsSync(file))
    throw new StackSettingsError(`stack file ${name} not found; create it or pick another --stack`);
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new StackSettingsError(`${file}: invalid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  const config = ((doc && typeof doc === "object" && (doc as Record<string, unknown>).config) || {}) as Record<
    string,
    unknown
  >;
  return parseStackConfig((key) => {
    const v = config[`${CONFIG_NAMESPACE}:${key}`];
    return isEncrypted(v) ? undefined : v;
  }, name);
}
