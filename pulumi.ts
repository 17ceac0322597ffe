/**
 * `mcp-gateway-access/pulumi`: the Pulumi program of a definitions repository, in one line of its `index.ts`:
 *
 *   import { accessStack } from "mcp-gateway-access/pulumi";
 *   export = accessStack();
 *
 * Stack config → core → components → stack outputs (program.ts). The definitions are read from the Pulumi
 * project's folder (or the stack's `definitionsDir`).
 */
// First, before the program's modules load: the Node.js check and the process-wide settings (program-runtime.ts).
import { tuneProgramRuntime } from "./program-runtime";
tuneProgramRuntime();
import { accessProgram, stackOutputsOf, type StackOutputValues } from "./program";

/** The program's entry: Pulumi runs the function and exports what it resolves to as the stack's outputs. */
export function accessStack(): () => Promise<StackOutputValues> {
  return async () => stackOutputsOf(await accessProgram());
}
