#!/usr/bin/env bash
# A real MongoDB-wire server for tests and the local stack: FerretDB v1 (SQLite backend), built from the Go
# module proxy into a cache outside the repository, started on a loopback port.
#   scripts/ferretdb.sh build    build (once) and print the binary path
#   scripts/ferretdb.sh start    start unless running; prints the connection URI
#   scripts/ferretdb.sh stop     stop the server this script started
#   scripts/ferretdb.sh status   exit 0 and print the URI when running
# Environment: FERRETDB_PORT (default 27117), MCP_ACCESS_STATE_DIR, MCP_ACCESS_CACHE, and for an extra TLS
# listener FERRETDB_TLS_PORT with FERRETDB_TLS_CERT and FERRETDB_TLS_KEY (PEM files).
set -euo pipefail

FERRETDB_VERSION="${FERRETDB_VERSION:-v1.24.2}"
CACHE="${MCP_ACCESS_CACHE:-$HOME/.cache/mcp-gateway-access}"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${MCP_ACCESS_STATE_DIR:-$REPO/.local}/ferretdb"
PORT="${FERRETDB_PORT:-27117}"
# The wrapper's source is part of the cache key, so a change to it rebuilds.
RECIPE="$(sha256sum "$REPO/scripts/ferretdb/main.go" | cut -c1-12)"
BIN="$CACHE/ferretdb/$FERRETDB_VERSION-$RECIPE/ferretdb"

log() { echo "ferretdb: $*" >&2; }

build() {
  if [ -x "$BIN" ]; then echo "$BIN"; return; fi
  command -v go >/dev/null || { log "Go is required to build FerretDB (apt-get install golang, or put go on PATH)"; exit 1; }
  log "building FerretDB $FERRETDB_VERSION from the Go module proxy (a few minutes on a new machine)..."
  local src="$CACHE/ferretdb/$FERRETDB_VERSION-$RECIPE/src"
  mkdir -p "$src"
  cp "$REPO/scripts/ferretdb/main.go" "$src/main.go"
  cat > "$src/go.mod" <<GOMOD
module mcp-gateway-access/ferretdb-local

go 1.24
GOMOD
  (cd "$src" && go get "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" >&2 && go mod tidy >&2 &&
    go build -trimpath -ldflags "-s -w" -o "$BIN.tmp" . >&2)
  mv "$BIN.tmp" "$BIN"
  echo "$BIN"
}

uri() { echo "mongodb://127.0.0.1:$PORT/"; }

ping() {
  # A TCP connect is enough to tell it is listening; the driver checks the protocol.
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

running() {
  [ -f "$STATE/pid" ] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null
}

start() {
  build >/dev/null
  if running && ping; then uri; return; fi
  if ping; then log "port $PORT is in use by another program; set FERRETDB_PORT to a free port"; exit 1; fi
  mkdir -p "$STATE/data"
  log "starting on 127.0.0.1:$PORT (data in $STATE/data)"
  # Optional TLS listener (FERRETDB_TLS_PORT, FERRETDB_TLS_CERT, FERRETDB_TLS_KEY), as DocumentDB requires TLS.
  local tls=()
  if [ -n "${FERRETDB_TLS_PORT:-}" ]; then
    tls=(--listen-tls="127.0.0.1:$FERRETDB_TLS_PORT" --listen-tls-cert-file="$FERRETDB_TLS_CERT" --listen-tls-key-file="$FERRETDB_TLS_KEY")
  fi
  nohup "$BIN" --listen-addr="127.0.0.1:$PORT" --sqlite-url="file:$STATE/data/" "${tls[@]}" \
    >"$STATE/ferretdb.log" 2>&1 &
  echo $! >"$STATE/pid"
  for _ in $(seq 1 100); do
    if ping; then uri; return; fi
    if ! running; then break; fi
    sleep 0.2
  done
  log "did not start; last lines of $STATE/ferretdb.log:"
  tail -n 40 "$STATE/ferretdb.log" >&2 || true
  exit 1
}

stop() {
  if running; then
    local pid
    pid="$(cat "$STATE/pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    log "stopped"
  fi
  rm -f "$STATE/pid"
}

case "${1:-}" in
  build) build ;;
  start) start ;;
  stop) stop ;;
  status) if running && ping; then uri; else exit 1; fi ;;
  *) echo "usage: $0 build|start|stop|status" >&2; exit 2 ;;
esac
