/**
 * What Pulumi stores with every registry record as its `__provider`: the source of a tiny module whose handler
 * loads the provider's implementation (./provider.ts) by module path in the engine's dynamic-provider process.
 * The engine's host evaluates that text with `require-from-string` and calls `handler()`; it does not care
 * whether the text came from Pulumi's closure serializer. Written by hand it is about 400 characters, where the
 * implementation's serialized closure was 41 KB and a serialized forwarding object 2.8 KB — in the inputs and
 * again in the outputs of every record.
 *
 * The state keeps this text, so it is also what deletes a record the program no longer declares and refreshes
 * records whose text an earlier run stored: it must keep finding the implementation when the project moves,
 * hence the candidates — the absolute path this run loaded it from, then the installed package, then the
 * project's own build, both from the directory the engine runs the provider in (the project's).
 */

/** Where the implementation is, resolved when the program loads. */
const IMPLEMENTATION: readonly string[] = [
  require.resolve("./provider"),
  "mcp-gateway-access/dist/components/scopes/provider",
  "./dist/components/scopes/provider",
];

/**
 * The module text: `exports.handler()` returns the implementation's `recordProvider`, loaded from the first candidate
 * that resolves.
 */
export const RECORD_PROVIDER_MODULE = `exports.handler = () => {
  for (const p of ${JSON.stringify(IMPLEMENTATION)}) {
    let path;
    try { path = require.resolve(p, { paths: [process.cwd()] }); } catch { continue; }
    return require(path).recordProvider;
  }
  throw new Error(${JSON.stringify(
    `registry records: no provider implementation at ` + `${IMPLEMENTATION.join(", ")}; run npm run build`,
  )});
};
`;
