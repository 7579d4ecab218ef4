# What the bench scripts share (sourced right after HERE is set): their settings' bounds, and process handling:
# every process they start runs in its own process group and is stopped on exit, with the temp folder ($TMP,
# set by the script). LOAD_PID: the load generator running now, if any.
PIDS=()
LOAD_PID=
POLICY_RC_CREATED=

log() { printf '[bench] %s\n' "$*"; }

# An environment setting as a whole number within [min, max]; anything else gives the default.
clamp() { # value min max default
  local v=$1
  [[ $v =~ ^[0-9]+$ ]] || v=$4
  ((v < $2)) && v=$2
  ((v > $3)) && v=$3
  echo "$v"
}

# Stop one process started by start_bg: its whole process group (setsid made it the leader), TERM then KILL.
stop_pid() {
  local pid=$1 i
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 30; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

cleanup() {
  local pid
  [[ -n $LOAD_PID ]] && kill -TERM "$LOAD_PID" 2>/dev/null
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  PIDS=()
  [[ -n $POLICY_RC_CREATED ]] && rm -f /usr/sbin/policy-rc.d
  [[ -n ${TMP:-} ]] || return 0
  if [[ -n ${BENCH_KEEP_TMP:-} ]]; then log "temp folder kept: $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_bg LOGFILE CMD... : run CMD in its own process group; sets STARTED_PID.
start_bg() {
  local logfile=$1
  shift
  setsid "$@" >"$logfile" 2>&1 </dev/null &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
}

# stop_started PID : stop one process and forget it.
stop_started() {
  local pid=$1 keep=() p
  stop_pid "$pid"
  for p in "${PIDS[@]}"; do [[ $p == "$pid" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}

fill() { # template out key=value...
  local tmpl=$1 out=$2 expr=() kv
  shift 2
  for kv in "$@"; do expr+=(-e "s|@${kv%%=*}@|${kv#*=}|g"); done
  sed "${expr[@]}" "$tmpl" >"$out"
}

free_port() { node "$HERE/lib/net.mjs" free-ports 1; }
