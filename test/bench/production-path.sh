#!/usr/bin/env bash
# Production-path benchmark (`npm run bench:production`).
#
# The seed's production path, over HTTPS on 127.0.0.1: TLS 1.3 with a self-signed pixelated-empathy.com
# certificate, the seed's `app` router and its five middlewares (security-headers, rate-limit set never to
# trigger, compression, circuit-breaker, retry), three nginx backends serving the same 4 kB HTML page, and
# `Accept-Encoding: gzip, br`. HAProxy (nbthread 1) and Caddy are configured to do the same work
# (proxies/production/*.tmpl); every proxy's configuration is printed.
#
# Sections (each row: the median of BENCH_ROUNDS runs, rounds alternate the order of the rows):
#   h1  HTTPS HTTP/1.1 keep-alive with wrk: HAProxy, Caddy, pe-edge (+ pe-edge with Accept-Encoding: gzip, and
#       pe-edge on /unique/, where every page differs, so that no compressed body is reused)
#   h2  HTTPS HTTP/2 with h2load: HAProxy, Caddy, pe-edge
#   conn HTTPS HTTP/1.1 with a new connection (a TLS handshake) for every request (wrk, `Connection: close`):
#       HAProxy, Caddy, pe-edge, in the same processes as h1 and h2. Not a goal row: what a client that does not
#       keep connections (a health checker, a script, a browser's first visit) costs each proxy.
#   obs pe-edge on the h1 production path in five variants, one process each, interleaved in every round: no
#       metrics and no access log; Prometheus metrics (entrypoint, router and service labels); access log in
#       common format to a file; in json format to a file; metrics and the json access log. Goal: both on
#       >= 90 % of off's req/s. Also pe-edge's CPU time per request and the access log's lines per run.
#   mw  pe-edge per middleware, HTTPS HTTP/1.1: one route without middleware and the same route with exactly
#       one middleware, all in one pe-edge process; HAProxy without and with compression (ratio of ratios).
#       Not in rounds: each row is BENCH_MW_PAIRS pairs of short slices alternating with its reference in the
#       same process; its cost is the median over its pairs, with the median's confidence interval
# Before a proxy is measured, curl checks (over HTTP/1.1 and HTTP/2) that it answers 200 with the page, the
# expected Content-Encoding and, where the route has them, the security headers; a row that fails it is
# reported as failed, loudly, and not measured.
#
# Output: markdown tables with ratios and the goals, written to .bench-out/production-path.md.
# All traffic stays on 127.0.0.1. Every process started here is stopped on exit.
#
# Environment (all optional):
#   BENCH_DURATION=4        seconds per measured run (1..10)
#   BENCH_WARMUP=1          seconds of warm-up before each measured run (1..10)
#   BENCH_PROCESS_WARMUP=6  extra warm-up seconds for the first run after a proxy starts, and for its first HTTP/2
#                           run (0..30): V8 compiles
#                           pe-edge's hot paths through its first ~6 s of load, on the proxy's one core
#   BENCH_ROUNDS=3          rounds; each row reports the median of its runs (1..9)
#   BENCH_BUDGET=400        seconds for the whole script, 60 more per round past 3 (520 with BENCH_ROUNDS=5), 300
#                           more when mw runs with another section; runs that would not fit are skipped (and said so)
#   BENCH_MW_PAIRS=8        mw section: pairs per row (2..40; information-only rows get half as many)
#   BENCH_MW_SLICE=1.5      mw section: seconds per slice (1..10, decimals allowed); about 5 minutes with the defaults
#   BENCH_CONNECTIONS=50    wrk -c (HTTP/1.1 rows)
#   BENCH_H2_CLIENTS=10     h2load -c (HTTP/2 rows)
#   BENCH_H2_STREAMS=10     h2load -m, concurrent streams per connection
#   BENCH_NGINX_WORKERS=1   worker_processes of the nginx backends
#   BENCH_SECTIONS='h1 h2 mw'  which sections to run; add `conn` for new connections, `obs` for the observability variants, `mem` for the
#                           long run (below)
#   BENCH_MEM_MINUTES=10    mem section: minutes of production-path load (wrk, as in h1) on one pe-edge process,
#                           its RSS read at idle, after each minute and 10 s after the load (1..30)
#   BENCH_WORKERS=2         also run pe-edge --workers=2 in the h1/h2 rows, beside the single process
#   BENCH_PROXIES='haproxy caddy pe-edge'  the h1/h2 rows' proxies (a subset: the others' rows are left out)
#   BENCH_PIN=1             a core for each proxy: every proxy (Caddy and HAProxy too) runs on the last CPU, wrk,
#                           h2load and the nginx backends on the others (taskset), so the load no longer takes
#                           turns with the proxy on its core; Go sizes Caddy's GOMAXPROCS from its one CPU.
#                           BENCH_WORKERS is then ignored. Each measured run notes how busy each side's CPUs were:
#                           a load side near 100 % means the row measured the load generator, not the proxy.
#   BENCH_NO_INSTALL=1      do not apt-get install missing tools (their rows are skipped)
#   BENCH_KEEP_TMP=1        keep the temp folder (configs, certificate, logs, raw wrk/h2load output)
#   BENCH_OUT=path          where to write the markdown (default .bench-out/production-path.md)
#   PE_EDGE_CMD='...'       command that starts pe-edge, run from the repository root, as in proxy-throughput.sh:
#                           {config} (generated traefik.yml), {dynamic}, {port}; default
#                           node --max-semi-space-size=32 --no-maglev dist/operator/cli/main.js --configFile={config} (the image's command)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"
# shellcheck source=lib/production-setup.sh
source "$HERE/lib/production-setup.sh"
PROD=$HERE/proxies/production

DURATION=$(clamp "${BENCH_DURATION:-4}" 1 10 4)
WARMUP=$(clamp "${BENCH_WARMUP:-1}" 1 10 1)
ROUNDS=$(clamp "${BENCH_ROUNDS:-3}" 1 9 3)

PROCESS_WARMUP=$(clamp "${BENCH_PROCESS_WARMUP:-6}" 0 30 6)
CONNS=$(clamp "${BENCH_CONNECTIONS:-50}" 1 10000 50)
H2_CLIENTS=$(clamp "${BENCH_H2_CLIENTS:-10}" 1 1000 10)
H2_STREAMS=$(clamp "${BENCH_H2_STREAMS:-10}" 1 1000 10)
NGINX_WORKERS=$(clamp "${BENCH_NGINX_WORKERS:-1}" 1 64 1)
SECTIONS=" ${BENCH_SECTIONS:-h1 h2 mw} "
# h1 and h2 take about 400 s with 3 rounds (each round past 3 about 60 s more: 5 rounds ran 438 s); the mw section
# about 5 minutes with its defaults, on top of the others.
DEFAULT_BUDGET=$((400 + (ROUNDS > 3 ? ROUNDS - 3 : 0) * 60))
[[ $SECTIONS == *' mw '* && $SECTIONS != ' mw ' ]] && DEFAULT_BUDGET=$((DEFAULT_BUDGET + 300))
# conn: a run of each proxy per round (about 20 s a round; 50 alone, with the proxies' starts).
[[ $SECTIONS == *' conn '* ]] && DEFAULT_BUDGET=$((DEFAULT_BUDGET + 20 * ROUNDS))
BUDGET=$(clamp "${BENCH_BUDGET:-$DEFAULT_BUDGET}" 30 3600 "$DEFAULT_BUDGET")
MEM_MINUTES=$(clamp "${BENCH_MEM_MINUTES:-10}" 1 30 10)
OUT=${BENCH_OUT:-$ROOT/.bench-out/production-path.md}
# The basicAuth rows' credentials, AUTH_BCRYPT and AUTH_APR1: lib/production-setup.sh.


