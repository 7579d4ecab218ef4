#!/usr/bin/env bash
# Proxy throughput benchmark (`npm run bench`).
#
# Starts three small backends on 127.0.0.1 and measures, in the same run and with the same wrk settings
# (HTTP/1.1 keep-alive, wrk -t1 -c50, a short warm-up first): the backend directly, HAProxy (1 thread),
# Caddy, and pe-edge (plus optional variants). Prints a markdown table with ratios against HAProxy and
# Caddy, pe-edge's ratios against its goals, and writes the table to .bench-out/proxy-throughput.md.
# All traffic stays on 127.0.0.1. Every process started here is stopped on exit.
#
# Environment (all optional):
#   BENCH_DURATION=8        seconds per measured wrk run (1..10)
#   BENCH_WARMUP=2          seconds of the warm-up run before each measured run (1..10)
#   BENCH_CONNECTIONS=50    wrk -c
#   BENCH_BUDGET=420        seconds for the whole script; rows that would not fit are skipped
#   BENCH_NGINX_WORKERS=1   worker_processes of the nginx backends
#   BENCH_ROUNDS=3          repeat all rows this many times, alternating; each row reports the median of its
#                           runs (req/s, p50, p99), never the best (mind BENCH_BUDGET)
#   BENCH_NO_INSTALL=1      do not apt-get install missing tools (their rows are skipped)
#   BENCH_KEEP_TMP=1        keep the temp folder (generated configs, logs, raw wrk output)
#   BENCH_OUT=path          where to write the markdown (default .bench-out/proxy-throughput.md)
#   PE_EDGE_CMD='...'       command that starts pe-edge, run from the repository root. Placeholders:
#                           {config} (generated traefik.yml), {dynamic} (generated dynamic.yml),
#                           {port} (the entrypoint port). Without {config}, " --configFile={config}" is
#                           appended. Also exported: BENCH_PROXY_PORT, BENCH_BACKENDS (host:port,...),
#                           BENCH_CONFIG_FILE, BENCH_DYNAMIC_FILE.
#                           Default: node --max-semi-space-size=32 --no-maglev dist/operator/cli/main.js --configFile={config} (the image's command)
#   BENCH_NO_MIDDLEWARE_ROW=1  leave out the row whose router runs a headers middleware (pe-edge's
#                           path: a middleware chain on the lean HTTP/1.1 front)
#   BENCH_NO_COST_ROWS=1    leave out the rows that measure what a loadBalancer.strategy (p2c, hrw, leasttime)
#                           or a forwardAuth middleware costs against the plain (wrr) pe-edge row
#   BENCH_PIN=1             a core for each proxy: every proxy runs on the last CPU, wrk and the backends on the
#                           others (taskset); each measured run notes how busy each side was (see production-path.sh)
#   PE_EDGE_VARIANTS='--workers=2;--workers=1'
#                           extra pe-edge rows, ';'-separated; each entry's arguments are appended to
#                           the pe-edge command.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"

DURATION=$(clamp "${BENCH_DURATION:-8}" 1 10 8)
WARMUP=$(clamp "${BENCH_WARMUP:-2}" 1 10 2)
CONNS=$(clamp "${BENCH_CONNECTIONS:-50}" 1 10000 50)
BUDGET=$(clamp "${BENCH_BUDGET:-420}" 30 3600 420)
NGINX_WORKERS=$(clamp "${BENCH_NGINX_WORKERS:-1}" 1 64 1)
ROUNDS=$(clamp "${BENCH_ROUNDS:-3}" 1 10 3)
READY_TIMEOUT_MS=30000
OUT=${BENCH_OUT:-$ROOT/.bench-out/proxy-throughput.md}


pin_setup "wrk and the backends"

TMP=$(mktemp -d /tmp/pe-bench.XXXXXX)
MANIFEST=$TMP/manifest.tsv
: >"$MANIFEST"

