/** The Pulumi program: stack config → core → components → stack outputs. See program.ts. */
// First: Node keeps V8's compiled code of the modules loaded from here on (this program, @pulumi/keycloak, mongodb,
// zod, yaml) in the OS's temporary folder (node-compile-cache), so a run does not compile them again.
import { enableCompileCache } from "node:module";
enableCompileCache();
import * as pulumi from "@pulumi/pulumi";
import { accessProgram, stackOutputsOf } from "./program";

// Pulumi's language host installs source-map-support, and the SDK formats a stack trace for every resource (its
// source position) and every internal promise: mapped through dist/*.js.map, that was a quarter of the program's
// CPU in a preview of 1,356 resources (node --cpu-prof). V8's own formatting instead; positions name dist/*.js.
delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
// The SDK also takes those traces (`new Error().stack`) only to show them if a promise leaks, and a resource's
// position only for Pulumi Cloud's display: another fifth of the program's CPU in that preview. No frames are
// taken unless MCP_ACCESS_STACK_TRACES is set (to debug a crash of the program itself); the program's own errors
// are messages that name the definition's file, line and column, and lose nothing.
if (!process.env.MCP_ACCESS_STACK_TRACES) Error.stackTraceLimit = 0;
// The SDK sends the engine three debug-level messages per resource ("Registering resource ...", one RPC each, in
// series), shown only by `pulumi up --debug`: about a sixth of a no-op `up` of 1,356 resources (docs/performance.md).
// Sent only when MCP_ACCESS_SDK_DEBUG is set (to debug the SDK's conversation with the engine).
if (!process.env.MCP_ACCESS_SDK_DEBUG) Object.assign(pulumi.log, { debug: () => Promise.resolve() });

export = async () => stackOutputsOf(await accessProgram());
