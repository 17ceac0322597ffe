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
set -euo pipefail

KEYCLOAK_VERSION="${KEYCLOAK_VERSION:-26.7.3}"
PORT="${KEYCLOAK_PORT:-18080}"
if [[ -n "${KEYCLOAK_MANAGEMENT_PORT:-}" ]]; then
  MGMT_PORT="$KEYCLOAK_MANAGEMENT_PORT"
elif (( PORT + 1000 <= 65535 )); then
  MGMT_PORT=$(( PORT + 1000 ))
else
  MGMT_PORT=$(( PORT - 1000 ))
fi
HOST=127.0.0.1
BASE_URL="http://${HOST}:${PORT}"
START_TIMEOUT="${KEYCLOAK_START_TIMEOUT:-300}"
ADMIN_USER="${KC_BOOTSTRAP_ADMIN_USERNAME:-admin}"
ADMIN_PASSWORD="${KC_BOOTSTRAP_ADMIN_PASSWORD:-admin}"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"
CACHE_ROOT="${MCP_ACCESS_CACHE:-${HOME:-/root}/.cache/mcp-gateway-access}"
DIST_PARENT="$CACHE_ROOT/keycloak"
DIST_DIR="$DIST_PARENT/$KEYCLOAK_VERSION"
STATE_DIR="${MCP_ACCESS_STATE_DIR:-$REPO_DIR/.local}/keycloak"
PID_FILE="$STATE_DIR/pid"
LOG_FILE="$STATE_DIR/keycloak.log"

log() { printf '[keycloak] %s\n' "$*" >&2; }
die() { printf '[keycloak] ERROR: %s\n' "$*" >&2; exit 1; }

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
  mkdir -p "$DIST_PARENT"
  # Serialise concurrent installs of the cache.
  exec 8>"$DIST_PARENT/.lock"
  if command -v flock >/dev/null 2>&1; then
    flock 8
  fi
  if [[ -f "$DIST_DIR/.complete" && -x "$DIST_DIR/bin/kc.sh" ]]; then
    exec 8>&-
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
  exec 8>&-
}

# ---------------------------------------------------------------- process helpers

read_pid() {
  local pid=""
  [[ -f "$PID_FILE" ]] && pid="$(tr -dc '0-9' <"$PID_FILE" 2>/dev/null || true)"
  printf '%s' "$pid"
}

# Our server: the pid in the pid file is alive and is kc.sh / Keycloak's JVM.
our_pid_alive() {
  local pid="$1"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  local cmd
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ -z "$cmd" || "$cmd" == *kc.sh* || "$cmd" == *keycloak* || "$cmd" == *QuarkusEntryPoint* ]]
}