# ---------------------------------------------------------------------------------------------------------
# 1. Tools
# ---------------------------------------------------------------------------------------------------------
install_missing() {
  local need=() pkg
  command -v wrk >/dev/null || need+=(wrk)
  command -v haproxy >/dev/null || need+=(haproxy)
  command -v caddy >/dev/null || need+=(caddy)
  command -v nginx >/dev/null || need+=(nginx)
  ((${#need[@]})) || return 0
  if [[ -n ${BENCH_NO_INSTALL:-} ]]; then
    log "missing: ${need[*]}; BENCH_NO_INSTALL is set, so their rows are skipped"
    return 0
  fi
  local sudo=
  if [[ $(id -u) != 0 ]]; then
    if sudo -n true 2>/dev/null; then sudo='sudo -n'; else
      log "missing: ${need[*]}; not root and no passwordless sudo, cannot install: their rows are skipped"
      return 0
    fi
  fi
  if ! command -v apt-get >/dev/null; then
    log "missing: ${need[*]}; no apt-get on this machine: their rows are skipped"
    return 0
  fi
  # Keep Debian from starting the packages' system services (the benchmark runs its own instances).
  if [[ -z $sudo && ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && POLICY_RC_CREATED=1
  fi
  log "installing ${need[*]} with apt-get (log: $TMP/apt.log)"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$TMP/apt.log" 2>&1 ||
    log "apt-get update failed; trying to install anyway"
  for pkg in "${need[@]}"; do
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" \
      >>"$TMP/apt.log" 2>&1 || log "could not install $pkg: its row is skipped (see apt output above the end of $TMP/apt.log)"
  done
  if [[ -n $POLICY_RC_CREATED ]]; then rm -f /usr/sbin/policy-rc.d; POLICY_RC_CREATED=; fi
}

install_missing
if ! command -v node >/dev/null; then
  log "node is not installed: cannot run the benchmark helpers"
  exit 1
fi
if ! command -v wrk >/dev/null; then
  log "wrk is not available and could not be installed: nothing can be measured, every row is skipped"
  exit 0
fi

WRK_VERSION=$(wrk -v 2>&1 | head -n1 | awk '{print $1" "$2}')
HAPROXY_VERSION=$(command -v haproxy >/dev/null && haproxy -v 2>/dev/null | head -n1 | awk '{print $3}' | cut -d- -f1)
CADDY_VERSION=$(command -v caddy >/dev/null && caddy version 2>/dev/null | awk '{print $1}' | sed 's/^v//')
NGINX_VERSION=$(command -v nginx >/dev/null && nginx -v 2>&1 | sed -n 's|.*nginx/\([^ ]*\).*|\1|p')

# ---------------------------------------------------------------------------------------------------------
# 2. pe-edge build (only when the default command is used)
# ---------------------------------------------------------------------------------------------------------
PE_EDGE_SKIP=
if [[ -z ${PE_EDGE_CMD:-} ]]; then
  PE_EDGE_CMD=$DEFAULT_PE_EDGE_CMD
  log "building pe-edge (npx tsc -b)"
  if ! (cd "$ROOT" && npx --no-install tsc -b) >"$TMP/tsc.log" 2>&1; then
    log "npx tsc -b reported errors (first lines below); measuring whatever dist/ holds"
    head -n 15 "$TMP/tsc.log" | sed 's/^/    /'
  fi
  if [[ ! -f $ROOT/dist/operator/cli/main.js ]]; then
    PE_EDGE_SKIP="dist/operator/cli/main.js does not exist (pe-edge CLI not built yet)"
    log "$PE_EDGE_SKIP: the pe-edge rows are skipped"
  fi
fi
[[ $PE_EDGE_CMD == *'{config}'* ]] || PE_EDGE_CMD="$PE_EDGE_CMD --configFile={config}"

# ---------------------------------------------------------------------------------------------------------
# 3. Backends
# ---------------------------------------------------------------------------------------------------------
read -r P1 P2 P3 < <(node "$HERE/lib/net.mjs" free-ports 3)
BACKENDS="127.0.0.1:$P1,127.0.0.1:$P2,127.0.0.1:$P3"
if command -v nginx >/dev/null; then
  BACKEND_DESC="nginx $NGINX_VERSION, 3 server blocks, worker_processes $NGINX_WORKERS"
  mkdir -p "$TMP/nginx"
  fill "$HERE/backends/nginx.conf.tmpl" "$TMP/nginx/nginx.conf" PREFIX="$TMP/nginx" WORKERS="$NGINX_WORKERS" \
    PORT1="$P1" PORT2="$P2" PORT3="$P3"
  start_bg "$TMP/nginx/stdout.log" "${PIN_LOAD[@]}" nginx -p "$TMP/nginx/" -e "$TMP/nginx/nginx-error.log" -c "$TMP/nginx/nginx.conf"
else
  BACKEND_DESC="Node http fallback (nginx unavailable: lower ceiling than the reference run)"
  log "nginx unavailable: using the Node fallback backends"
  start_bg "$TMP/backends.log" "${PIN_LOAD[@]}" node "$HERE/backends/node-backends.mjs" "$P1" "$P2" "$P3"
fi
BACKEND_PID=$STARTED_PID
for port in "$P1" "$P2" "$P3"; do
  if ! node "$HERE/lib/net.mjs" wait "http://127.0.0.1:$port/" 10000 "$BACKEND_PID" >"$TMP/wait.out"; then
    log "backends did not start: $(cat "$TMP/wait.out")"
    tail -n 20 "$TMP"/nginx/*.log "$TMP"/backends.log 2>/dev/null
    exit 1
  fi
done
log "backends up on $BACKENDS ($BACKEND_DESC)"

# The forwardAuth row's auth server: one Node server answering 200 to everything, keep-alive.
AUTH_PID=
if [[ -z ${BENCH_NO_COST_ROWS:-} ]]; then
  AUTH_PORT=$(free_port)
  start_bg "$TMP/auth.log" "${PIN_LOAD[@]}" node "$HERE/backends/node-backends.mjs" "$AUTH_PORT"
  AUTH_PID=$STARTED_PID
  if ! node "$HERE/lib/net.mjs" wait "http://127.0.0.1:$AUTH_PORT/" 10000 "$AUTH_PID" >"$TMP/wait.out"; then
    log "the forwardAuth row's auth server did not start: $(cat "$TMP/wait.out")"
    stop_started "$AUTH_PID"
    AUTH_PID=
  fi
fi

# ---------------------------------------------------------------------------------------------------------
# 4. Rows
# ---------------------------------------------------------------------------------------------------------
LOAD_START=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)
ROW=0
skip_row() { # name role reason
  log "SKIP $1: $3"
  printf '%s\t%s\t\t%s\n' "$1" "$2" "$3" >>"$MANIFEST"
}

fits_budget() {
  ((SECONDS + WARMUP + DURATION + 15 <= BUDGET))
}

# run_wrk SECONDS URL OUTFILE : in the background, so that a signal reaches the trap at once.
run_wrk() {
  timeout $(($1 + 10)) "${PIN_LOAD[@]}" wrk -t1 -c"$CONNS" -d"${1}s" --latency "$2" >"$3" 2>&1 &
  LOAD_PID=$!
  wait "$LOAD_PID"
  LOAD_PID=
}

# measure NAME ROLE PORT PID NOTE : warm-up, measured run, one manifest line.
measure() {
  local name=$1 role=$2 port=$3 pid=$4 note=$5 url="http://127.0.0.1:$3/" out rss t0 t1
  ROW=$((ROW + 1))
  out=$TMP/row$ROW.wrk
  log "$name: warm-up ${WARMUP}s, then ${DURATION}s measured"
  run_wrk "$WARMUP" "$url" "$out.warmup"
  t0=$(group_cpu_ticks "$pid")
  pin_start
  run_wrk "$DURATION" "$url" "$out"
  t1=$(group_cpu_ticks "$pid")
  note+=$(pin_note)
  [[ -n $t0 && -n $t1 ]] && note+="; cpu_ticks=$((t1 - t0)) clk_tck=$CLK_TCK"
  note=${note#; }
  rss=$(ps -o rss= --sid "$pid" 2>/dev/null | awk '{s += $1; n++} END {if (n) printf "%.0f MB RSS after the run (%d process%s)", s / 1024, n, (n > 1 ? "es" : "")}')
  if [[ $pid != "$BACKEND_PID" ]] && ! kill -0 "$pid" 2>/dev/null; then
    note="${note:+$note; }the process had exited by the end of the run"
  fi
  [[ -n $rss && $pid != "$BACKEND_PID" ]] && note="${note:+$note; }$rss"
  printf '%s\t%s\t%s\t%s\n' "$name" "$role" "$out" "$note" >>"$MANIFEST"
  grep -E 'Requests/sec|^ +(50|99)%' "$out" | sed 's/^ */    /'
}

# run_proxy NAME ROLE LOGFILE CMD... : start, wait until it answers, measure, stop.
run_proxy() {
  local name=$1 role=$2 port=$3 logfile=$4 note=$5
  shift 5
  if ! fits_budget; then skip_row "$name" "$role" "time budget of ${BUDGET}s used up"; return; fi
  start_bg "$logfile" "${PIN_PROXY[@]}" "$@"
  local pid=$STARTED_PID
  if ! node "$HERE/lib/net.mjs" wait "http://127.0.0.1:$port/" "$READY_TIMEOUT_MS" "$pid" >"$TMP/wait.out"; then
    skip_row "$name" "$role" "did not answer: $(cat "$TMP/wait.out")"
    tail -n 20 "$logfile" | sed 's/^/    /'
    stop_started "$pid"
    return
  fi
  log "$name: $(cat "$TMP/wait.out")"
  measure "$name" "$role" "$port" "$pid" "$note"
  stop_started "$pid"
}

row_direct() {
  local name="direct (${BACKEND_DESC%%,*}, app1)"
  if ! fits_budget; then skip_row "$name" direct "time budget of ${BUDGET}s used up"; return; fi
  measure "$name" direct "$P1" "$BACKEND_PID" ""
}

row_haproxy() {
  if ! command -v haproxy >/dev/null; then skip_row "HAProxy" haproxy "haproxy is not installed"; return; fi
  local port
  port=$(free_port)
  fill "$HERE/proxies/haproxy.cfg.tmpl" "$TMP/haproxy.cfg" PORT="$port" PORT1="$P1" PORT2="$P2" PORT3="$P3"
  run_proxy "HAProxy $HAPROXY_VERSION (nbthread 1)" haproxy "$port" "$TMP/haproxy.log" "" \
    haproxy -db -f "$TMP/haproxy.cfg"
}

row_caddy() {
  if ! command -v caddy >/dev/null; then skip_row "Caddy" caddy "caddy is not installed"; return; fi
  local port
  port=$(free_port)
  fill "$HERE/proxies/Caddyfile.tmpl" "$TMP/Caddyfile" PORT="$port" PORT1="$P1" PORT2="$P2" PORT3="$P3"
  mkdir -p "$TMP/caddy-data" "$TMP/caddy-config"
  run_proxy "Caddy $CADDY_VERSION" caddy "$port" "$TMP/caddy.log" "" \
    env HOME="$TMP" XDG_DATA_HOME="$TMP/caddy-data" XDG_CONFIG_HOME="$TMP/caddy-config" \
    caddy run --config "$TMP/Caddyfile" --adapter caddyfile
}

row_pe_edge() { # name role extra-args [dynamic template [KEY=VALUE... for the template]]
  local name=$1 role=$2 extra=$3 template=${4:-dynamic.yml.tmpl}
  local fills=("${@:5}")
  if [[ -n $PE_EDGE_SKIP ]]; then skip_row "$name" "$role" "$PE_EDGE_SKIP"; return; fi
  local port dir cmd
  port=$(free_port)
  dir=$TMP/pe-edge-$ROW-$port
  mkdir -p "$dir"
  fill "$HERE/proxies/$template" "$dir/dynamic.yml" PORT1="$P1" PORT2="$P2" PORT3="$P3" "${fills[@]}"
  fill "$HERE/proxies/traefik.yml.tmpl" "$dir/traefik.yml" PORT="$port" DYNAMIC="$dir/dynamic.yml"
  cmd=${PE_EDGE_CMD//\{config\}/$dir/traefik.yml}
  cmd=${cmd//\{dynamic\}/$dir/dynamic.yml}
  cmd=${cmd//\{port\}/$port}
  [[ -n $extra ]] && cmd="$cmd $extra"
  log "$name: $cmd"
  run_proxy "$name" "$role" "$port" "$dir/pe-edge.log" "command: \`${cmd//$TMP/<tmp>}\`" \
    env NODE_ENV=production BENCH_PROXY_PORT="$port" BENCH_BACKENDS="$BACKENDS" \
    BENCH_CONFIG_FILE="$dir/traefik.yml" BENCH_DYNAMIC_FILE="$dir/dynamic.yml" bash -c "cd \"\$1\" && exec $cmd" _ "$ROOT"
}

VARIANTS=()
if [[ -n ${PE_EDGE_VARIANTS:-} ]]; then
  IFS=';' read -r -a raw_variants <<<"$PE_EDGE_VARIANTS"
  for v in "${raw_variants[@]}"; do
    v=$(echo "$v" | sed 's/^ *//; s/ *$//')
    [[ -n $v ]] && VARIANTS+=("$v")
  done
fi

# Rounds repeat every row in the same order (proxies restarted each time); the report gives each row's medians.
for ((round = 1; round <= ROUNDS; round++)); do
  ((ROUNDS > 1)) && log "round $round of $ROUNDS"
  row_direct
  row_haproxy
  row_caddy
  row_pe_edge "pe-edge" pe-edge ""
  # Right after the plain (wrr) row, so that their ratios compare the same minute of this machine.
  if [[ -z ${BENCH_NO_COST_ROWS:-} ]]; then
    for strategy in p2c hrw leasttime; do
      row_pe_edge "pe-edge, loadBalancer.strategy $strategy" pe-edge-cost "" dynamic-strategy.yml.tmpl STRATEGY="$strategy"
    done
    if [[ -n $AUTH_PID ]]; then
      row_pe_edge "pe-edge, router with a forwardAuth middleware" pe-edge-cost "" dynamic-forward-auth.yml.tmpl AUTH_PORT="$AUTH_PORT"
    else
      skip_row "pe-edge, router with a forwardAuth middleware" pe-edge-cost "its auth server did not start"
    fi
  fi
  [[ -z ${BENCH_NO_MIDDLEWARE_ROW:-} ]] &&
    row_pe_edge "pe-edge, router with a headers middleware" pe-edge-variant "" dynamic-middleware.yml.tmpl
  for v in "${VARIANTS[@]}"; do row_pe_edge "pe-edge ($v)" pe-edge-variant "$v"; done
done

# ---------------------------------------------------------------------------------------------------------
# 5. Report
# ---------------------------------------------------------------------------------------------------------
stop_started "$BACKEND_PID"
[[ -n $AUTH_PID ]] && stop_started "$AUTH_PID"
echo
node "$HERE/lib/report.mjs" "$MANIFEST" "$OUT" \
  "$WRK_VERSION \`-t1 -c$CONNS -d${DURATION}s --latency\` after a ${WARMUP}s warm-up, HTTP/1.1 keep-alive, all on 127.0.0.1$( ((ROUNDS > 1)) && echo "; median of $ROUNDS alternating rounds per row")." \
  "Backends: $BACKEND_DESC. Machine: $(nproc) cores, Node $(node -v), $(date -u +%Y-%m-%dT%H:%MZ). Script time: ${SECONDS}s." \
  ${PIN_DESC:+"$PIN_DESC"} \
  "Load average (1 min) before the first row: ${LOAD_START:-?}, after the last: $(cut -d' ' -f1 /proc/loadavg 2>/dev/null) (other work on the machine skews all rows; compare ratios, not absolutes)."
echo
log "written to ${OUT#"$ROOT"/}"