pin_setup "wrk, h2load and the nginx backends"
if [[ -n $PIN_DESC && -n ${BENCH_WORKERS:-} ]]; then
  log "BENCH_PIN gives each proxy one CPU: BENCH_WORKERS=$BENCH_WORKERS is ignored"
  BENCH_WORKERS=
fi

TMP=$(mktemp -d /tmp/pe-bench-prod.XXXXXX)
MANIFEST=$TMP/manifest.tsv
CONFIGS=$TMP/configs.tsv
: >"$MANIFEST"
: >"$CONFIGS"

# remember_config LABEL FILE : printed (temp paths shortened) at the end, and in the markdown.
remember_config() { printf '%s\t%s\n' "$1" "$2" >>"$CONFIGS"; }

# ---------------------------------------------------------------------------------------------------------
# 1. Tools
# ---------------------------------------------------------------------------------------------------------
install_missing() {
  local need=() pkg
  command -v wrk >/dev/null || need+=(wrk)
  command -v h2load >/dev/null || need+=(nghttp2-client)
  command -v haproxy >/dev/null || need+=(haproxy)
  command -v caddy >/dev/null || need+=(caddy)
  command -v nginx >/dev/null || need+=(nginx)
  command -v curl >/dev/null || need+=(curl)
  command -v openssl >/dev/null || need+=(openssl)
  ((${#need[@]})) || return 0
  if [[ -n ${BENCH_NO_INSTALL:-} ]]; then
    log "missing: ${need[*]}; BENCH_NO_INSTALL is set, so their rows are skipped"
    return 0
  fi
  if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
    log "missing: ${need[*]}; not root or no apt-get, cannot install: their rows are skipped"
    return 0
  fi
  # Keep Debian from starting the packages' system services (the benchmark runs its own instances).
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && POLICY_RC_CREATED=1
  fi
  log "installing ${need[*]} with apt-get (log: $TMP/apt.log)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$TMP/apt.log" 2>&1 || log "apt-get update failed; trying anyway"
  for pkg in "${need[@]}"; do
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >>"$TMP/apt.log" 2>&1 ||
      log "could not install $pkg: its rows are skipped (see $TMP/apt.log)"
  done
  if [[ -n $POLICY_RC_CREATED ]]; then rm -f /usr/sbin/policy-rc.d; POLICY_RC_CREATED=; fi
}

install_missing
for tool in node curl openssl nginx; do
  if ! command -v "$tool" >/dev/null; then
    log "$tool is not available: the benchmark cannot run (the backends, certificate and checks need it)"
    exit 1
  fi
done
HAVE_WRK=$(command -v wrk >/dev/null && echo 1)
HAVE_H2LOAD=$(command -v h2load >/dev/null && echo 1)
[[ -n $HAVE_WRK ]] || log "wrk is not available: the HTTP/1.1 and middleware rows are skipped"
[[ -n $HAVE_H2LOAD ]] || log "h2load is not available: the HTTP/2 rows are skipped"

WRK_VERSION=$([[ -n $HAVE_WRK ]] && wrk -v 2>&1 | head -n1 | awk '{print $1" "$2}')
H2LOAD_VERSION=$([[ -n $HAVE_H2LOAD ]] && h2load --version 2>&1 | head -n1)
HAPROXY_VERSION=$(command -v haproxy >/dev/null && haproxy -v 2>/dev/null | head -n1 | awk '{print $3}' | cut -d- -f1)
HAPROXY_COMP=$(command -v haproxy >/dev/null && { haproxy -vv 2>/dev/null | grep -- '+SLZ' >/dev/null && echo 'libslz (no levels)' || echo 'zlib'; })
CADDY_VERSION=$(command -v caddy >/dev/null && caddy version 2>/dev/null | awk '{print $1}' | sed 's/^v//')
NGINX_VERSION=$(nginx -v 2>&1 | sed -n 's|.*nginx/\([^ ]*\).*|\1|p')

# ---------------------------------------------------------------------------------------------------------
# 2. pe-edge build, certificate
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
    PE_EDGE_SKIP="dist/operator/cli/main.js does not exist (pe-edge CLI not built)"
    log "$PE_EDGE_SKIP: the pe-edge rows are skipped"
  fi
fi
[[ $PE_EDGE_CMD == *'{config}'* ]] || PE_EDGE_CMD="$PE_EDGE_CMD --configFile={config}"

make_certificate

# wrk connects to 127.0.0.1 whatever host the URL names (lib/production-setup.sh).
write_wrk_lua

# ---------------------------------------------------------------------------------------------------------
# 3. Backends: one nginx, three server blocks, the same 4 kB HTML page
# ---------------------------------------------------------------------------------------------------------
start_html_backends "$NGINX_WORKERS"
remember_config "nginx backends" "$TMP/nginx/nginx.conf"

# ---------------------------------------------------------------------------------------------------------
# 4. Checks: readiness and the pre-flight curl
# ---------------------------------------------------------------------------------------------------------
# https_curl, wait_https, hdr_value and preflight: lib/production-setup.sh.

# ---------------------------------------------------------------------------------------------------------
# 5. Load
# ---------------------------------------------------------------------------------------------------------
LOAD_START=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)
RUN=0
ROUND=0

skip_row() { # section name role tool reason
  log "SKIP $2 [$1]: $5"
  printf '%s\t%s\t%s\t%s\t%s\t\t\t%s\n' "$1" "$2" "$3" "$4" "$ROUND" "$5" >>"$MANIFEST"
}
fail_row() { # section name role tool reason : a failed pre-flight check, loud
  log "FAILED $2 [$1]: $5"
  printf '%s\t%s\t%s\t%s\t%s\t\t\tFAILED: %s\n' "$1" "$2" "$3" "$4" "$ROUND" "$5" >>"$MANIFEST"
}

fits_budget() { ((SECONDS + WARMUP + DURATION + ${1:-4} + ${2:-$FRESH} * PROCESS_WARMUP <= BUDGET)); }

# The first run after a proxy starts gets PROCESS_WARMUP more seconds of warm-up (FRESH=1, set by start_* through started_fresh),
# every proxy alike: a fresh pe-edge serves ~1.5k req/s in its first second and ~4k from the fourth on, here,
# as V8 optimises its hot paths; without this the first row of each process (the middleware baseline in
# round 1) is measured cold and every ratio against it is wrong. V8 goes on compiling into the sixth second
# (--trace-opt under the seed's chain, 2026-12-05: 55, 36, 32, 34, 34, 12, 3 functions in seconds 1-7, then
# about none), on the same pinned core: a first run started after 4 s had its p99 raised by those compilations.
# The same holds per protocol: a pe-edge warmed over HTTP/1.1 still compiles its HTTP/2 paths when h2load starts,
# and did so inside the h2 row's measured seconds (2026-12-06: `--cpu-prof` showed its samples 10-17 ms apart there,
# the process off its pinned core while V8 compiled, and pe-edge's HTTP/2 p99 2.5-7 times its p50 in such rounds
# against about twice in rounds warmed over HTTP/2). So the first HTTP/2 run after a start is fresh too (FRESH_H2).
FRESH=0
FRESH_H2=0
warmup_seconds() { echo $((WARMUP + ${1:-$FRESH} * PROCESS_WARMUP)); }
# started_fresh : called by start_* once a proxy process is up: its first run, and its first HTTP/2 run, warm longer.
started_fresh() {
  FRESH=1
  FRESH_H2=1
}

# Every measured run notes the CPU ticks of the proxy being measured (PROXY_PID's process group, workers
# included: group_cpu_ticks) during it; the report divides them by the run's requests. COUNT_LINES: when set,
# the lines that file grew by during the run (the access log).
COUNT_LINES=
line_count() { if [[ -f $1 ]]; then wc -l <"$1"; else echo 0; fi; }

# wrk_run SECONDS PORT PATH OUT [-H header...] : in the background, so that a signal reaches the trap at once.
wrk_run() {
  local secs=$1 port=$2 path=$3 out=$4
  shift 4
  timeout $((secs + 10)) "${PIN_LOAD[@]}" wrk -t1 -c"$CONNS" -d"${secs}s" --latency -s "$WRK_LUA" -H "Host: $DOMAIN" "$@" \
    "https://$DOMAIN:$port$path" >"$out" 2>&1 &
  LOAD_PID=$!
  wait "$LOAD_PID"
  LOAD_PID=
}

# measure_h1 SECTION NAME ROLE PORT PATH NOTE [-H header...] : warm-up, measured wrk run, a manifest line.
measure_h1() {
  local section=$1 name=$2 role=$3 port=$4 path=$5 note=$6 out
  shift 6
  if [[ -z $HAVE_WRK ]]; then skip_row "$section" "$name" "$role" wrk "wrk is not installed"; return; fi
  if ! fits_budget; then skip_row "$section" "$name" "$role" wrk "time budget of ${BUDGET}s used up"; return; fi
  RUN=$((RUN + 1))
  out=$TMP/run$RUN.wrk
  local warm t0 t1 l0 l1
  warm=$(warmup_seconds)
  FRESH=0
  log "$name [$section]: wrk warm-up ${warm}s, then ${DURATION}s measured"
  wrk_run "$warm" "$port" "$path" "$out.warmup" "$@"
  t0=$(group_cpu_ticks "$PROXY_PID")
  pin_start
  # The access log is written asynchronously: let the warm-up's last lines land before counting.
  [[ -n $COUNT_LINES ]] && sleep 0.3 && l0=$(line_count "$COUNT_LINES")
  wrk_run "$DURATION" "$port" "$path" "$out" "$@"
  note+=$(pin_note)
  t1=$(group_cpu_ticks "$PROXY_PID")
  [[ -n $t0 && -n $t1 ]] && note+="; cpu_ticks=$((t1 - t0)) clk_tck=$CLK_TCK"
  if [[ -n $COUNT_LINES ]]; then
    sleep 0.3
    l1=$(line_count "$COUNT_LINES")
    note+="; log_lines=$((l1 - l0))"
  fi
  printf '%s\t%s\t%s\twrk\t%s\t%s\t\t%s\n' "$section" "$name" "$role" "$ROUND" "$out" "$note" >>"$MANIFEST"
  grep -E 'Requests/sec|^ +(50|99)%|Non-2xx|Socket errors' "$out" | sed 's/^ */    /'
}

# measure_h2 SECTION NAME ROLE PORT PATH NOTE : h2load with its own warm-up, per-request log for percentiles.
measure_h2() {
  local section=$1 name=$2 role=$3 port=$4 path=$5 note=$6 out
  if [[ -z $HAVE_H2LOAD ]]; then skip_row "$section" "$name" "$role" h2load "h2load is not installed"; return; fi
  if ! fits_budget 4 "$FRESH_H2"; then skip_row "$section" "$name" "$role" h2load "time budget of ${BUDGET}s used up"; return; fi
  RUN=$((RUN + 1))
  out=$TMP/run$RUN.h2load
  local warm
  warm=$(warmup_seconds "$FRESH_H2")
  FRESH=0
  FRESH_H2=0
  log "$name [$section]: h2load ${warm}s warm-up + ${DURATION}s measured, -c$H2_CLIENTS -m$H2_STREAMS"
  # h2load's warm-up is part of its run: the CPU notes start when it ends (h2load counts no request before).
  (sleep "$warm"; pin_start; printf '%s\n' "$(group_cpu_ticks "$PROXY_PID")" "$PIN_BEFORE_LOAD" "$PIN_BEFORE_PROXY" >"$out.cpu0") &
  local sampler=$!
  timeout $((DURATION + warm + 15)) "${PIN_LOAD[@]}" h2load -t1 -c"$H2_CLIENTS" -m"$H2_STREAMS" -D "$DURATION" \
    --warm-up-time="$warm" --connect-to="127.0.0.1:$port" --log-file="$out.log" \
    -H 'accept-encoding: gzip, br' "https://$DOMAIN$path" >"$out" 2>&1 &
  LOAD_PID=$!
  wait "$LOAD_PID"
  LOAD_PID=
  local t0= t1
  wait "$sampler" 2>/dev/null
  [[ -f $out.cpu0 ]] && { read -r t0; read -r PIN_BEFORE_LOAD; read -r PIN_BEFORE_PROXY; } <"$out.cpu0"
  t1=$(group_cpu_ticks "$PROXY_PID")
  note+=$(pin_note)
  [[ -n $t0 && -n $t1 ]] && note+="; cpu_ticks=$((t1 - t0)) clk_tck=$CLK_TCK"
  printf '%s\t%s\t%s\th2load\t%s\t%s\t%s\t%s\n' "$section" "$name" "$role" "$ROUND" "$out" "$out.log" "$note" >>"$MANIFEST"
  grep -E '^finished in|^requests:|^status codes:|^TLS Protocol|^Application protocol' "$out" | sed 's/^/    /'
}

# ---------------------------------------------------------------------------------------------------------
# 6. Proxies (each start_* sets PROXY_PORT and PROXY_PID, or START_ERR and returns 1)
# ---------------------------------------------------------------------------------------------------------
# start_failed LOGFILE : START_ERR from the readiness result and the last lines of the proxy's output; stops it.
start_failed() {
  local tail_text
  tail_text=$(tail -n 3 "$1" 2>/dev/null | tr '\n' ' ' | sed 's/ *$//')
  START_ERR="$WAIT_INFO${tail_text:+: $tail_text}"
  stop_started "$PROXY_PID"
  return 1
}

start_haproxy() { # template label
  local tmpl=$1 label=$2 cfg
  command -v haproxy >/dev/null || { START_ERR="haproxy is not installed"; return 1; }
  PROXY_PORT=$(free_port)
  cfg=$TMP/$label.cfg
  fill "$PROD/$tmpl" "$cfg" PORT="$PROXY_PORT" PEM="$PEM" PORT1="$P1" PORT2="$P2" PORT3="$P3"
  ((ROUND == 1)) && remember_config "HAProxy $HAPROXY_VERSION ($label)" "$cfg"
  start_bg "$TMP/$label.r$ROUND.log" "${PIN_PROXY[@]}" haproxy -db -f "$cfg"
  PROXY_PID=$STARTED_PID
  started_fresh
  wait_https "$PROXY_PORT" "$PROXY_PID" / || start_failed "$TMP/$label.r$ROUND.log"
}

start_caddy() {
  local cfg=$TMP/Caddyfile
  command -v caddy >/dev/null || { START_ERR="caddy is not installed"; return 1; }
  PROXY_PORT=$(free_port)
  fill "$PROD/Caddyfile.tmpl" "$cfg" PORT="$PROXY_PORT" CERT="$CERT" KEY="$KEY" PORT1="$P1" PORT2="$P2" PORT3="$P3"
  ((ROUND == 1)) && remember_config "Caddy $CADDY_VERSION" "$cfg"
  mkdir -p "$TMP/caddy-data" "$TMP/caddy-config"
  start_bg "$TMP/caddy.r$ROUND.log" "${PIN_PROXY[@]}" env HOME="$TMP" XDG_DATA_HOME="$TMP/caddy-data" XDG_CONFIG_HOME="$TMP/caddy-config" \
    caddy run --config "$cfg" --adapter caddyfile
  PROXY_PID=$STARTED_PID
  started_fresh
  wait_https "$PROXY_PORT" "$PROXY_PID" / || start_failed "$TMP/caddy.r$ROUND.log"
}

start_pe_edge() { # dynamic-template label readiness-path
  local tmpl=$1 label=$2 ready_path=$3 dir cmd
  [[ -z $PE_EDGE_SKIP ]] || { START_ERR=$PE_EDGE_SKIP; return 1; }
  PROXY_PORT=$(free_port)
  dir=$TMP/pe-edge-$label
  mkdir -p "$dir"
  fill "$PROD/$tmpl" "$dir/dynamic.yml" PORT1="$P1" PORT2="$P2" PORT3="$P3" CERT="$CERT" KEY="$KEY" BCRYPT="$BCRYPT_HASH"
  fill "$PROD/${PE_STATIC_TMPL:-traefik.yml.tmpl}" "$dir/traefik.yml" PORT="$PROXY_PORT" DYNAMIC="$dir/dynamic.yml" \
    METRICS_PORT="${PE_METRICS_PORT:-}"
  [[ -n ${PE_STATIC_EXTRA:-} ]] && printf '%s\n' "$PE_STATIC_EXTRA" >>"$dir/traefik.yml"
  cmd=${PE_EDGE_CMD//\{config\}/$dir/traefik.yml}
  cmd=${cmd//\{dynamic\}/$dir/dynamic.yml}
  cmd=${cmd//\{port\}/$PROXY_PORT}
  PE_EDGE_CMD_SHOWN=${cmd//$TMP/<tmp>}
  if ((ROUND == 1)); then
    remember_config "pe-edge ($label) static: traefik.yml" "$dir/traefik.yml"
    [[ -n ${PE_SKIP_DYNAMIC_CONFIG:-} ]] || remember_config "pe-edge ($label) dynamic: dynamic.yml" "$dir/dynamic.yml"
  fi
  start_bg "$dir/pe-edge.r$ROUND.log" "${PIN_PROXY[@]}" env NODE_ENV=production bash -c "cd \"\$1\" && exec $cmd" _ "$ROOT"
  PROXY_PID=$STARTED_PID
  started_fresh
  wait_https "$PROXY_PORT" "$PROXY_PID" "$ready_path" || start_failed "$dir/pe-edge.r$ROUND.log"
}

# ---------------------------------------------------------------------------------------------------------
# 7. Sections
# ---------------------------------------------------------------------------------------------------------
# One proxy of the production path: start, check over HTTP/1.1 and HTTP/2, measure what this round asks.
prod_proxy() { # which (haproxy|caddy|pe-edge)
  local which=$1 name role note enc_h1 enc_h2 h1=0 h2=0 conn=0
  [[ $SECTIONS == *' h1 '* ]] && h1=1
  [[ $SECTIONS == *' h2 '* ]] && h2=1
  [[ $SECTIONS == *' conn '* && $which != pe-edge-workers ]] && conn=1
  case $which in
    haproxy) name="HAProxy $HAPROXY_VERSION (nbthread 1)"; role=haproxy ;;
    caddy) name="Caddy $CADDY_VERSION"; role=caddy ;;
    pe-edge) name="pe-edge"; role=pe-edge ;;
    pe-edge-workers) name="pe-edge --workers=$BENCH_WORKERS"; role=pe-edge-variant ;;
  esac
  if ! fits_budget 8; then
    ((h1)) && skip_row h1 "$name" "$role" wrk "time budget of ${BUDGET}s used up"
    ((h2)) && skip_row h2 "$name" "$role" h2load "time budget of ${BUDGET}s used up"
    ((conn)) && skip_row conn "$name" "$role" wrk "time budget of ${BUDGET}s used up"
    return
  fi
  case $which in
    haproxy) start_haproxy haproxy.cfg.tmpl haproxy-production ;;
    caddy) start_caddy ;;
    pe-edge) start_pe_edge dynamic.yml.tmpl production / ;;
    pe-edge-workers) PE_EDGE_CMD="$PE_EDGE_CMD --workers=$BENCH_WORKERS" start_pe_edge dynamic.yml.tmpl "production-workers" / ;;
  esac
  if (($? != 0)); then
    ((h1)) && fail_row h1 "$name" "$role" wrk "did not start: $START_ERR"
    ((h2)) && fail_row h2 "$name" "$role" h2load "did not start: $START_ERR"
    ((conn)) && fail_row conn "$name" "$role" wrk "did not start: $START_ERR"
    return
  fi
  local pid=$PROXY_PID port=$PROXY_PORT
  log "$name: $WAIT_INFO on 127.0.0.1:$port"
  [[ $which == pe-edge* ]] && note="command: \`$PE_EDGE_CMD_SHOWN\`"
  if ((h1)); then
    if preflight "$port" --http1.1 / gzip/br 1 -H 'Accept-Encoding: gzip, br'; then
      log "$name: pre-flight HTTP/1.1 ok: $PF_INFO"
      measure_h1 h1 "$name" "$role" "$port" / "pre-flight: $PF_INFO${note:+; $note}" -H 'Accept-Encoding: gzip, br'
    else
      fail_row h1 "$name" "$role" wrk "pre-flight check (HTTP/1.1): $PF_ERR"
    fi
    if [[ $which == pe-edge ]]; then
      local vname="pe-edge, Accept-Encoding: gzip"
      if preflight "$port" --http1.1 / gzip 1 -H 'Accept-Encoding: gzip'; then
        measure_h1 h1 "$vname" pe-edge-variant "$port" / "pre-flight: $PF_INFO; the same process, the client offers gzip only (what Caddy and HAProxy answer with)" -H 'Accept-Encoding: gzip'
      else
        fail_row h1 "$vname" pe-edge-variant wrk "pre-flight check (HTTP/1.1): $PF_ERR"
      fi
      local unique_ae unique_enc
      for unique_ae in 'gzip, br' gzip; do
        unique_enc=br
        vname="pe-edge, a different page every request"
        if [[ $unique_ae == gzip ]]; then unique_enc=gzip vname="$vname, Accept-Encoding: gzip"; fi
        if preflight "$port" --http1.1 /unique/ "$unique_enc" 1 -H "Accept-Encoding: $unique_ae"; then
          measure_h1 h1 "$vname" pe-edge-variant "$port" /unique/ "pre-flight: $PF_INFO; the same process, /unique/: nginx puts its \$request_id in the page, so no two bodies are alike and none is compressed from memory" -H "Accept-Encoding: $unique_ae"
        else
          fail_row h1 "$vname" pe-edge-variant wrk "pre-flight check (HTTP/1.1): $PF_ERR"
        fi
      done
    fi
  fi
  if ((h2)); then
    if preflight "$port" --http2 / gzip/br 1 -H 'Accept-Encoding: gzip, br'; then
      log "$name: pre-flight HTTP/2 ok: $PF_INFO"
      [[ $PF_INFO == h2* ]] || log "WARNING $name: ALPN did not pick h2 ($PF_INFO)"
      measure_h2 h2 "$name" "$role" "$port" / "pre-flight: $PF_INFO${note:+; $note}"
    else
      fail_row h2 "$name" "$role" h2load "pre-flight check (HTTP/2): $PF_ERR"
    fi
  fi
  if ((conn)); then
    # pe-edge sends the first request of every client connection upstream on a connection of its own (HAProxy's
    # `http-reuse safe`); the bench's HAProxy runs `http-reuse always`.
    if preflight "$port" --http1.1 / gzip/br 1 -H 'Accept-Encoding: gzip, br'; then
      measure_h1 conn "$name" "$role" "$port" / "pre-flight: $PF_INFO; Connection: close on every request${note:+; $note}" -H 'Accept-Encoding: gzip, br' -H 'Connection: close'
    else
      fail_row conn "$name" "$role" wrk "pre-flight check (HTTP/1.1): $PF_ERR"
    fi
  fi
  kill -0 "$pid" 2>/dev/null || log "WARNING $name had exited by the end of its rows"
  stop_started "$pid"
}

