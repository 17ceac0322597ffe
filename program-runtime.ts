/**
 * The process-wide settings of the Pulumi program's process (index.ts), in one place, each with its switch
 * (docs/development.md, "The program's process"). Applied before the program's modules load: the compile cache
 * only keeps code compiled after it is on. Measurements: docs/performance.md.
 */
import { enableCompileCache } from "node:module";
import type * as Pulumi from "@pulumi/pulumi";
import { refuseUnsupportedNode } from "./node-support";

export function tuneProgramRuntime(env: NodeJS.ProcessEnv = process.env): void {
  // First: on an older Node the next line fails with "enableCompileCache is not a function".
  refuseUnsupportedNode("the mcp-gateway-access Pulumi program");
  // V8's compiled code of the modules loaded from here on (this program, @pulumi/keycloak, mongodb, zod, yaml) is
  // kept in the OS's temporary folder (node-compile-cache), so a run does not compile them again. Node's own switch:
  // NODE_DISABLE_COMPILE_CACHE=1.
  enableCompileCache();
  // Pulumi's language host installs source-map-support, and the SDK formats a stack trace for every resource and
  // every internal promise: mapped through dist/*.js.map, a quarter of the program's CPU in a preview of 1,356
  // resources. V8's own formatting instead; positions name dist/*.js.
  delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
  // The SDK takes those traces only to show them if a promise leaks, and a resource's position only for Pulumi
  // Cloud's display: another fifth of the CPU. The program's own errors name the definition's file, line and column.
  if (!env.MCP_ACCESS_STACK_TRACES) Error.stackTraceLimit = 0;
  // Three debug-level messages per resource, one RPC each in series, shown only by `pulumi up --debug`: about a
  // sixth of a no-op `up` of 1,356 resources.
  if (!env.MCP_ACCESS_SDK_DEBUG) {
    // Loaded only now: after the compile cache is on, so the SDK's code is kept too.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pulumi = require("@pulumi/pulumi") as typeof Pulumi;
    Object.assign(pulumi.log, { debug: () => Promise.resolve() });
  }
}