port_in_use() { # $1 = port
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

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

healthy() {
  [[ "$(http_code "$BASE_URL/realms/master/.well-known/openid-configuration")" == 200 ]] && admin_token_ok
}

stop_pid() { # $1 = pid (process group leader started by us)
  local pid="$1" i
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for (( i = 0; i < 120; i++ )); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "process $pid did not exit after 60s; sending KILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    for (( i = 0; i < 20; i++ )); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
  fi
  # kc.sh may have left its JVM in the same process group.
  if kill -0 -- "-$pid" 2>/dev/null; then
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  return 0
}

show_log_tail() {
  if [[ -f "$LOG_FILE" ]]; then
    log "last 40 lines of $LOG_FILE:"
    tail -n 40 "$LOG_FILE" >&2 || true
  fi
}

# ---------------------------------------------------------------- commands

fail_start() { # $1 = pid, $2 = stop it (1) or leave it running (0)
  show_log_tail
  if [[ "$2" == 1 ]]; then
    stop_pid "$1"
    rm -f "$PID_FILE"
  fi
  exit 1
}

wait_ready() { # $1 = pid, $2 = stop it on failure (1/0)
  local pid="$1" kill_on_fail="${2:-1}" start=$SECONDS last=-100 well=000
  log "waiting up to ${START_TIMEOUT}s for $BASE_URL ..."
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "Keycloak exited during startup"
      show_log_tail
      rm -f "$PID_FILE"
      exit 1
    fi
    well="$(http_code "$BASE_URL/realms/master/.well-known/openid-configuration")"
    if [[ "$well" == 200 ]]; then
      if admin_token_ok; then
        log "ready after $(( SECONDS - start ))s"
        return 0
      fi
      if [[ "$TOKEN_BODY" == *invalid_grant* ]]; then
        log "Keycloak answers but rejects the admin credentials of user '$ADMIN_USER': $TOKEN_BODY"
        log "(the bootstrap admin is only created with a new database: run '$0 stop', delete $STATE_DIR/h2 and start again)"
        fail_start "$pid" "$kill_on_fail"
      fi
    fi
    if (( SECONDS - start >= START_TIMEOUT )); then
      log "not ready after ${START_TIMEOUT}s (last HTTP status $well${TOKEN_BODY:+, token endpoint: $TOKEN_BODY})"
      fail_start "$pid" "$kill_on_fail"
    fi
    if (( SECONDS - last >= 10 )); then
      last=$SECONDS
      log "... still starting ($(( SECONDS - start ))s, last HTTP status $well; log: $LOG_FILE)"
    fi
    sleep 1
  done
}

lock_state() { # serialise start/stop on one state dir (fd 9, closed for the server)
  mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/lock"
  if command -v flock >/dev/null 2>&1; then
    flock 9
  fi
}

cmd_start() {
  command -v curl >/dev/null 2>&1 || die "curl is required"
  lock_state

  local pid
  pid="$(read_pid)"
  if our_pid_alive "$pid"; then
    log "Keycloak already running (pid $pid)"
    wait_ready "$pid" 0
    printf '%s\n' "$BASE_URL"
    return 0
  fi
  rm -f "$PID_FILE"

  if port_in_use "$PORT"; then
    die "port $PORT on $HOST is already in use by something that is not this script's Keycloak (pid file $PID_FILE); stop it or set KEYCLOAK_PORT"
  fi
  if port_in_use "$MGMT_PORT"; then
    die "management port $MGMT_PORT on $HOST is already in use; stop that process or set KEYCLOAK_MANAGEMENT_PORT"
  fi

  ensure_dist

  local java_home
  java_home="$(find_java_home)" || die "no Java 17 or newer found (set KEYCLOAK_JAVA_HOME or JAVA_HOME)"

  mkdir -p "$STATE_DIR/h2" "$STATE_DIR/transaction-logs"
  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"

  local db_url="jdbc:h2:file:$STATE_DIR/h2/keycloakdb;NON_KEYWORDS=VALUE;DB_CLOSE_ON_EXIT=FALSE;DB_CLOSE_DELAY=0"
  log "starting Keycloak $KEYCLOAK_VERSION (java: $java_home) on $BASE_URL, management port $MGMT_PORT, state $STATE_DIR"
  (
    exec 9>&-
    cd "$STATE_DIR"
    export JAVA_HOME="$java_home"
    unset JAVA
    export KC_BOOTSTRAP_ADMIN_USERNAME="$ADMIN_USER"
    export KC_BOOTSTRAP_ADMIN_PASSWORD="$ADMIN_PASSWORD"
    export JAVA_OPTS_KC_HEAP="${JAVA_OPTS_KC_HEAP:--Xms64m -Xmx768m}"
    export JAVA_OPTS_APPEND="${JAVA_OPTS_APPEND:+$JAVA_OPTS_APPEND }${KEYCLOAK_JVM_OPTS--XX:TieredStopAtLevel=1} -Dquarkus.transaction-manager.object-store.directory=$STATE_DIR/transaction-logs"
    exec setsid "$DIST_DIR/bin/kc.sh" start-dev \
      --http-host="$HOST" \
      --http-port="$PORT" \
      --http-management-port="$MGMT_PORT" \
      --health-enabled=true \
      --db=dev-file \
      --db-url="$db_url" \
      </dev/null >"$LOG_FILE" 2>&1
  ) &
  pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"
  log "pid $pid, log $LOG_FILE"
  wait_ready "$pid" 1
  printf '%s\n' "$BASE_URL"
}

cmd_stop() {
  local pid
  lock_state
  pid="$(read_pid)"
  if our_pid_alive "$pid"; then
    log "stopping Keycloak (pid $pid) ..."
    stop_pid "$pid"
    log "stopped"
  else
    log "Keycloak is not running (no live pid in $PID_FILE)"
  fi
  rm -f "$PID_FILE"
}

cmd_status() {
  local pid
  pid="$(read_pid)"
  if our_pid_alive "$pid" && command -v curl >/dev/null 2>&1 && healthy; then
    printf '%s\n' "$BASE_URL"
    return 0
  fi
  if our_pid_alive "$pid"; then
    log "Keycloak (pid $pid) is running but not healthy yet"
  else
    log "Keycloak is not running"
  fi
  return 1
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  restart) cmd_stop; cmd_start ;;
  *) echo "usage: $0 start|stop|status|restart" >&2; exit 2 ;;
esac
