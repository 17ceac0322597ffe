/** A stack's settings read from `stacks/Pulumi.<stack>.yaml`, so the CLI checks exactly as `pulumi up` on it will. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isMap, isScalar, LineCounter, parse, parseDocument, type Node } from "yaml";
import {
  CONFIG_NAMESPACE,
  parseConnectionSettings,
  parseStackConfig,
  SETTINGS,
  stackFileName,
  type ConnectionSettings,
  type StackConfig,
  type StackSettingKey,
} from "./stack";
import { StackSettingsError } from "../errors/errors";

/** An encrypted value (`{secure: …}`) cannot be read here; the CLI needs none of them. */
const isEncrypted = (v: unknown): boolean => !!v && typeof v === "object" && "secure" in v;

/**
 * A value without its encrypted parts: `--secret --path 'x.alias'` writes `x: {alias: {secure: …}}`, which
 * reads here as a map without that entry (undefined when nothing else is left).
 */
function readable(v: unknown): unknown {
  if (isEncrypted(v)) return undefined;
  if (!v || typeof v !== "object" || Array.isArray(v)) return v;
  const entries = Object.entries(v).filter(([, x]) => !isEncrypted(x));
  if (entries.length === 0 && Object.keys(v).length > 0) return undefined;
  return Object.fromEntries(entries.map(([k, x]) => [k, readable(x)]));
}

/** The settings documented as secrets: a stack file is committed to git, so each must be encrypted there. */
const SECRET_SETTINGS = new Set(
  (Object.keys(SETTINGS) as StackSettingKey[]).filter((k) => SETTINGS[k].secret).map((k) => `${CONFIG_NAMESPACE}:${k}`),
);
/** A provider's own credentials (`keycloak:password`, `azuread:clientSecret`...), by the name of the setting. */
const SECRET_NAME = /(secret|password|passwd|token|private_?key|credentials?)$/i;

function isSecretSetting(key: string): boolean {
  if (SECRET_SETTINGS.has(key)) return true;
  const [ns, name] = key.split(":", 2);
  return ns !== CONFIG_NAMESPACE && name !== undefined && SECRET_NAME.test(name);
}

/** Each value under `node` that is plain text, not `{secure: …}`, with its dotted path (`a.b` for `--path`). */
function plainLeaves(node: Node | null, path: string, out: Array<{ path: string; node: Node }>): void {
  if (!node || (isScalar(node) && (node.value === null || node.value === ""))) return;
  if (isMap(node)) {
    if (node.items.some((p) => isScalar(p.key) && p.key.value === "secure")) return;
    for (const p of node.items) {
      const key = isScalar(p.key) ? String(p.key.value) : "?";
      plainLeaves((p.value as Node | null) ?? null, `${path}.${key}`, out);
    }
    return;
  }
  out.push({ path, node });
}

/**
 * "Never in git": a secret setting written in plain text (set without `--secret`, or typed into the file) is
 * refused, at its line, before anything reads it. Pulumi writes a secret as `{secure: <ciphertext>}`.
 */
export function plainSecretsProblem(name: string, text: string): string | null {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const config = doc.get("config", true);
  if (!isMap(config)) return null;
  const found: string[] = [];
  for (const pair of config.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    if (!isSecretSetting(key)) continue;
    const leaves: Array<{ path: string; node: Node }> = [];
    plainLeaves((pair.value as Node | null) ?? null, key, leaves);
    for (const { path, node } of leaves) {
      const pos = lines.linePos(node.range?.[0] ?? 0);
      found.push(
        `${name}:${pos.line}:${pos.col}: ${path} is a secret in plain text, and the stack file is committed to ` +
          `git: remove it and set it with pulumi config set --secret --path '${path}' <value> (stored as ` +
          `{secure: ...}); change the secret if it was pushed`,
      );
    }
  }
  return found.length ? found.join("\n") : null;
}

/**
 * What `pulumi up` itself reads, checked the same way: the stack file of `stack` in the Pulumi project at `root`
 * (`<stackConfigDir>/Pulumi.<stack>.yaml`, the folder from `Pulumi.yaml`). The engine hands the program a secret
 * typed into the file in plain text like any other value, so the program refuses it here, before anything is applied.
 */
export function refusePlainSecrets(root: string, stack: string): void {
  const project = ["Pulumi.yaml", "Pulumi.yml"].map((f) => join(root, f)).find((f) => existsSync(f));
  if (!project) return;
  const dir = (parse(readFileSync(project, "utf8")) as { stackConfigDir?: unknown } | null)?.stackConfigDir;
  const name = join(typeof dir === "string" ? dir : ".", `Pulumi.${stack}.yaml`);
  if (!existsSync(join(root, name))) return;
  const plain = plainSecretsProblem(name, readFileSync(join(root, name), "utf8"));
  if (plain) throw new StackSettingsError(plain);
}

/** The stack file's `config:` mapping, checked (exists, YAML, no secret in plain text). */
function stackConfigMap(root: string, stack: string): { name: string; config: Record<string, unknown> } {
  const name = stackFileName(stack);
  const file = join(root, name);
  if (!existsSync(file))
    throw new StackSettingsError(`stack file ${name} not found; create it or pick another --stack`);
  const text = readFileSync(file, "utf8");
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new StackSettingsError(`${file}: invalid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  const plain = plainSecretsProblem(name, text);
  if (plain) throw new StackSettingsError(plain);
  const config = ((doc && typeof doc === "object" && (doc as Record<string, unknown>).config) || {}) as Record<
    string,
    unknown
  >;
  return { name, config };
}

export function readStackFile(root: string, stack: string): StackConfig {
  const { name, config } = stackConfigMap(root, stack);
  return parseStackConfig((key) => readable(config[`${CONFIG_NAMESPACE}:${key}`]), name);
}

/**
 * The stack's database connection as the stack gives it: its settings, with the environment for what the file
 * holds encrypted (the password, a connection string), as the scope store's provider reads them.
 */
export function readStackConnection(root: string, stack: string, env: NodeJS.ProcessEnv): ConnectionSettings {
  const { config } = stackConfigMap(root, stack);
  return parseConnectionSettings((key) => readable(config[`${CONFIG_NAMESPACE}:${key}`]), env);
}
