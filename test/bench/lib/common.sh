# What the bench scripts share (sourced right after HERE is set): their settings' bounds, and process handling:
# every process they start runs in its own process group and is stopped on exit, with the temp folder ($TMP,
# set by the script). LOAD_PID: the load generator running now, if any (several: their PIDs, space-separated).
PIDS=()
LOAD_PID=
POLICY_RC_CREATED=

log() { printf '[bench] %s\n' "$*"; }

# pe-edge as the image runs it: node with the Dockerfile ENTRYPOINT's flags (IMAGE_NODE_FLAGS in
# operator/workers/young-generation.ts); {config} is replaced by the static configuration's path.
DEFAULT_PE_EDGE_CMD='node --max-semi-space-size=32 --no-maglev dist/operator/cli/main.js --configFile={config}'

# An environment setting as a whole number within [min, max]; anything else gives the default.
clamp() { # value min max default
  local v=$1
  [[ $v =~ ^[0-9]+$ ]] || v=$4
  ((v < $2)) && v=$2
  ((v > $3)) && v=$3
  echo "$v"
}

# The same for a decimal number of seconds (1.5).
clamp_seconds() { # value min max default
  local v=$1
  [[ $v =~ ^[0-9]+(\.[0-9]+)?$ ]] || v=$4
  awk -v v="$v" -v lo="$2" -v hi="$3" 'BEGIN { v += 0; if (v < lo) v = lo; if (v > hi) v = hi; print v }'
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
  for pid in $LOAD_PID; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  PIDS=()
  # lib/cpu-quota.sh's groups, once nothing runs in them.
  [[ $(type -t quota_cleanup) == function ]] && quota_cleanup
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

# ---------------------------------------------------------------------------------------------------------
# CPU per request and BENCH_PIN
# ---------------------------------------------------------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)

# group_cpu_ticks PGID : user + system CPU ticks (/proc/<pid>/stat, every thread) of every live process in a
# process group. start_bg makes each started process a group leader, so a proxy's workers are counted with it.
# Over a measured run, divided by its requests, this is the proxy's CPU per request: what its req/s would be on
# a core of its own, and far steadier than req/s when the load generator and the backends share the cores.
group_cpu_ticks() {
  local stats=() p
  for p in $(pgrep -g "$1" 2>/dev/null); do stats+=("/proc/$p/stat"); done
  ((${#stats[@]})) || return 0
  cat "${stats[@]}" 2>/dev/null | awk '{ sub(/^.*\) /, ""); s += $12 + $13 } END { print s }'
}

# BENCH_PIN: PIN_PROXY and PIN_LOAD are the commands that put a process on the proxy's CPU or on the load side's
# CPUs (empty: unpinned); PIN_DESC says so in the report.
PIN_PROXY=()
PIN_LOAD=()
PIN_DESC=
PROXY_CPUS=
LOAD_CPUS=
pin_setup() { # what runs on the load side, for PIN_DESC
  [[ -n ${BENCH_PIN:-} ]] || return 0
  local ncpu
  ncpu=$(nproc)
  if ((ncpu < 2)) || ! command -v taskset >/dev/null; then
    log "BENCH_PIN needs taskset and at least 2 CPUs ($ncpu here): not pinning"
    return 0
  fi
  PROXY_CPUS=$((ncpu - 1))
  LOAD_CPUS=0-$((ncpu - 2))
  PIN_PROXY=(taskset -c "$PROXY_CPUS")
  PIN_LOAD=(taskset -c "$LOAD_CPUS")
  PIN_DESC="Pinned (BENCH_PIN): each proxy on CPU $PROXY_CPUS alone (Caddy's GOMAXPROCS follows: 1), $1 on CPU $LOAD_CPUS; the notes give how busy each side was in every measured run."
}

# cpu_jiffies CPULIST : "busy total" jiffies summed over the CPUs of a taskset list (0-2, 3), from /proc/stat.
cpu_jiffies() {
  awk -v list="$1" 'BEGIN { n = split(list, parts, ","); for (i = 1; i <= n; i++) { if (split(parts[i], r, "-") == 2) { for (c = r[1]; c <= r[2]; c++) want["cpu" c] = 1 } else want["cpu" parts[i]] = 1 } }
    $1 in want { total = 0; for (i = 2; i <= NF; i++) total += $i; idle += $5 + $6; all += total }
    END { print all - idle, all }' /proc/stat
}
# busy_percent BEFORE AFTER : from two cpu_jiffies outputs.
busy_percent() { awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); t = y[2] - x[2]; printf("%d", (t > 0) ? 100 * (y[1] - x[1]) / t : 0) }'; }
PIN_BEFORE_LOAD= PIN_BEFORE_PROXY=
pin_start() { [[ -n $PIN_DESC ]] || return 0; PIN_BEFORE_LOAD=$(cpu_jiffies "$LOAD_CPUS"); PIN_BEFORE_PROXY=$(cpu_jiffies "$PROXY_CPUS"); }
# pin_note : "; cpu_busy=load:L,proxy:P" for the run since pin_start (nothing when unpinned).
pin_note() {
  [[ -n $PIN_DESC ]] || return 0
  printf '; cpu_busy=load:%s,proxy:%s' "$(busy_percent "$PIN_BEFORE_LOAD" "$(cpu_jiffies "$LOAD_CPUS")")" \
    "$(busy_percent "$PIN_BEFORE_PROXY" "$(cpu_jiffies "$PROXY_CPUS")")"
}

# wrk_counts OUT : "requests errors" that wrk reported (errors: non-2xx/3xx answers and socket errors), or h2load
# (requests: its 2xx and 3xx answers; errors: 4xx, 5xx, and requests that failed, erred or timed out).
wrk_counts() {
  awk '/ requests in / { n = $1 } /Non-2xx or 3xx responses:/ { bad += $NF }
    /Socket errors:/ { gsub(/,/, ""); bad += $4 + $6 + $8 + $10 }
    /^requests: .* total,/ { gsub(/,/, ""); bad += $10 + $12 + $14 }
    /^status codes: / { gsub(/,/, ""); n = $3 + $5; bad += $7 + $9 }
    END { print n + 0, bad + 0 }' "$1"
}
