#!/usr/bin/env node
"use strict";
// The compiled CLI: `npm ci` builds it (the `prepare` script); run `npm run build` after changing the sources.
let main;
try {
  main = require("../dist/cli/main.js");
} catch (e) {
  if (e && e.code === "MODULE_NOT_FOUND" && String(e.message).includes("dist/cli/main.js")) {
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
