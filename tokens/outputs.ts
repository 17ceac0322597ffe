/**
 * Reading M2M credentials from a stack's outputs (`pulumi stack output m2m --json --show-secrets`), with the
 * errors a user meets turned into what to do about them.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { StackOutputs as StackOutputsContract, type M2MCredentials } from "../lib/settings/stack-outputs";
import { TokenError } from "../lib/errors/errors";

export type { M2MCredentials };

/** What tokens need of the stack outputs: the M2M credentials, and group ids to map tokens' groups back to names. */
export type StackOutputs = Pick<StackOutputsContract, "m2m" | "groups"> &
  Partial<Pick<StackOutputsContract, "issuers">>;

export { TokenError };

export interface OutputSource {
  /** Stack name; default: the selected stack. */
  stack?: string;
  /** Project directory for the Pulumi CLI (where Pulumi.yaml is). */
  cwd?: string;
  /** A JSON file holding `{m2m, groups}` as `pulumi stack output --json --show-secrets` prints them. */
  file?: string;
  env?: NodeJS.ProcessEnv;
}

function pulumiOutput(args: string[], cwd: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("pulumi", args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const text = `${stderr}\n${err.message}`;
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        return reject(
          new TokenError(
            "the pulumi CLI is not on PATH: install Pulumi (or run scripts/build-engine.sh and add its output to PATH)",
          ),
        );
      }
      if (/passphrase|decrypt/i.test(text)) {
        return reject(
          new TokenError(
            "the stack's secrets cannot be decrypted: set PULUMI_CONFIG_PASSPHRASE (or " +
              "PULUMI_CONFIG_PASSPHRASE_FILE) to the stack's passphrase",
          ),
        );
      }
      if (/no stack named|stack .* not found|could not find stack|no stack selected/i.test(text)) {
        return reject(
          new TokenError(
            `stack not found${args.includes("--stack") ? ` ("${args[args.indexOf("--stack") + 1]}")` : ""}: ` +
              `check --stack, the project directory and PULUMI_BACKEND_URL (pulumi stack ls)`,
          ),
        );
      }
      reject(
        new TokenError(`pulumi stack output failed: ${stderr.trim().split("\n").slice(-3).join(" ") || err.message}`),
      );
    });
  });
}

function parse(text: string, where: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* reported below */
  }
  throw new TokenError(`${where} is not the JSON object of stack outputs`);
}

const looksLikeCredentials = (v: unknown): boolean => !!v && typeof v === "object" && "clientId" in v;

/**
 * The outputs object from what a file holds: the whole object (`pulumi stack output --json --show-secrets`) or
 * only the m2m output (`pulumi stack output m2m --json --show-secrets`), whose values are credentials.
 */
export function outputsObject(value: Record<string, unknown>): Record<string, unknown> {
  const entries = Object.values(value);
  if (!("m2m" in value) && entries.length > 0 && entries.every(looksLikeCredentials)) return { m2m: value };
  return value;
}

async function readOutputsFile(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a folder, not a file" : (e as Error).message;
    throw new TokenError(
      `cannot read --outputs ${file}: ${why}; save the outputs with pulumi stack output m2m --json ` +
        `--show-secrets > ${file}`,
    );
  }
}

export async function readStackOutputs(source: OutputSource = {}): Promise<StackOutputs> {
  let all: Record<string, unknown>;
  if (source.file) {
    all = outputsObject(parse(await readOutputsFile(source.file), source.file));
  } else {
    const args = ["stack", "output", "--json", "--show-secrets", "--non-interactive"];
    if (source.stack) args.push("--stack", source.stack);
    all = parse(await pulumiOutput(args, source.cwd, { ...process.env, ...source.env }), "pulumi stack output");
  }
  const parsed = StackOutputsContract.pick({ m2m: true, groups: true, issuers: true }).safeParse(all);
  if (!parsed.success)
    throw new TokenError(
      `${outputsProblem(parsed.error)}; run pulumi up (or check that these are this project's stack outputs)`,
    );
  return {
    m2m: parsed.data.m2m,
    groups: parsed.data.groups,
    ...(parsed.data.issuers ? { issuers: parsed.data.issuers } : {}),
  };
}

function outputsProblem(error: z.ZodError): string {
  return error.issues
    .map(
      (i) =>
        `the stack output ${i.path.map(String).join(".")} ` +
        `${
          i.code === "invalid_type" && i.message.includes("undefined")
            ? "is missing"
            : `is not valid ` + `(${i.message})`
        }`,
    )
    .join("; ");
}
