#!/usr/bin/env bash
# Headless Chromium for the report page's browser tests: Debian's `chromium` package, installed with apt-get when
# missing (as root), never downloaded from elsewhere. Prints the browser's path on stdout.
#   scripts/chromium.sh    print the path (installing the package first when it is missing)
# Environment: MCP_ACCESS_CHROMIUM, a browser to use as it is (checked to run, nothing installed).
set -euo pipefail

fail() {
  echo "chromium.sh: $*" >&2
  exit 1
}

found() {
  for c in "${MCP_ACCESS_CHROMIUM:-}" chromium chromium-browser; do
    [ -n "$c" ] || continue
    if command -v "$c" >/dev/null 2>&1; then
      command -v "$c"
      return 0
    fi
  done
  return 1
}

if path="$(found)"; then
  echo "$path"
  exit 0
fi
[ -z "${MCP_ACCESS_CHROMIUM:-}" ] || fail "MCP_ACCESS_CHROMIUM=$MCP_ACCESS_CHROMIUM is not an executable browser"
command -v apt-get >/dev/null 2>&1 ||
  fail "no chromium on PATH and no apt-get to install Debian's chromium package; install a Chromium and set MCP_ACCESS_CHROMIUM"
[ "$(id -u)" = 0 ] ||
  fail "no chromium on PATH; installing Debian's chromium package needs root (run as root, or: sudo apt-get install -y --no-install-recommends chromium)"
echo "chromium.sh: installing Debian's chromium package" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update >&2 || fail "apt-get update failed"
apt-get install -y --no-install-recommends chromium >&2 || fail "apt-get install chromium failed"
path="$(found)" || fail "the chromium package is installed but no chromium is on PATH"
echo "$path"
