#!/usr/bin/env bash
# Local Keycloak server for tests and the local stack.
#
# Usage: scripts/keycloak.sh start|stop|status|restart
#
#   start   Ensure the Keycloak distribution is cached (downloaded once from
#           Maven Central with mvn), start `kc.sh start-dev` on 127.0.0.1 unless
#           it is already running, wait until the master realm's OpenID
#           configuration answers and an admin token can be obtained, then
#           print the base URL (only that) on stdout.
#   stop    Stop the server started by this script (pid file) and wait for it.
#   status  Print the base URL and exit 0 if running and healthy, else exit 1.
#
# Environment (all optional):
#   KEYCLOAK_VERSION              distribution version (default below)
#   KEYCLOAK_PORT                 HTTP port (default 18080)
#   KEYCLOAK_MANAGEMENT_PORT      management (health) port (default KEYCLOAK_PORT+1000)
#   KEYCLOAK_START_TIMEOUT        seconds to wait for readiness (default 300)
#   KC_BOOTSTRAP_ADMIN_USERNAME   bootstrap admin user of the master realm (default admin)
#   KC_BOOTSTRAP_ADMIN_PASSWORD   its password (default admin)
#   MCP_ACCESS_CACHE              cache root (default $HOME/.cache/mcp-gateway-access)
#   MCP_ACCESS_STATE_DIR          state root (default <repo>/.local)
#   JAVA_OPTS_KC_HEAP             heap options (default "-Xms64m -Xmx768m")
#   KEYCLOAK_JVM_OPTS             extra JVM options (default "-XX:TieredStopAtLevel=1":
#                                 C1 only, halves startup CPU; set empty to disable)
#   KEYCLOAK_JAVA_HOME            JDK to run Keycloak with (else JAVA_HOME, java on
#                                 PATH, or a JDK 17+ under /usr/lib/jvm)
#
# State: $MCP_ACCESS_STATE_DIR/keycloak/{pid,keycloak.log,h2/,transaction-logs/}.
# The bootstrap admin is created only when the master realm is first created;
# to change its credentials, stop the server and delete the h2/ directory.
#
# The pid file, lock, start, stop and status are scripts/lib/service.sh's.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/service.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/service.sh"

KEYCLOAK_VERSION="${KEYCLOAK_VERSION:-26.7.3}"
PORT="${KEYCLOAK_PORT:-18080}"
if [[ -n "${KEYCLOAK_MANAGEMENT_PORT:-}" ]]; then
  MGMT_PORT="$KEYCLOAK_MANAGEMENT_PORT"
elif (( PORT + 1000 <= 65535 )); then
  MGMT_PORT=$(( PORT + 1000 ))
else
  MGMT_PORT=$(( PORT - 1000 ))
fi
BASE_URL="http://${HOST}:${PORT}"
ADMIN_USER="${KC_BOOTSTRAP_ADMIN_USERNAME:-admin}"
ADMIN_PASSWORD="${KC_BOOTSTRAP_ADMIN_PASSWORD:-admin}"
DIST_PARENT="$CACHE_ROOT/keycloak"
DIST_DIR="$DIST_PARENT/$KEYCLOAK_VERSION"

SERVICE_NAME=Keycloak
LOG_PREFIX="[keycloak] "
STATE_DIR="$STATE_ROOT/keycloak"
LOG_FILE="$STATE_DIR/keycloak.log"
SERVICE_PORTS=("$PORT:KEYCLOAK_PORT" "$MGMT_PORT:KEYCLOAK_MANAGEMENT_PORT")
# kc.sh, or the JVM it leaves behind.
SERVICE_MATCH=(kc.sh keycloak QuarkusEntryPoint)
SERVICE_NEEDS=(curl)
START_TIMEOUT="${KEYCLOAK_START_TIMEOUT:-300}"
STOP_TIMEOUT=60
POLL_INTERVAL=1

# ---------------------------------------------------------------- java

java_major() { # $1 = java binary; prints the major version or nothing
  local v
  v="$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1)" || true
  v="${v#1.}"
  printf '%s' "${v%%.*}"
}

