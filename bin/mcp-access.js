#!/usr/bin/env node
"use strict";
// The compiled CLI; run `npm run build` after changing the TypeScript sources.
const { run } = require("../dist/cli/main.js");
run(process.argv.slice(2), {
  out: (s) => process.stdout.write(s + "\n"),
  err: (s) => process.stderr.write(s + "\n"),
}).then((code) => {
  process.exitCode = code;
});
