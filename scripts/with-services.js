#!/usr/bin/env node
// Runs a command with the real services it needs, started by the project's own scripts, and stops what it
// started afterwards:   node scripts/with-services.js db keycloak engine -- <command...>
//   db       FerretDB (MongoDB wire protocol)  → MCP_ACCESS_TEST_MONGODB_URI
//   keycloak Keycloak                          → MCP_ACCESS_TEST_KEYCLOAK_URL
//   engine   the Pulumi CLI and plugins        → PATH
//   browser  headless Chromium (Debian's package)  → MCP_ACCESS_TEST_CHROMIUM (its path)
//   registry the registry's auth server, installed (each test starts its own, for its realm and database)
//                                              → MCP_ACCESS_TEST_REGISTRY_HOME
"use strict";
const { spawnSync, spawn } = require("node:child_process");
const { join } = require("node:path");

const scripts = join(__dirname);
const args = process.argv.slice(2);
const sep = args.indexOf("--");
if (sep < 0 || sep === args.length - 1) {
  console.error("usage: with-services.js <db|keycloak|engine|registry|browser>... -- <command...>");
  process.exit(2);
}
const services = args.slice(0, sep);
const command = args.slice(sep + 1);

const SERVICES = {
  db: { script: "ferretdb.sh", env: "MCP_ACCESS_TEST_MONGODB_URI", stoppable: true },
  keycloak: { script: "keycloak.sh", env: "MCP_ACCESS_TEST_KEYCLOAK_URL", stoppable: true },
  engine: { script: "build-engine.sh", path: true, env: "MCP_ACCESS_TEST_ENGINE_BIN" },
  registry: { script: "registry.sh", install: true, env: "MCP_ACCESS_TEST_REGISTRY_HOME" },
  // A program, not a server: the script prints its path (installing the package when missing); nothing to stop.
  browser: { script: "chromium.sh", path: true, onPath: false, env: "MCP_ACCESS_TEST_CHROMIUM" },
};

function sh(script, verb) {
  const res = spawnSync("bash", [join(scripts, script), ...(verb ? [verb] : [])], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: process.env,
  });
  return { ok: res.status === 0, out: (res.stdout || "").trim() };
}

const started = [];
function stopAll() {
  for (const s of started.reverse()) sh(SERVICES[s].script, "stop");
  started.length = 0;
}

for (const name of services) {
  const svc = SERVICES[name];
  if (!svc) {
    console.error(`with-services: unknown service "${name}" (known: ${Object.keys(SERVICES).join(", ")})`);
    process.exit(2);
  }
  if (svc.install) {
    const r = sh(svc.script, "install");
    if (!r.ok) {
      console.error(`with-services: could not install ${name} (scripts/${svc.script} install failed)`);
      stopAll();
      process.exit(1);
    }
    process.env[svc.env] = r.out;
    console.error(`with-services: ${name} installed in ${r.out}`);
    continue;
  }
  if (svc.path) {
    const r = sh(svc.script);
    if (!r.ok) {
      console.error(`with-services: could not provide ${name} (scripts/${svc.script} failed)`);
      stopAll();
      process.exit(1);
    }
    if (svc.onPath !== false) process.env.PATH = `${r.out}:${process.env.PATH}`;
    process.env[svc.env] = r.out;
    continue;
  }
  const wasRunning = sh(svc.script, "status").ok;
  const r = sh(svc.script, "start");
  if (!r.ok) {
    console.error(`with-services: could not start ${name} (scripts/${svc.script} start failed)`);
    stopAll();
    process.exit(1);
  }
  if (!wasRunning) started.push(name);
  process.env[svc.env] = r.out;
  console.error(`with-services: ${name} at ${r.out}`);
}

const child = spawn(command[0], command.slice(1), { stdio: "inherit", env: process.env });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => {
  stopAll();
  process.exit(code ?? (signal ? 1 : 0));
});