find_java_home() { # prints a JAVA_HOME whose java is >= 17
  local cand major
  local -a cands=()
  [[ -n "${KEYCLOAK_JAVA_HOME:-}" ]] && cands+=("$KEYCLOAK_JAVA_HOME")
  [[ -n "${JAVA_HOME:-}" ]] && cands+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    cands+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for cand in /usr/lib/jvm/*17* /usr/lib/jvm/*21* /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    [[ -d "$cand" ]] && cands+=("$cand")
  done
  for cand in "${cands[@]}"; do
    [[ -x "$cand/bin/java" ]] || continue
    major="$(java_major "$cand/bin/java")"
    [[ "$major" =~ ^[0-9]+$ ]] || continue
    if (( major >= 17 )); then
      printf '%s' "$cand"
      return 0
    fi
  done
  return 1
}

# ---------------------------------------------------------------- distribution

ensure_dist() {
  if [[ -f "$DIST_DIR/.complete" && -x "$DIST_DIR/bin/kc.sh" ]]; then
    return 0
  fi
  # Serialise concurrent installs of the cache.
  local dist_lock
  hold_lock dist_lock "$DIST_PARENT/.lock"
  if [[ -f "$DIST_DIR/.complete" && -x "$DIST_DIR/bin/kc.sh" ]]; then
    release_lock "$dist_lock"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn (Maven) is required to download Keycloak $KEYCLOAK_VERSION (apt-get install -y maven)"
  command -v tar >/dev/null 2>&1 || die "tar is required"

  local tmp start
  tmp="$(mktemp -d "$DIST_PARENT/.download-$KEYCLOAK_VERSION.XXXXXX")"
  log "downloading org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:tar.gz from Maven Central ..."
  start=$SECONDS
  if ! (cd "$tmp" && mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
        -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:tar.gz" \
        -DoutputDirectory="$tmp" -Dmdep.overWriteReleases=true \
        >"$tmp/mvn.log" 2>&1); then
    tail -n 40 "$tmp/mvn.log" >&2 || true
    rm -rf "$tmp"
    die "could not download Keycloak $KEYCLOAK_VERSION with Maven (see above)"
  fi
  log "downloaded in $(( SECONDS - start ))s; unpacking ..."
  mkdir -p "$tmp/dist"
  tar -xzf "$tmp/keycloak-quarkus-dist-$KEYCLOAK_VERSION.tar.gz" -C "$tmp/dist" --strip-components=1 \
    || { rm -rf "$tmp"; die "could not unpack the Keycloak distribution"; }
  [[ -x "$tmp/dist/bin/kc.sh" ]] || { rm -rf "$tmp"; die "unexpected distribution layout (no bin/kc.sh)"; }
  touch "$tmp/dist/.complete"
  rm -rf "$DIST_DIR"
  mv "$tmp/dist" "$DIST_DIR"
  rm -rf "$tmp"
  log "Keycloak $KEYCLOAK_VERSION cached in $DIST_DIR"
  release_lock "$dist_lock"
}

# ---------------------------------------------------------------- the server

http_code() {
  curl -s -o /dev/null -m 5 -w '%{http_code}' "$1" 2>/dev/null || true
}

# Sets TOKEN_BODY to the token endpoint's answer; succeeds if it holds a token.
TOKEN_BODY=""
admin_token_ok() {
  TOKEN_BODY="$(curl -s -m 10 -X POST "$BASE_URL/realms/master/protocol/openid-connect/token" \
    --data-urlencode grant_type=password --data-urlencode client_id=admin-cli \
    --data-urlencode "username=$ADMIN_USER" --data-urlencode "password=$ADMIN_PASSWORD" 2>/dev/null)" || true
  [[ "$TOKEN_BODY" == *'"access_token"'* ]]
}

service_url() { printf '%s\n' "$BASE_URL"; }

# Healthy: the master realm's OpenID configuration answers and the bootstrap admin gets a token.
service_probe() {
  local well
  well="$(http_code "$BASE_URL/realms/master/.well-known/openid-configuration")"
  PROBE_NOTE="last HTTP status $well"
  [[ "$well" == 200 ]] || return 1
  admin_token_ok && return 0
  PROBE_NOTE="last HTTP status $well, token endpoint: $TOKEN_BODY"
  if [[ "$TOKEN_BODY" == *invalid_grant* ]]; then
    PROBE_NOTE="Keycloak answers but rejects the admin credentials of user '$ADMIN_USER': $TOKEN_BODY
(the bootstrap admin is only created with a new database: run '$0 stop', delete $STATE_DIR/h2 and start again)"
    return 2
  fi
  return 1
}

KC_JAVA_HOME=""
service_prepare() {
  ensure_dist
  KC_JAVA_HOME="$(find_java_home)" || die "no Java 17 or newer found (set KEYCLOAK_JAVA_HOME or JAVA_HOME)"
  mkdir -p "$STATE_DIR/h2" "$STATE_DIR/transaction-logs"
  log "starting Keycloak $KEYCLOAK_VERSION (java: $KC_JAVA_HOME) on $BASE_URL, management port $MGMT_PORT, state $STATE_DIR"
}

service_command() {
  local db_url="jdbc:h2:file:$STATE_DIR/h2/keycloakdb;NON_KEYWORDS=VALUE;DB_CLOSE_ON_EXIT=FALSE;DB_CLOSE_DELAY=0"
  cd "$STATE_DIR"
  export JAVA_HOME="$KC_JAVA_HOME"
  unset JAVA
  export KC_BOOTSTRAP_ADMIN_USERNAME="$ADMIN_USER"
  export KC_BOOTSTRAP_ADMIN_PASSWORD="$ADMIN_PASSWORD"
  export JAVA_OPTS_KC_HEAP="${JAVA_OPTS_KC_HEAP:--Xms64m -Xmx768m}"
  export JAVA_OPTS_APPEND="${JAVA_OPTS_APPEND:+$JAVA_OPTS_APPEND }${KEYCLOAK_JVM_OPTS--XX:TieredStopAtLevel=1} -Dquarkus.transaction-manager.object-store.directory=$STATE_DIR/transaction-logs"
  CMD=("$DIST_DIR/bin/kc.sh" start-dev
    --http-host="$HOST"
    --http-port="$PORT"
    --http-management-port="$MGMT_PORT"
    --health-enabled=true
    --db=dev-file
    --db-url="$db_url")
}

case "${1:-}" in
  start) service_start ;;
  stop) service_stop ;;
  status) service_status ;;
  restart) service_stop; service_start ;;
  *) echo "usage: $0 start|stop|status|restart" >&2; exit 2 ;;
esac
