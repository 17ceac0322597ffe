/**
 * What Pulumi stores with every registry record as its `__provider`: a few lines that load the provider's
 * implementation (./provider.ts) by module path in the engine's dynamic-provider process, instead of the
 * implementation's serialized closure (41 KB in the inputs and again in the outputs of every record; this is
 * about 2.8 KB).
 *
 * The state keeps this code, so it is also what deletes a record the program no longer declares and refreshes
 * records whose code an earlier run stored: it must keep finding the implementation when the project moves,
 * hence the candidates — the absolute path this run loaded it from, then the installed package, then the
 * project's own build, both from the directory the engine runs the provider in (the project's).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { RecordProvider } from "./provider";

/** Where the implementation is, resolved when the program loads: the closure captures only these strings. */
const IMPLEMENTATION: readonly string[] = [require.resolve("./provider"), "mcp-gateway-access/dist/components/scopes/provider", "./dist/components/scopes/provider"];

/**
 * Forwards one method to the implementation, loaded from the first candidate that resolves from the engine's
 * working directory (Node's module cache makes it one instance, one connection pool, per process).
 */
function call(method: keyof RecordProvider, args: unknown[]): Promise<never> {
  for (const p of IMPLEMENTATION) {
    let path;
    try {
      path = require.resolve(p, { paths: [process.cwd()] });
    } catch {
      continue;
    }
    const impl = (require(path) as { recordProvider: RecordProvider }).recordProvider;
    return (impl[method] as (...a: unknown[]) => Promise<never>).apply(impl, args);
  }
  throw new Error(`registry records: no provider implementation at ${IMPLEMENTATION.join(", ")}; run npm run build`);
}

/** The provider object the resources serialize: each method forwards to the implementation. */
export const recordProviderRef: pulumi.dynamic.ResourceProvider = {
  configure: (...a) => call("configure", a),
  check: (...a) => call("check", a),
  diff: (...a) => call("diff", a),
  create: (...a) => call("create", a),
  read: (...a) => call("read", a),
  update: (...a) => call("update", a),
  delete: (...a) => call("delete", a),
};
