#!/usr/bin/env bash
# The MCP Gateway Registry's own auth server (agentic-community/mcp-gateway-registry, `auth_server/server.py`)
# as a real service of the tests: the judge of what the registry decides.
#
# Usage: scripts/registry.sh install|start|stop|status|python [args...]
#
#   install  Ensure the registry's source (at the pinned revision) and a virtualenv with the auth server's
#            locked dependencies are cached; print the cache folder (it holds src/ and venv/).
#   start    install, then run `uvicorn server:app` on 127.0.0.1 (unless already running with this state
#            folder), wait until GET /health answers, print the base URL (only that) on stdout.
#            The auth server's own settings come from the environment (KEYCLOAK_URL, KEYCLOAK_REALM,
#            KEYCLOAK_CLIENT_ID/SECRET, KEYCLOAK_M2M_CLIENT_ID/SECRET, MONGODB_CONNECTION_STRING,
#            DOCUMENTDB_DATABASE, DOCUMENTDB_NAMESPACE, ...; see the README's "The registry's auth server").
#   stop     Stop the server started with this state folder, and wait for it.
#   status   Print the base URL and exit 0 if it is running and healthy, else exit 1.
#   python   Run the venv's Python with the registry on PYTHONPATH, from the source root (the registry's own
#            scripts: `scripts/registry.sh python scripts/init-mongodb-ce.py`).
#
# Environment (all optional):
#   MCP_REGISTRY_SOURCE          a checkout of the registry, or a .tar.gz source archive of it (offline machines);
#                                unset: `git clone` of MCP_REGISTRY_GIT_URL at MCP_REGISTRY_REVISION
#   MCP_REGISTRY_SOURCE_SHA256   the archive's sha256 (default: the pinned archive's); checked before unpacking
#   MCP_REGISTRY_REVISION        the commit the tests follow (default below)
#   MCP_REGISTRY_GIT_URL         where to clone from (default: the upstream repository)
#   MCP_REGISTRY_PYTHON          a Python >= 3.13 (default: python3.14 or python3.13 on PATH or under pyenv)
#   REGISTRY_AUTH_PORT           the auth server's port (default 18888)
#   REGISTRY_START_TIMEOUT       seconds to wait for /health (default 120)
#   MCP_ACCESS_CACHE             cache root (default $HOME/.cache/mcp-gateway-access)
#   MCP_ACCESS_STATE_DIR         state root (default <repo>/.local); state in <root>/registry/{pid,auth-server.log}
#
# The pid file, lock, start, stop and status are scripts/lib/service.sh's.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/service.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/service.sh"

REVISION="${MCP_REGISTRY_REVISION:-8c5b834be29da0218226623c610b03ed5763c337}"
PINNED_ARCHIVE_SHA256="ab794ff190a5bd972d265672b9a26077a9d5c0c0813fcb411156daf8b6ad7592"
GIT_URL="${MCP_REGISTRY_GIT_URL:-https://github.com/agentic-community/mcp-gateway-registry.git}"
UV_VERSION="0.13.9"
PORT="${REGISTRY_AUTH_PORT:-18888}"
BASE_URL="http://${HOST}:${PORT}"
REGISTRY_CACHE="$CACHE_ROOT/registry"

SERVICE_NAME="the auth server"
LOG_PREFIX="[registry] "
STATE_DIR="$STATE_ROOT/registry"
LOG_FILE="$STATE_DIR/auth-server.log"
SERVICE_PORTS=("$PORT:REGISTRY_AUTH_PORT")
SERVICE_MATCH=(uvicorn)
SERVICE_NEEDS=(curl)
START_TIMEOUT="${REGISTRY_START_TIMEOUT:-120}"
STOP_TIMEOUT=10
POLL_INTERVAL=0.5

# ---------------------------------------------------------------- source

