# shellcheck shell=bash
# The supervision the service scripts share (scripts/ferretdb.sh, scripts/keycloak.sh, scripts/registry.sh):
# a pid file and a lock in the service's state folder, a start that waits for the service's health probe, a stop
# that waits for the server's process group, and a status. Sourced, never run. Each service runs on 127.0.0.1
# ($HOST), in its own session (setsid), with its output in $LOG_FILE (the previous start's in $LOG_FILE.1).
#
# What a service script sets before it calls service_start, service_stop or service_status:
#   SERVICE_NAME    its name in messages ("FerretDB")
#   LOG_PREFIX      the prefix of its messages on stderr ("[keycloak] ")
#   STATE_DIR       its state folder: pid file $STATE_DIR/pid, lock $STATE_DIR/lock
#   LOG_FILE        the server's output
#   SERVICE_PORTS   "port:VARIABLE" for each port it listens on; each must be free before a start (VARIABLE is the
#                   setting that moves it, for the message)
#   SERVICE_MATCH   words one of which the server's command line holds, so that a pid file whose process is gone
#                   and whose pid now belongs to another program is not taken for the server
#   SERVICE_NEEDS   commands a start and a status need (curl)
#   START_TIMEOUT   seconds a start waits for the probe
#   STOP_TIMEOUT    seconds a stop waits for the server to exit before it kills it
#   POLL_INTERVAL   seconds between two probes
# and the functions:
#   service_url      prints what start and status print on stdout (the URL or URI, nothing else)
#   service_probe    0 when the server answers as it should, 1 not yet, 2 it answers but never will (why in
#                    PROBE_NOTE); it may leave in PROBE_NOTE what it saw, for the messages
#   service_prepare  what a start does before the server runs (build, download, checks), in this shell
#   service_command  in the server's subshell, before it runs: its environment and folder, and CMD=(the command)

# shellcheck disable=SC2034 # read by the service scripts
HOST=127.0.0.1
LIB_REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE_ROOT="${MCP_ACCESS_CACHE:-${HOME:-/root}/.cache/mcp-gateway-access}"
STATE_ROOT="${MCP_ACCESS_STATE_DIR:-$LIB_REPO_DIR/.local}"
PROBE_NOTE=""
SERVICE_LOCK_FD=""

log() { printf '%s%s\n' "${LOG_PREFIX:-}" "$*" >&2; }
die() { printf '%sERROR: %s\n' "${LOG_PREFIX:-}" "$*" >&2; exit 1; }

# hold_lock VAR FILE: opens FILE on a new descriptor, waits for an exclusive lock on it (when flock is installed)
# and puts the descriptor in VAR. The lock lasts until release_lock "$VAR" or the end of the shell that took it.
# A lock VAR already holds is released first (restart: stop, then start).
hold_lock() {
  local lock_fd_
  if [[ -n "${!1:-}" ]]; then release_lock "${!1}"; fi
  mkdir -p "$(dirname "$2")"
  exec {lock_fd_}>"$2"
  if command -v flock >/dev/null 2>&1; then flock "$lock_fd_"; fi
  printf -v "$1" '%s' "$lock_fd_"
}

release_lock() {
  local fd="$1"
  exec {fd}>&-
}

# alive PID: the process runs (a zombie, dead but not yet reaped by its parent, does not).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local stat=""
  stat="$(cat "/proc/$1/stat" 2>/dev/null || true)"
  [[ "${stat##*) }" != Z* ]]
}

