#!/usr/bin/env node
"use strict";
// The compiled CLI: `npm ci` builds it (the `prepare` script); run `npm run build` after changing the sources.
let main;
try {
  // First, on any Node: an older one gets one line saying what is needed (node-support.ts), not a later crash.
  require("../dist/node-support.js").refuseUnsupportedNode("mcp-access");
  main = require("../dist/cli/main.js");
} catch (e) {
  if (e && e.code === "MODULE_NOT_FOUND" && /dist[/\\](cli[/\\]main|node-support)\.js/.test(String(e.message))) {
    process.stderr.write(
      "mcp-access: the CLI is not built yet: run `npm run build` (npm ci and npm install build it)\n",
    );
    process.exit(2);
  }
  throw e;
}
main.quietOnBrokenPipe(process.stdout);
main.quietOnBrokenPipe(process.stderr);
main
  .run(process.argv.slice(2), {
    out: (s) => process.stdout.write(s + "\n"),
    err: (s) => process.stderr.write(s + "\n"),
  })
  .then((code) => {
    process.exitCode = code;
  });