# Per-middleware rows: NAME|PATH|ROLE|ENCODINGS|SECURITY|ACCEPT-ENCODING|AUTHORIZATION
MW_ROWS=(
  "none|/bench/none/|mw-baseline|none|0|gzip|"
  "headers|/bench/headers/|mw|none|1|gzip|"
  "rateLimit|/bench/ratelimit/|mw|none|0|gzip|"
  "retry|/bench/retry/|mw|none|0|gzip|"
  "circuitBreaker|/bench/circuitbreaker/|mw|none|0|gzip|"
  "ipAllowList|/bench/ipallowlist/|mw|none|0|gzip|"
  "basicAuth (bcrypt, cache warm)|/bench/basicauth/|mw|none|0|gzip|$AUTH_BCRYPT"
  "stripPrefix|/bench/stripprefix/|mw|none|0|gzip|"
  "compress (gzip)|/bench/compress/|mw-compress|gzip|0|gzip|"
  "compress (Accept-Encoding: gzip, br)|/bench/compress/|mw-info|br|0|gzip, br|"
  "basicAuth (\$apr1\$)|/bench/basicauthapr1/|mw-info|none|0|gzip|$AUTH_APR1"
)

# The mw section measures each row as MW_PAIRS short alternations with its reference in the same process (the
# `none` router; HAProxy's pair: no compression), MW_SLICE seconds each: this machine's speed moves by up to 2x
# between minutes, so only a comparison made within seconds, many times over, can show a 5 % cost. Passes go
# over every row in turn (each pass starting one row later), so each row's pairs spread over the whole section.
MW_PAIRS=$(clamp "${BENCH_MW_PAIRS:-8}" 2 40 8)
MW_SLICE=$(clamp_seconds "${BENCH_MW_SLICE:-1.5}" 1 10 1.5)
MW_REF_HEADERS=(-H 'Accept-Encoding: gzip')
HA_PLAIN="HAProxy $HAPROXY_VERSION: no compression"
HA_GZIP="HAProxy $HAPROXY_VERSION: compression (gzip)"