# Prints the folder holding the registry's source (auth_server/, registry/, scripts/).
ensure_source() {
  local src="${MCP_REGISTRY_SOURCE:-}"
  if [[ -n "$src" && -d "$src" ]]; then
    [[ -f "$src/auth_server/server.py" ]] || die "MCP_REGISTRY_SOURCE=$src has no auth_server/server.py"
    (cd "$src" && pwd)
    return 0
  fi
  local dest tmp
  if [[ -n "$src" ]]; then
    [[ -f "$src" ]] || die "MCP_REGISTRY_SOURCE=$src is neither a folder nor a file"
    local want="${MCP_REGISTRY_SOURCE_SHA256:-$PINNED_ARCHIVE_SHA256}" got
    dest="$REGISTRY_CACHE/src-$want"
    if [[ ! -f "$dest/.complete" ]]; then
      hold_lock src_lock "$REGISTRY_CACHE/.lock-src"
      if [[ ! -f "$dest/.complete" ]]; then
        got="$(sha256sum "$src" | cut -d' ' -f1)"
        [[ "$got" == "$want" ]] || die "$src: sha256 $got, expected $want (set MCP_REGISTRY_SOURCE_SHA256 for another archive)"
        log "unpacking $src ..."
        rm -rf "$dest" && tmp="$(mktemp -d "$REGISTRY_CACHE/.src.XXXXXX")"
        tar xzf "$src" -C "$tmp"
        # The archive holds one top-level folder.
        local top
        top="$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n1)"
        [[ -f "$top/auth_server/server.py" ]] || die "$src holds no auth_server/server.py"
        mv "$top" "$dest" && rm -rf "$tmp"
        touch "$dest/.complete"
      fi
    fi
    printf '%s' "$dest"
    return 0
  fi
  dest="$REGISTRY_CACHE/src-$REVISION"
  if [[ ! -f "$dest/.complete" ]]; then
    hold_lock src_lock "$REGISTRY_CACHE/.lock-src"
    if [[ ! -f "$dest/.complete" ]]; then
      command -v git >/dev/null 2>&1 || die "git is required to fetch the registry (or set MCP_REGISTRY_SOURCE)"
      log "fetching $GIT_URL at $REVISION ..."
      rm -rf "$dest" && mkdir -p "$dest"
      git -C "$dest" init -q
      git -C "$dest" fetch -q --depth 1 "$GIT_URL" "$REVISION" >&2 \
        || die "could not fetch $GIT_URL $REVISION; offline, set MCP_REGISTRY_SOURCE to a source archive or checkout"
      git -C "$dest" checkout -q FETCH_HEAD
      touch "$dest/.complete"
    fi
  fi
  printf '%s' "$dest"
}

# ---------------------------------------------------------------- python and the locked dependencies

find_python() {
  local cand v
  local -a cands=()
  [[ -n "${MCP_REGISTRY_PYTHON:-}" ]] && cands+=("$MCP_REGISTRY_PYTHON")
  for v in 3.14 3.13; do
    command -v "python$v" >/dev/null 2>&1 && cands+=("$(command -v "python$v")")
    for cand in "${PYENV_ROOT:-${HOME:-/root}/.pyenv}"/versions/"$v"*/bin/python"$v"; do
      [[ -x "$cand" ]] && cands+=("$cand")
    done
  done
  for cand in "${cands[@]}"; do
    # A pyenv shim exists for versions that are not selected: ask the interpreter itself.
    if "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 13) else 1)' >/dev/null 2>&1; then
      printf '%s' "$cand"
      return 0
    fi
  done
  return 1
}

