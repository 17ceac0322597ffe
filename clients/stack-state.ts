/**
 * What the stack's last checkpoint holds, read by the program itself (`pulumi stack export`, which takes no
 * lock). Used to tell objects this stack manages from objects that exist in the identity provider but are
 * missing from the state — created by a run whose response was lost, or by an engine killed mid-`up`.
 */
import { execFile } from "node:child_process";
import * as pulumi from "@pulumi/pulumi";

export interface StateResource {
  type: string;
  urn?: string;
  id?: string;
  outputs: Record<string, unknown>;
}

/** Resources in the checkpoint (pending operations are not: their outcome is unknown). */
export type StackStateReader = () => Promise<StateResource[] | undefined>;

interface Exported {
  deployment?: {
    resources?: Array<{
      type?: string;
      urn?: string;
      id?: string;
      outputs?: Record<string, unknown>;
      delete?: boolean;
    }>;
  };
}

/**
 * Reads the checkpoint with the `pulumi` CLI that runs this program; undefined when it cannot (no state yet counts as
 * empty).
 */
export const readStackState: StackStateReader = () =>
  new Promise((resolve) => {
    const args = ["stack", "export", "--stack", pulumi.getStack(), "--non-interactive"];
    const cwd = pulumi.runtime.getRootDirectory() || process.cwd();
    execFile("pulumi", args, { cwd, maxBuffer: 1 << 30, env: process.env }, (err, stdout, stderr) => {
      if (err) {
        void pulumi.log.warn(
          `could not read this stack's state to adopt existing objects ` +
            `(${(stderr || err.message).trim().split("\n")[0]})`,
        );
        resolve(undefined);
        return;
      }
      try {
        const exported = JSON.parse(stdout) as Exported;
        resolve(
          (exported.deployment?.resources ?? [])
            .filter((r) => r.type && !r.delete)
            .map((r) => ({ type: r.type!, urn: r.urn, id: r.id, outputs: r.outputs ?? {} })),
        );
      } catch {
        resolve(undefined);
      }
    });
  });