# mw_fail_all ROLE-PREFIX REASON : every pe-edge row (pe) or the HAProxy pair (ha) fails with one reason.
mw_fail_all() {
  local row
  if [[ $1 == pe ]]; then
    for row in "${MW_ROWS[@]}"; do fail_row mw "pe-edge: ${row%%|*}" mw wrk "$2"; done
  else
    fail_row mw "$HA_PLAIN" mw-haproxy-plain wrk "$2"
    fail_row mw "$HA_GZIP" mw-haproxy-gzip wrk "$2"
  fi
}

# mw_row_headers AE AUTH : MW_HEADERS, the row's wrk/curl headers.
mw_row_headers() {
  MW_HEADERS=(-H "Accept-Encoding: $1")
  [[ -n $2 ]] && MW_HEADERS+=(-H "Authorization: $2")
}

# mw_warm PORT PATH SECONDS [-H header...] : load that is not measured (JIT warm-up of the route's code).
mw_warm() {
  local port=$1 path=$2 secs=$3
  shift 3
  wrk_run "$secs" "$port" "$path" "$TMP/mw-warm.wrk" "$@"
}

# mw_start_pe_edge : pe-edge with one router per row; checks and warms every row, and adds the rows that pass to
# MW_ENTRIES (index into MW_ROWS). The none router is the reference: without it nothing is measured.
mw_start_pe_edge() {
  local i name path role encodings security ae auth warm
  if ! start_pe_edge dynamic-middlewares.yml.tmpl middlewares /bench/none/; then
    mw_fail_all pe "pe-edge did not start: $START_ERR"
    return 1
  fi
  MW_PE_PID=$PROXY_PID MW_PE_PORT=$PROXY_PORT
  for ((i = 0; i < ${#MW_ROWS[@]}; i++)); do
    IFS='|' read -r name path role encodings security ae auth <<<"${MW_ROWS[$i]}"
    mw_row_headers "$ae" "$auth"
    if ! preflight "$MW_PE_PORT" --http1.1 "$path" "$encodings" "$security" "${MW_HEADERS[@]}"; then
      fail_row mw "pe-edge: $name" "$role" wrk "pre-flight check: $PF_ERR"
      ((i == 0)) && { mw_fail_all pe "the none router (the reference) failed its pre-flight check"; return 1; }
      continue
    fi
    MW_PREFLIGHT[$i]=$PF_INFO
    warm=$(warmup_seconds)
    log "pe-edge: $name: pre-flight ok: $PF_INFO; warm-up ${warm}s"
    mw_warm "$MW_PE_PORT" "$path" "$warm" "${MW_HEADERS[@]}"
    FRESH=0
    ((i == 0)) || MW_ENTRIES+=("$i")
  done
}

# mw_start_haproxy : HAProxy with and without compression, checked and warmed; adds the entry `ha`.
mw_start_haproxy() {
  if ! start_haproxy haproxy-compress.cfg.tmpl haproxy-compression-pair; then
    mw_fail_all ha "did not start: $START_ERR"
    return 1
  fi
  MW_HA_PID=$PROXY_PID MW_HA_PORT=$PROXY_PORT
  if ! preflight "$MW_HA_PORT" --http1.1 /bench/none/ none 0 "${MW_REF_HEADERS[@]}"; then
    mw_fail_all ha "pre-flight check (no compression): $PF_ERR"
    return 1
  fi
  MW_HA_PLAIN_INFO=$PF_INFO
  if ! preflight "$MW_HA_PORT" --http1.1 /bench/compress/ gzip 0 "${MW_REF_HEADERS[@]}"; then
    mw_fail_all ha "pre-flight check (compression): $PF_ERR"
    return 1
  fi
  MW_HA_GZIP_INFO="$PF_INFO; $HAPROXY_COMP"
  log "HAProxy compression pair: pre-flight ok; warm-up $(warmup_seconds)s + ${WARMUP}s"
  mw_warm "$MW_HA_PORT" /bench/none/ "$(warmup_seconds)" "${MW_REF_HEADERS[@]}"
  mw_warm "$MW_HA_PORT" /bench/compress/ "$WARMUP" "${MW_REF_HEADERS[@]}"
  FRESH=0
  MW_ENTRIES+=(ha)
}

# mw_slice PID PORT PAIR SIDE NAME ROLE PATH NOTE [-H header...] : one measured slice and its manifest line.
# wrk takes whole seconds only, so it runs with a longer -d and is stopped by SIGINT after MW_SLICE seconds:
# it then reports over the time it ran. The proxy's CPU ticks are read around it.
mw_slice() {
  local pid=$1 port=$2 pair=$3 side=$4 name=$5 role=$6 path=$7 note=$8 out t0 t1
  shift 8
  RUN=$((RUN + 1))
  out=$TMP/run$RUN.wrk
  t0=$(group_cpu_ticks "$pid")
  pin_start
  "${PIN_LOAD[@]}" wrk -t1 -c"$CONNS" -d"$((${MW_SLICE%.*} + 5))s" --latency -s "$WRK_LUA" -H "Host: $DOMAIN" "$@" \
    "https://$DOMAIN:$port$path" >"$out" 2>&1 &
  LOAD_PID=$!
  sleep "$MW_SLICE"
  kill -INT "$LOAD_PID" 2>/dev/null
  wait "$LOAD_PID"
  LOAD_PID=
  t1=$(group_cpu_ticks "$pid")
  note="pair=$pair side=$side; $note$(pin_note)"
  [[ -n $t0 && -n $t1 ]] && note+="; cpu_ticks=$((t1 - t0)) clk_tck=$CLK_TCK"
  printf '%s\t%s\t%s\twrk\t%s\t%s\t\t%s\n' mw "$name" "$role" "${pair#*.}" "$out" "$note" >>"$MANIFEST"
}

# mw_pair ENTRY J : the entry's J-th pair, its reference first when J is odd, second when J is even.
mw_pair() {
  local entry=$1 j=$2 pid port name path role encodings security ae auth ref_name ref_role ref_note note side
  if [[ $entry == ha ]]; then
    pid=$MW_HA_PID port=$MW_HA_PORT name=$HA_GZIP path=/bench/compress/ role=mw-haproxy-gzip note=$MW_HA_GZIP_INFO
    ref_name=$HA_PLAIN ref_role=mw-haproxy-plain ref_note=$MW_HA_PLAIN_INFO
    MW_HEADERS=("${MW_REF_HEADERS[@]}")
  else
    pid=$MW_PE_PID port=$MW_PE_PORT
    IFS='|' read -r name path role encodings security ae auth <<<"${MW_ROWS[$entry]}"
    name="pe-edge: $name" note=${MW_PREFLIGHT[$entry]}
    ref_name="pe-edge: ${MW_ROWS[0]%%|*}" ref_role=mw-baseline ref_note=${MW_PREFLIGHT[0]}
    mw_row_headers "$ae" "$auth"
  fi
  for side in $( ((j % 2)) && echo ref row || echo row ref); do
    if [[ $side == ref ]]; then
      mw_slice "$pid" "$port" "$entry.$j" ref "$ref_name" "$ref_role" /bench/none/ "pre-flight: $ref_note" "${MW_REF_HEADERS[@]}"
    else
      mw_slice "$pid" "$port" "$entry.$j" row "$name" "$role" "$path" "pre-flight: $note" "${MW_HEADERS[@]}"
    fi
  done
  MW_DONE[$entry]=$j
}

# mw_wanted ENTRY : the entry's pairs: MW_PAIRS, half as many for the information-only rows.
mw_wanted() {
  [[ $1 != ha && ${MW_ROWS[$1]} == *'|mw-info|'* ]] && echo $(((MW_PAIRS + 1) / 2)) || echo "$MW_PAIRS"
}

# mw_passes : MW_PAIRS passes over MW_ENTRIES, each starting one entry later; an information-only row takes part
# in every other pass. Stops when the next pair would not fit the budget.
mw_passes() {
  local n=${#MW_ENTRIES[@]} pass k entry j pair_s=$((2 * (${MW_SLICE%.*} + 1)))
  for ((pass = 1; pass <= MW_PAIRS; pass++)); do
    log "mw: pass $pass of $MW_PAIRS (${SECONDS}s of ${BUDGET}s used)"
    for ((k = 0; k < n; k++)); do
      entry=${MW_ENTRIES[$(((k + pass - 1) % n))]}
      j=$((${MW_DONE[$entry]:-0} + 1))
      ((j <= $(mw_wanted "$entry"))) || continue
      [[ $(mw_wanted "$entry") == "$MW_PAIRS" ]] || ((pass % 2)) || continue
      if ((SECONDS + pair_s > BUDGET)); then
        log "mw: time budget of ${BUDGET}s used up in pass $pass: the remaining pairs are not measured"
        return
      fi
      mw_pair "$entry" "$j"
    done
  done
}

# mw_note_short : rows with fewer pairs than wanted (budget) get a line saying so.
mw_note_short() {
  local entry name role
  for entry in "${MW_ENTRIES[@]}"; do
    ((${MW_DONE[$entry]:-0} < $(mw_wanted "$entry"))) || continue
    if [[ $entry == ha ]]; then name=$HA_GZIP role=mw-haproxy-gzip
    else IFS='|' read -r name _ role _ <<<"${MW_ROWS[$entry]}"; name="pe-edge: $name"; fi
    skip_row mw "$name" "$role" wrk "time budget of ${BUDGET}s: ${MW_DONE[$entry]:-0} of $(mw_wanted "$entry") pairs measured"
  done
}

mw_section() {
  local start=$SECONDS
  MW_ENTRIES=() MW_PREFLIGHT=() MW_PE_PID= MW_HA_PID=
  declare -gA MW_DONE=()
  if [[ -z $HAVE_WRK ]]; then mw_fail_all pe "wrk is not installed"; mw_fail_all ha "wrk is not installed"; return; fi
  log "mw: $MW_PAIRS pairs of ${MW_SLICE}s slices per row, alternating with the reference in the same process"
  mw_start_pe_edge
  mw_start_haproxy
  mw_passes
  mw_note_short
  [[ -n $MW_PE_PID ]] && { kill -0 "$MW_PE_PID" 2>/dev/null || log "WARNING pe-edge (middlewares) had exited by the end of its rows"; stop_started "$MW_PE_PID"; }
  [[ -n $MW_HA_PID ]] && stop_started "$MW_HA_PID"
  MW_TOOK=$((SECONDS - start))
}

# Observability rows: the production path's pe-edge (h1's traefik.yml and dynamic.yml, the seed's app router) in
# five variants that differ only in their static metrics: and accessLog: sections, one process each, restarted
# every round. NAME|ROLE
OBS_ROWS=(
  "off (no metrics, no access log)|obs-off"
  "Prometheus metrics|obs-metrics"
  "access log, common format, to a file|obs-log-common"
  "access log, json format, to a file|obs-log-json"
  "metrics + access log (json, to a file)|obs-both"
)
OBS_METRICS='metrics:
  prometheus:
    entryPoint: metrics
    addEntryPointsLabels: true
    addRoutersLabels: true
    addServicesLabels: true
    buckets: [0.1, 0.3, 1.2, 5.0]'

# obs_static ROLE LOGFILE : the variant's metrics: and accessLog: sections (appended to the static file).
obs_static() {
  local role=$1 file=$2
  case $role in
    obs-off) printf '# variant: no metrics, no accessLog section\n' ;;
    obs-metrics) printf '%s\n' "$OBS_METRICS" ;;
    obs-log-common) printf 'accessLog:\n  filePath: "%s"\n  format: common\n' "$file" ;;
    obs-log-json) printf 'accessLog:\n  filePath: "%s"\n  format: json\n' "$file" ;;
    obs-both) printf '%s\naccessLog:\n  filePath: "%s"\n  format: json\n' "$OBS_METRICS" "$file" ;;
  esac
}