# Prints the cache folder <key>/ with src -> the source and venv/ with the auth server's locked dependencies.
ensure_install() {
  local src python uvdir key home
  src="$(ensure_source)"
  python="$(find_python)" || die "no Python >= 3.13 found (the auth server needs it): install one (pyenv, apt) or set MCP_REGISTRY_PYTHON"
  [[ -f "$src/auth_server/uv.lock" ]] || die "$src/auth_server/uv.lock is missing"
  key="$( { sha256sum "$src/auth_server/uv.lock" | cut -d' ' -f1; "$python" -c 'import sys; print(sys.version)'; echo "$UV_VERSION"; } | sha256sum | cut -c1-16)"
  home="$REGISTRY_CACHE/env-$key"
  if [[ ! -f "$home/.complete" ]]; then
    hold_lock env_lock "$REGISTRY_CACHE/.lock-env"
    if [[ ! -f "$home/.complete" ]]; then
      uvdir="$REGISTRY_CACHE/uv-$UV_VERSION"
      if [[ ! -x "$uvdir/bin/uv" ]]; then
        log "installing uv $UV_VERSION from PyPI ..."
        rm -rf "$uvdir"
        "$python" -m venv "$uvdir" >&2
        "$uvdir/bin/pip" install -q --disable-pip-version-check "uv==$UV_VERSION" >&2
      fi
      rm -rf "$home" && mkdir -p "$home"
      log "installing the auth server's locked dependencies (auth_server/uv.lock) with $python ..."
      # The versions exactly as locked. The lock targets Python 3.14 and records only cp314 wheels: on 3.13 the
      # hashes cannot match a wheel, and checking them would build pydantic-core, cryptography etc. from source.
      local hashes=()
      "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 14) else 1)' || hashes=(--no-hashes)
      (cd "$src/auth_server" && UV_PYTHON_DOWNLOADS=never "$uvdir/bin/uv" export --frozen --no-dev \
        --no-emit-project "${hashes[@]}" -o "$home/requirements.txt" >&2)
      UV_PYTHON_DOWNLOADS=never "$uvdir/bin/uv" venv -q -p "$python" "$home/venv" >&2
      VIRTUAL_ENV="$home/venv" UV_PYTHON_DOWNLOADS=never "$uvdir/bin/uv" pip install -q --only-binary :all: \
        -r "$home/requirements.txt" >&2 || die "installing the auth server's dependencies failed"
      touch "$home/.complete"
    fi
  fi
  ln -sfn "$src" "$home/src"
  printf '%s' "$home"
}

# ---------------------------------------------------------------- the server

service_url() { printf '%s\n' "$BASE_URL"; }

service_probe() {
  curl -fsS -m 3 "$BASE_URL/health" >/dev/null 2>&1
}

# The container's /app layout and the settings the registry's code needs at import; everything else comes from
# the caller's environment.
registry_env() { # $1 = the cache folder of ensure_install
  export PYTHONPATH="$1/src/auth_server:$1/src"
  export AUTH_PROVIDER="${AUTH_PROVIDER:-keycloak}"
  export KEYCLOAK_EXTERNAL_URL="${KEYCLOAK_EXTERNAL_URL:-${KEYCLOAK_URL:-}}"
  export KEYCLOAK_REALM="${KEYCLOAK_REALM:-mcp-gateway}"
  export STORAGE_BACKEND="${STORAGE_BACKEND:-mongodb-ce}"
  export DOCUMENTDB_USE_TLS="${DOCUMENTDB_USE_TLS:-false}"
  export DOCUMENTDB_DIRECT_CONNECTION="${DOCUMENTDB_DIRECT_CONNECTION:-true}"
  export DOCUMENTDB_DATABASE="${DOCUMENTDB_DATABASE:-mcp_registry}"
  export DOCUMENTDB_NAMESPACE="${DOCUMENTDB_NAMESPACE:-default}"
  # Required at import; random per start, never stored.
  export SECRET_KEY="${SECRET_KEY:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
  export AUTH_SERVER_NGINX_MARKER_SECRET="${AUTH_SERVER_NGINX_MARKER_SECRET:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
  export OTEL_SDK_DISABLED="${OTEL_SDK_DISABLED:-true}"
}

REGISTRY_HOME=""
service_prepare() {
  REGISTRY_HOME="$(ensure_install)"
  : "${KEYCLOAK_URL:?KEYCLOAK_URL must name the Keycloak the auth server validates tokens against}"
  : "${MONGODB_CONNECTION_STRING:?MONGODB_CONNECTION_STRING must name the registry database}"
  mkdir -p "$STATE_DIR"
  log "starting the auth server on $BASE_URL (log: $LOG_FILE) ..."
}

service_command() {
  cd "$REGISTRY_HOME/src/auth_server"
  registry_env "$REGISTRY_HOME"
  CMD=("$REGISTRY_HOME/venv/bin/python" -m uvicorn server:app --host "$HOST" --port "$PORT" --log-level warning)
}

case "${1:-}" in
  install) ensure_install; echo ;;
  start) service_start ;;
  stop) service_stop ;;
  status) service_status ;;
  python)
    shift
    home="$(ensure_install)"
    cd "$home/src"
    registry_env "$home"
    exec "$home/venv/bin/python" "$@"
    ;;
  *) die "usage: scripts/registry.sh install|start|stop|status|python [args...]" ;;
esac
