#!/usr/bin/env bash
# A real MongoDB-wire server for tests and the local stack: FerretDB v1 (SQLite backend), built from the Go
# module proxy into a cache outside the repository, started on a loopback port.
#   scripts/ferretdb.sh build    build (once) and print the binary path
#   scripts/ferretdb.sh start    start unless running; prints the connection URI
#   scripts/ferretdb.sh stop     stop the server this script started
#   scripts/ferretdb.sh status   exit 0 and print the URI when running
# Environment: FERRETDB_PORT (default 27117), MCP_ACCESS_STATE_DIR, MCP_ACCESS_CACHE, and for an extra TLS
# listener FERRETDB_TLS_PORT with FERRETDB_TLS_CERT and FERRETDB_TLS_KEY (PEM files).
# The pid file, lock, start, stop and status are scripts/lib/service.sh's.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/service.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/service.sh"

FERRETDB_VERSION="${FERRETDB_VERSION:-v1.24.2}"
REPO="$LIB_REPO_DIR"
PORT="${FERRETDB_PORT:-27117}"
# The wrapper's source is part of the cache key, so a change to it rebuilds.
RECIPE="$(sha256sum "$REPO/scripts/ferretdb/main.go" | cut -c1-12)"
BIN="$CACHE_ROOT/ferretdb/$FERRETDB_VERSION-$RECIPE/ferretdb"

SERVICE_NAME=FerretDB
LOG_PREFIX="ferretdb: "
STATE_DIR="$STATE_ROOT/ferretdb"
LOG_FILE="$STATE_DIR/ferretdb.log"
SERVICE_PORTS=("$PORT:FERRETDB_PORT")
SERVICE_MATCH=(ferretdb)
SERVICE_NEEDS=()
START_TIMEOUT=20
STOP_TIMEOUT=5
POLL_INTERVAL=0.2

build() {
  if [ -x "$BIN" ]; then echo "$BIN"; return; fi
  command -v go >/dev/null || die "Go is required to build FerretDB (apt-get install golang, or put go on PATH)"
  # One build at a time per cache.
  local build_lock
  hold_lock build_lock "$CACHE_ROOT/ferretdb/.lock"
  if [ -x "$BIN" ]; then release_lock "$build_lock"; echo "$BIN"; return; fi
  log "building FerretDB $FERRETDB_VERSION from the Go module proxy (a few minutes on a new machine)..."
  local src="$CACHE_ROOT/ferretdb/$FERRETDB_VERSION-$RECIPE/src"
  mkdir -p "$src"
  cp "$REPO/scripts/ferretdb/main.go" "$src/main.go"
  cat > "$src/go.mod" <<GOMOD
module mcp-gateway-access/ferretdb-local

go 1.24
GOMOD
  (cd "$src" && go get "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" >&2 && go mod tidy >&2 &&
    go build -trimpath -ldflags "-s -w" -o "$BIN.tmp" . >&2)
  mv "$BIN.tmp" "$BIN"
  release_lock "$build_lock"
  echo "$BIN"
}

service_url() { echo "mongodb://$HOST:$PORT/"; }

# A TCP connect is enough to tell it is listening; the driver checks the protocol.
service_probe() { port_open "$PORT"; }

service_prepare() {
  build >/dev/null
  mkdir -p "$STATE_DIR/data"
  log "starting on $HOST:$PORT (data in $STATE_DIR/data)"
}

service_command() {
  CMD=("$BIN" --listen-addr="$HOST:$PORT" --sqlite-url="file:$STATE_DIR/data/")
  # Optional TLS listener (FERRETDB_TLS_PORT, FERRETDB_TLS_CERT, FERRETDB_TLS_KEY), as DocumentDB requires TLS.
  if [ -n "${FERRETDB_TLS_PORT:-}" ]; then
    CMD+=(--listen-tls="$HOST:$FERRETDB_TLS_PORT" --listen-tls-cert-file="$FERRETDB_TLS_CERT"
      --listen-tls-key-file="$FERRETDB_TLS_KEY")
  fi
}

case "${1:-}" in
  build) build ;;
  start) service_start ;;
  stop) service_stop ;;
  status) service_status ;;
  *) echo "usage: $0 build|start|stop|status" >&2; exit 2 ;;
esac