# obs_check ROLE METRICS_PORT LOGFILE : what the variant must show after the pre-flight requests; OBS_ERR.
obs_check() {
  local role=$1 mport=$2 file=$3 text last name
  OBS_ERR=
  if [[ $role == obs-metrics || $role == obs-both ]]; then
    text=$(curl -sS --max-time 5 "http://127.0.0.1:$mport/metrics" 2>&1)
    for name in 'traefik_entrypoint_requests_total{.*entrypoint="websecure"' 'traefik_router_requests_total{.*router="app@file"' \
      'traefik_service_requests_total{.*service="app-service@file"' 'traefik_router_request_duration_seconds_bucket{'; do
      grep -q "^$name" <<<"$text" || { OBS_ERR="/metrics has no ${name%%\{*} series (${name#*\{})"; return 1; }
    done
  fi
  if [[ $role == obs-metrics || $role == obs-off ]]; then
    [[ ! -s $file ]] || { OBS_ERR="$file was written without an access log"; return 1; }
    return 0
  fi
  sleep 0.3
  [[ $(line_count "$file") -ge 3 ]] || { OBS_ERR="the access log has $(line_count "$file") lines after 3 requests (want >= 3)"; return 1; }
  last=$(tail -n1 "$file")
  if [[ $role == obs-log-common ]]; then
    [[ $last =~ \"GET\ /\ HTTP/1\.1\"\ 200\ [0-9]+\ .*\"app@file\"\ \"http://127\.0\.0\.1:[0-9]+\"\ [0-9]+ms$ ]] ||
      { OBS_ERR="not a common-format line of the app router: $last"; return 1; }
  else
    node -e 'const r = JSON.parse(process.argv[1]); if (r.RouterName !== "app@file" || r.DownstreamStatus !== 200 || r.RequestProtocol !== "HTTP/1.1") process.exit(1)' "$last" 2>/dev/null ||
      { OBS_ERR="not a json line of the app router: $last"; return 1; }
  fi
}

OBS_DYNAMIC_SHOWN=
obs_pe_edge() {
  local n=${#OBS_ROWS[@]} k i name role label logfile rc
  for ((k = 0; k < n; k++)); do
    # Rounds rotate where the cycle starts, so that no variant always runs first or last in a round.
    i=$(((k + ROUND - 1) % n))
    IFS='|' read -r name role <<<"${OBS_ROWS[$i]}"
    label=${role#obs-}
    if ! fits_budget 8; then skip_row obs "$name" "$role" wrk "time budget of ${BUDGET}s used up"; continue; fi
    logfile=$TMP/pe-edge-obs-$label/access.r$ROUND.log
    PE_METRICS_PORT=$(free_port)
    PE_STATIC_TMPL=traefik-observability.yml.tmpl
    PE_STATIC_EXTRA=$(obs_static "$role" "$logfile")
    # The dynamic file is the same in every variant (h1's): printed once.
    PE_SKIP_DYNAMIC_CONFIG=$OBS_DYNAMIC_SHOWN
    OBS_DYNAMIC_SHOWN=1
    start_pe_edge dynamic.yml.tmpl "obs-$label" /
    rc=$?
    PE_STATIC_TMPL= PE_STATIC_EXTRA= PE_SKIP_DYNAMIC_CONFIG=
    if ((rc != 0)); then fail_row obs "$name" "$role" wrk "did not start: $START_ERR"; continue; fi
    local pid=$PROXY_PID port=$PROXY_PORT
    if ! preflight "$port" --http1.1 / gzip/br 1 -H 'Accept-Encoding: gzip, br'; then
      fail_row obs "$name" "$role" wrk "pre-flight check (HTTP/1.1): $PF_ERR"
    elif ! obs_check "$role" "$PE_METRICS_PORT" "$logfile"; then
      fail_row obs "$name" "$role" wrk "pre-flight check: $OBS_ERR"
    else
      log "$name: pre-flight ok: $PF_INFO"
      [[ $role == obs-log-* || $role == obs-both ]] && COUNT_LINES=$logfile
      measure_h1 obs "$name" "$role" "$port" / "pre-flight: $PF_INFO; command: \`$PE_EDGE_CMD_SHOWN\`" -H 'Accept-Encoding: gzip, br'
      COUNT_LINES=
    fi
    kill -0 "$pid" 2>/dev/null || log "WARNING pe-edge ($name) had exited by the end of its run"
    stop_started "$pid"
    [[ -n ${BENCH_KEEP_TMP:-} ]] || rm -f "$logfile" # a few MB per run; its line count is in the notes
  done
}

# BENCH_PROXIES: the h1/h2 rows' proxies, a subset of the three (pe-edge alone when only its rows matter).
read -ra PROD_ORDER <<<"${BENCH_PROXIES:-haproxy caddy pe-edge}"
for p in "${PROD_ORDER[@]}"; do
  [[ $p == haproxy || $p == caddy || $p == pe-edge ]] || { log "BENCH_PROXIES names haproxy, caddy and pe-edge (got '$p')"; exit 2; }
done
# BENCH_WORKERS=N adds pe-edge --workers=N as a fourth proxy of the h1/h2 rows (its limits shared through the primary).
[[ -n ${BENCH_WORKERS:-} ]] && PROD_ORDER+=(pe-edge-workers)
# The mw section runs once, after the rounds: its pairs alternate within seconds instead.
[[ $SECTIONS == *' h1 '* || $SECTIONS == *' h2 '* || $SECTIONS == *' conn '* || $SECTIONS == *' obs '* ]] || ROUNDS=0
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
  log "round $ROUND of $ROUNDS (${SECONDS}s of ${BUDGET}s used)"
  if [[ $SECTIONS == *' h1 '* || $SECTIONS == *' h2 '* || $SECTIONS == *' conn '* ]]; then
    # Rotate the proxies' order each round: each one takes each position once in as many rounds as there are proxies.
    for ((k = 0; k < ${#PROD_ORDER[@]}; k++)); do prod_proxy "${PROD_ORDER[$(((k + ROUND - 1) % ${#PROD_ORDER[@]}))]}"; done
  fi
  [[ $SECTIONS == *' obs '* ]] && obs_pe_edge
done
if [[ $SECTIONS == *' mw '* ]]; then
  ROUND=1
  mw_section
fi

# mem: one pe-edge under the production-path load for MEM_MINUTES; RSS (VmRSS) at idle, each minute, after.
MEM_REPORT=''
rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null; }
mem_section() {
  local lines=() minute requests=0 out
  if [[ -z $HAVE_WRK ]]; then MEM_REPORT='mem: skipped, wrk is not installed'; return; fi
  if ! start_pe_edge dynamic.yml.tmpl memory /; then MEM_REPORT="mem: pe-edge did not start: $START_ERR"; return; fi
  local pid=$PROXY_PID port=$PROXY_PORT
  sleep 5
  lines+=("| idle, 5 s after start | $(rss_mb "$pid") MB | |")
  for ((minute = 1; minute <= MEM_MINUTES; minute++)); do
    out=$TMP/mem$minute.wrk
    log "mem: minute $minute of $MEM_MINUTES"
    wrk_run 60 "$port" / "$out" -H 'Accept-Encoding: gzip, br'
    lines+=("| after minute $minute of load | $(rss_mb "$pid") MB | $(awk '/Requests\/sec/ { printf "%d", $2 }' "$out") req/s |")
  done
  sleep 10
  lines+=("| idle, 10 s after the load | $(rss_mb "$pid") MB | |")
  stop_started "$pid"
  MEM_REPORT=$(printf '%s\n' "### pe-edge memory over ${MEM_MINUTES} minutes of the production path" '' \
    "One pe-edge process, HTTPS HTTP/1.1 with wrk \`-t1 -c$CONNS\`, \`Accept-Encoding: gzip, br\`, in 60 s runs back to back; RSS is VmRSS from /proc." '' \
    '| when | RSS | throughput of that minute |' '|---|---:|---:|' "${lines[@]}")
}
[[ $SECTIONS == *' mem '* ]] && mem_section

# ---------------------------------------------------------------------------------------------------------
# 8. Report
# ---------------------------------------------------------------------------------------------------------
stop_started "$BACKEND_PID"
echo
MW_SETTINGS=
ROUNDS_NOTE=
((ROUNDS > 0)) && ROUNDS_NOTE="Each row outside mw: the median of its runs over $ROUNDS alternating rounds (proxies restarted each round, order rotated; the first run after each start, and its first HTTP/2 run, warm up ${PROCESS_WARMUP}s longer); req/s, p50 and p99 are each the median of the runs' values. "
[[ $SECTIONS == *' mw '* ]] && MW_SETTINGS="Per-middleware rows (mw): $MW_PAIRS pairs per row (information-only rows $(((MW_PAIRS + 1) / 2))), each pair one ${MW_SLICE}s wrk slice of the row and one of its reference (\`-t1 -c$CONNS\`, stopped by SIGINT after ${MW_SLICE}s), in the same process, the order inside a pair alternating; every row checked, then warmed for ${WARMUP}s (the first one after the process starts for $((WARMUP + PROCESS_WARMUP))s), before the first pair. The section took ${MW_TOOK:-?}s."
node "$HERE/lib/production-report.mjs" "$MANIFEST" "$OUT" "$CONFIGS" "$TMP" \
  "HTTPS on 127.0.0.1, TLS 1.2-1.3 (TLS 1.3 negotiated), self-signed ECDSA P-256 certificate for $DOMAIN; every client sends SNI and Host $DOMAIN and does not verify the certificate. Body: the same $PAGE_BYTES-byte text/html page from three backends ($BACKEND_DESC)." \
  "HTTP/1.1 rows: $WRK_VERSION \`-t1 -c$CONNS -d${DURATION}s --latency\` after a ${WARMUP}s warm-up run, keep-alive, \`Accept-Encoding: gzip, br\` (middleware rows: \`gzip\`, see there); wrk sends SNI from the URL's host, a Lua \`wrk.resolve\` override connects it to 127.0.0.1. HTTP/2 rows: $H2LOAD_VERSION \`-t1 -c$H2_CLIENTS -m$H2_STREAMS -D $DURATION --warm-up-time=$WARMUP\`, \`accept-encoding: gzip, br\`, p50/p99 from its per-request log." \
  ${MW_SETTINGS:+"$MW_SETTINGS"} \
  "${ROUNDS_NOTE}Machine: $(nproc) cores, Node $(node -v), $(date -u +%Y-%m-%dT%H:%MZ). Script time: ${SECONDS}s of a ${BUDGET}s budget. Load average (1 min) before the first row: ${LOAD_START:-?}, after the last: $(cut -d' ' -f1 /proc/loadavg 2>/dev/null) (other work on the machine skews all rows; compare ratios).${PIN_DESC:+ $PIN_DESC}"
if [[ -n $MEM_REPORT ]]; then
  printf '\n%s\n' "$MEM_REPORT" | tee -a "$OUT"
fi
echo
log "written to ${OUT#"$ROOT"/}"