port_open() { # $1 = port: something listens on it
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# Prints the pid of the pid file when that process is alive and is the server (by SERVICE_MATCH); else fails.
service_pid() {
  local pid="" cmd word
  [[ -f "$STATE_DIR/pid" ]] && pid="$(tr -dc '0-9' <"$STATE_DIR/pid" 2>/dev/null || true)"
  [[ -n "$pid" ]] && alive "$pid" || return 1
  # An unreadable command line (another user's process) counts as the server, as kill -0 succeeded.
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  if [[ -n "$cmd" ]]; then
    for word in "${SERVICE_MATCH[@]}"; do
      if [[ "$cmd" == *"$word"* ]]; then
        printf '%s' "$pid"
        return 0
      fi
    done
    return 1
  fi
  printf '%s' "$pid"
}

service_need() {
  local c
  for c in "${SERVICE_NEEDS[@]}"; do
    command -v "$c" >/dev/null 2>&1 || die "$c is required"
  done
}

service_log_tail() {
  if [[ -f "$LOG_FILE" ]]; then
    log "last 40 lines of $LOG_FILE:"
    tail -n 40 "$LOG_FILE" >&2 || true
  fi
}

# Stops the process group the server leads (it was started with setsid), or the server alone; KILL after
# STOP_TIMEOUT seconds.
service_kill() { # $1 = pid
  local pid="$1" i
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    log "process $pid did not exit after ${STOP_TIMEOUT}s; sending KILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      alive "$pid" || break
      sleep 0.1
    done
  fi
  # What the server started may be left in its process group (Keycloak's JVM under kc.sh).
  if kill -0 -- "-$pid" 2>/dev/null; then
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  return 0
}

service_fail() { # $1 = pid, $2 = stop it (1) or leave it running (0); exits
  service_log_tail
  if [[ "$2" == 1 ]]; then
    service_kill "$1"
    rm -f "$STATE_DIR/pid"
  fi
  exit 1
}

# Waits until the probe passes; exits when the server exits, cannot answer, or START_TIMEOUT passes.
service_wait() { # $1 = pid, $2 = stop it on failure (1) or not (0)
  local pid="$1" kill_on_fail="$2" start=$SECONDS last=$SECONDS rc
  log "waiting up to ${START_TIMEOUT}s for $(service_url) ..."
  while :; do
    if ! alive "$pid"; then
      log "$SERVICE_NAME exited during startup"
      service_log_tail
      rm -f "$STATE_DIR/pid"
      exit 1
    fi
    rc=0
    service_probe || rc=$?
    if ((rc == 0)); then
      log "ready after $((SECONDS - start))s"
      return 0
    fi
    if ((rc == 2)); then
      log "$PROBE_NOTE"
      service_fail "$pid" "$kill_on_fail"
    fi
    if ((SECONDS - start >= START_TIMEOUT)); then
      log "not ready after ${START_TIMEOUT}s${PROBE_NOTE:+ ($PROBE_NOTE)}"
      service_fail "$pid" "$kill_on_fail"
    fi
    if ((SECONDS - last >= 10)); then
      last=$SECONDS
      log "... still starting ($((SECONDS - start))s${PROBE_NOTE:+, $PROBE_NOTE}; log: $LOG_FILE)"
    fi
    sleep "$POLL_INTERVAL"
  done
}

# Starts the server unless it runs (then waits until it answers), and prints service_url.
service_start() {
  local pid rc=0 spec
  service_need
  hold_lock SERVICE_LOCK_FD "$STATE_DIR/lock"
  if pid="$(service_pid)"; then
    service_probe || rc=$?
    if ((rc != 0)); then
      log "$SERVICE_NAME is already running (pid $pid)"
      service_wait "$pid" 0
    fi
    service_url
    return 0
  fi
  rm -f "$STATE_DIR/pid"
  for spec in "${SERVICE_PORTS[@]}"; do
    if port_open "${spec%%:*}"; then
      die "port ${spec%%:*} on $HOST is already in use by something that is not this script's $SERVICE_NAME (pid file $STATE_DIR/pid); stop it or set ${spec#*:}"
    fi
  done
  service_prepare
  if [[ -f "$LOG_FILE" ]]; then mv -f "$LOG_FILE" "$LOG_FILE.1"; fi
  (
    exec {SERVICE_LOCK_FD}>&-
    CMD=()
    service_command
    exec setsid "${CMD[@]}"
  ) </dev/null >"$LOG_FILE" 2>&1 &
  pid=$!
  printf '%s\n' "$pid" >"$STATE_DIR/pid"
  log "pid $pid, log $LOG_FILE"
  service_wait "$pid" 1
  service_url
}

service_stop() {
  local pid
  hold_lock SERVICE_LOCK_FD "$STATE_DIR/lock"
  if pid="$(service_pid)"; then
    log "stopping $SERVICE_NAME (pid $pid) ..."
    service_kill "$pid"
    log "stopped"
  else
    log "$SERVICE_NAME is not running (its pid file $STATE_DIR/pid names no live server)"
  fi
  rm -f "$STATE_DIR/pid"
}

# Prints service_url and succeeds when the server runs and answers; else fails.
service_status() {
  local pid rc=0
  service_need
  if pid="$(service_pid)"; then
    service_probe || rc=$?
    if ((rc == 0)); then
      service_url
      return 0
    fi
    log "$SERVICE_NAME (pid $pid) is running but not healthy yet${PROBE_NOTE:+ ($PROBE_NOTE)}"
  else
    log "$SERVICE_NAME is not running"
  fi
  return 1
}
