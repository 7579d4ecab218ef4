#!/usr/bin/env bash
# CPU time per request of this checkout's pe-edge (B) against another build of it (A) on the production path:
# HTTPS (TLS 1.3), the seed's app router and its five middlewares, three nginx backends serving the 4 kB page,
# `Accept-Encoding: gzip, br`, as production-path.sh runs it.
#
#   bash test/bench/cpu-ab.sh <reference checkout, built with `npx tsc -b`>
#   e.g. git archive <rev> | tar -x -C /tmp/ref && ln -s "$PWD/node_modules" /tmp/ref/ && (cd /tmp/ref && npx tsc -b)
#
# Why both at once: this machine's speed changes by up to 2-3x from second to second, so two builds measured one
# after the other (h2-cpu-ab.sh) give per-round ratios from 0.57 to 1.28. Here both run at the same time, pinned
# to the same CPU (wrk and nginx on the others), each loaded by its own wrk in the same slices: a change of speed
# hits both alike and cancels in the per-slice ratio of their CPU per request. Each slice reads each process's
# user + system CPU ticks (/proc, every thread) before and after, and divides by the requests its wrk completed. Before anything is measured, curl checks that both answer 200 with the page, the seed's security
# headers and a Content-Encoding (so a broken build cannot look fast). All traffic stays on 127.0.0.1; every
# process started here is stopped on exit. Two fresh processes of the same build have differed by up to 3 % for
# a whole run here, which no number of slices removes: run it more than once (test/bench/README.md).
#
# Environment (all optional):
#   BENCH_SLICES=12          measured slices (4..60), after BENCH_WARMUP_SLICES of both
#   BENCH_WARMUP_SLICES=1    slices run first and not counted (1..10; 3 with BENCH_CPU_QUOTA, which gives node's
#                            compilers a fraction of a CPU too)
#   BENCH_SLICE_SECONDS=3    seconds per slice (1..30): wrk -d
#   BENCH_CONNECTIONS=25     wrk -c of each of the two wrk (-t1)
#   BENCH_AE='gzip, br'      the Accept-Encoding every request sends (empty: none)
#   BENCH_PATH=/             the path requested (/unique/: a different page every request, compressed every time)
#   BENCH_ROUTES=seed        seed: the seed's chain on every path; middlewares: production-path.sh's mw routes, one
#                            middleware each (BENCH_PATH=/bench/ipallowlist/, /bench/compress/, /bench/none/, ...)
#   BENCH_PATH_A=$BENCH_PATH  the path A's wrk requests: with this checkout as the reference and another path, the
#                            two routes of one build compared at once (what one middleware costs)
#   BENCH_AUTHORIZATION=     an Authorization header every request sends (the mw routes' basicAuth: see
#                            lib/production-setup.sh's AUTH_BCRYPT)
#   BENCH_BUILT=1            this checkout is built already: no `npx tsc -b` first
#   BENCH_PIN=0              do not pin (by default both builds share the last CPU, the load runs on the others)
#   BENCH_PROTOCOL=h1        h2: HTTP/2, each side loaded by its own h2load (-t1, BENCH_H2_CLIENTS=10 connections,
#                            BENCH_H2_STREAMS=10 streams each) instead of wrk
#   BENCH_CONNECTION_CLOSE=1 wrk asks for a new connection (and TLS handshake) every request (HTTP/1.1 only)
#   BENCH_WORKERS_B=N        B runs with --workers=N (with this checkout as the reference: N workers against one)
#   BENCH_CPU_QUOTA=CORES    each side in a cgroup of its own holding it to CORES CPUs' worth of time per process
#                            (B with --workers=N to N times that, each worker to CORES in a child group of its own;
#                            lib/cpu-quota.sh), instead of pinning: a quota stands in for a core, so one process at
#                            0.3 and two workers at 0.3 each show how the workers scale while the load keeps the rest
#                            of the machine. Each slice then gives both sides' requests, their ratio and the share of
#                            periods A and each of B's workers were throttled (near 100 %: the quota, not the load,
#                            bound it). Needs root and a cgroup cpu controller. NODE_CLUSTER_SCHED_POLICY=rr in the
#                            environment reaches B's primary (who spreads connections: README, --workers).
#
# How --workers scales, measured (goal 5 of the performance issue; test/bench/README.md):
#   BENCH_CPU_QUOTA=0.3 BENCH_WORKERS_B=2 bash test/bench/cpu-ab.sh .
#   BENCH_CPU_QUOTA=0.3 BENCH_WORKERS_B=2 BENCH_PROTOCOL=h2 bash test/bench/cpu-ab.sh .
#   BENCH_NODE_A=node        the node binary A runs on (BENCH_NODE_B: B's): one build on two nodes, e.g.
#                            `BENCH_NODE_B=/path/to/node24/bin/node bash test/bench/cpu-ab.sh .`
#   BENCH_KEEP_TMP=1         keep the temp folder (configs, certificate, logs, raw wrk output)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"
# shellcheck source=lib/production-setup.sh
source "$HERE/lib/production-setup.sh"
# shellcheck source=lib/cpu-quota.sh
source "$HERE/lib/cpu-quota.sh"
PROD=$HERE/proxies/production

REF=${1:-}
if [[ -z $REF || ! -f $REF/dist/operator/cli/main.js ]]; then
  log "usage: $0 <reference checkout with dist/ built>"
  exit 2
fi
REF=$(cd "$REF" && pwd)
SLICES=$(clamp "${BENCH_SLICES:-12}" 4 60 12)
SLICE_S=$(clamp "${BENCH_SLICE_SECONDS:-3}" 1 30 3)
WARMUP_SLICES=$(clamp "${BENCH_WARMUP_SLICES:-$([[ -n ${BENCH_CPU_QUOTA:-} ]] && echo 3 || echo 1)}" 1 10 1)
CONNS=$(clamp "${BENCH_CONNECTIONS:-25}" 1 1000 25)
AE=${BENCH_AE-gzip, br}
REQ_PATH=${BENCH_PATH:-/}
PATH_A=${BENCH_PATH_A:-$REQ_PATH}
[[ $REQ_PATH == /* && $PATH_A == /* ]] || { log "BENCH_PATH and BENCH_PATH_A must start with / (got '$REQ_PATH', '$PATH_A')"; exit 2; }
ROUTES=${BENCH_ROUTES:-seed}
case $ROUTES in
  seed) DYNAMIC_TMPL=dynamic.yml.tmpl READY_PATH=/ ;;
  middlewares) DYNAMIC_TMPL=dynamic-middlewares.yml.tmpl READY_PATH=/bench/none/ ;;
  *) log "BENCH_ROUTES must be seed or middlewares (got '$ROUTES')"; exit 2 ;;
esac
# security PATH : 1 when the route answers with the seed's security headers (every path of the seed's routes).
security() {
  [[ $ROUTES == seed || $1 == /bench/seed* || $1 == /bench/headers* ]] && echo 1 || echo 0
}
PROTOCOL=${BENCH_PROTOCOL:-h1}
case $PROTOCOL in
  h1) LOAD_TOOL=wrk CURL_PROTO=--http1.1 ;;
  h2) LOAD_TOOL=h2load CURL_PROTO=--http2 ;;
  *) log "BENCH_PROTOCOL must be h1 or h2 (got '$PROTOCOL')"; exit 2 ;;
esac
H2_CLIENTS=$(clamp "${BENCH_H2_CLIENTS:-10}" 1 1000 10)
H2_STREAMS=$(clamp "${BENCH_H2_STREAMS:-10}" 1 1000 10)
WORKERS_B=${BENCH_WORKERS_B:-}
[[ -z $WORKERS_B || $WORKERS_B =~ ^([2-9]|1[0-6])$ ]] || { log "BENCH_WORKERS_B must be 2..16 (got '$WORKERS_B')"; exit 2; }
QUOTA=${BENCH_CPU_QUOTA:-}
[[ -z $QUOTA || $QUOTA =~ ^(0\.[1-9][0-9]*|[1-8](\.[0-9]+)?)$ ]] || { log "BENCH_CPU_QUOTA must be a number of CPUs, 0.1..8 (got '$QUOTA')"; exit 2; }
[[ ${BENCH_CONNECTION_CLOSE:-} != 1 || $PROTOCOL == h1 ]] || { log "BENCH_CONNECTION_CLOSE works with HTTP/1.1 only (BENCH_PROTOCOL=$PROTOCOL)"; exit 2; }
for tool in "$LOAD_TOOL" nginx curl openssl; do
  command -v "$tool" >/dev/null || { log "$tool is missing (apt-get install wrk nghttp2-client nginx curl openssl)"; exit 2; }
done

# The Content-Encodings an answer may have for AE: its codings with q > 0 (none when it offers none).
expected_encodings() {
  local e
  e=$(tr 'A-Z,' 'a-z\n' <<<"$1" | awk -F';' '{ gsub(/[ \t]/, ""); q = 1; if ($2 ~ /^q=/) q = substr($2, 3) + 0 }
    $1 != "" && $1 != "identity" && q > 0 { print ($1 == "*" ? "gzip\nbr\nzstd" : $1) }' | paste -sd/)
  echo "${e:-none}"
}
ENCODINGS=$(expected_encodings "$AE")
# encodings PATH : the Content-Encodings the pre-flight accepts there: none where the route does not compress.
encodings() {
  [[ $ROUTES == seed || $1 == /bench/seed* || $1 == /bench/compress* ]] && echo "$ENCODINGS" || echo none
}
# The pre-flight curl's headers. curl --compressed sends its own Accept-Encoding unless told otherwise; `Accept-Encoding:`
# removes it.
CURL_HEADERS=(-H "Accept-Encoding: $AE")
[[ -n $AE ]] || CURL_HEADERS=(-H 'Accept-Encoding:')
AUTHORIZATION=${BENCH_AUTHORIZATION:-}
[[ -n $AUTHORIZATION ]] && CURL_HEADERS+=(-H "Authorization: $AUTHORIZATION")

# A quota stands in for a core: pinning both sides to one CPU would take that back.
if [[ -z $QUOTA && ${BENCH_PIN:-1} != 0 ]]; then BENCH_PIN=1 pin_setup "$LOAD_TOOL and the nginx backends"; fi
PIN_NOTE="pinned: both builds on CPU $PROXY_CPUS, $LOAD_TOOL and nginx on CPU $LOAD_CPUS"
if [[ -n $QUOTA ]]; then
  PIN_NOTE="held to CPU quotas, not pinned: A to $QUOTA CPU, B to $(awk -v q="$QUOTA" -v n="${WORKERS_B:-1}" 'BEGIN { print q * n }') CPU (${WORKERS_B:-1} process(es) at $QUOTA each); $LOAD_TOOL and nginx unbounded on the machine's $(nproc) CPUs"
elif [[ -z $PIN_DESC ]]; then
  PIN_NOTE="NOT pinned: both builds, $LOAD_TOOL and nginx share the machine's $(nproc) CPU(s), so the two builds need not run on the same CPU at the same moments: expect a wider range"
fi

TMP=$(mktemp -d /tmp/pe-bench-cpuab.XXXXXX)

# BENCH_BUILT=1: the caller built this checkout already (mw-cost.sh, once for all its rows).
if [[ ${BENCH_BUILT:-0} != 1 ]]; then
  log "building this checkout (npx tsc -b)"
  if ! (cd "$ROOT" && npx --no-install tsc -b) >"$TMP/tsc.log" 2>&1; then
    log "npx tsc -b reported errors (first lines below); measuring whatever dist/ holds"
    head -n 15 "$TMP/tsc.log" | sed 's/^/    /'
  fi
fi
[[ -f $ROOT/dist/operator/cli/main.js ]] || { log "$ROOT/dist/operator/cli/main.js does not exist: nothing to measure"; exit 1; }

make_certificate
write_wrk_lua
NGINX_VERSION=$(nginx -v 2>&1 | sed -n 's|.*nginx/\([^ ]*\).*|\1|p')
start_html_backends 1

# production-path.sh's pe-edge: one dynamic file for both, a static file each that differs only in the port.
fill "$PROD/$DYNAMIC_TMPL" "$TMP/dynamic.yml" PORT1="$P1" PORT2="$P2" PORT3="$P3" CERT="$CERT" KEY="$KEY" BCRYPT="$BCRYPT_HASH"
read -r PORT_A PORT_B < <(node "$HERE/lib/net.mjs" free-ports 2 | tr '\n' ' ')
# start_build SIDE DIR PORT [PROCESSES] : that build's pe-edge on the proxy CPU, or in a quota group of its own
# (PROCESSES: its --workers, 1 without; with workers, the primary starts in a child group of the side's, and
# quota_workers gives each worker one); sets STARTED_PID and, with a quota, GROUP_<SIDE>.
start_build() {
  local side=$1 dir=$2 port=$3 processes=${4:-1} cmd prefix=("${PIN_PROXY[@]}")
  fill "$PROD/traefik.yml.tmpl" "$TMP/traefik-$side.yml" PORT="$port" DYNAMIC="$TMP/dynamic.yml"
  cmd=${DEFAULT_PE_EDGE_CMD//\{config\}/$TMP/traefik-$side.yml}
  local node_bin=${BENCH_NODE_A:-node}
  [[ $side == b ]] && node_bin=${BENCH_NODE_B:-node}
  cmd=${cmd/#node /$node_bin }
  ((processes > 1)) && cmd+=" --workers=$processes"
  if [[ -n $QUOTA ]]; then
    quota_group "$side" "$(awk -v q="$QUOTA" -v n="$processes" 'BEGIN { print q * n }')" || { log "BENCH_CPU_QUOTA: $QUOTA_ERR"; exit 2; }
    printf -v "GROUP_$side" '%s' "$QUOTA_GROUP"
    ((processes > 1)) && { quota_group primary '' "$QUOTA_GROUP" || { log "BENCH_CPU_QUOTA: $QUOTA_ERR"; exit 2; }; }
    mapfile -t prefix < <(in_quota "$QUOTA_GROUP")
  fi
  start_bg "$TMP/pe-edge-$side.log" "${prefix[@]}" env NODE_ENV=production bash -c "cd \"\$1\" && exec $cmd" _ "$dir"
}
GROUP_a= GROUP_b=
start_build a "$REF" "$PORT_A"
PID_A=$STARTED_PID
start_build b "$ROOT" "$PORT_B" "${WORKERS_B:-1}"
PID_B=$STARTED_PID

# quota_workers : each of B's workers (the primary's children) into a group of its own at QUOTA, inside B's: a core
# each. One pooled quota for all of them would let a worker that got most of the connections use the share of one
# that got few, hiding how evenly the kernel spreads connections. Sets WORKER_GROUPS and WORKER_PIDS.
WORKER_GROUPS=()
WORKER_PIDS=()
quota_workers() {
  local pid i=0
  for pid in $(pgrep -P "$PID_B"); do
    quota_group "worker$i" "$QUOTA" "$GROUP_b" || { log "BENCH_CPU_QUOTA: $QUOTA_ERR"; exit 2; }
    quota_move "$pid" "$QUOTA_GROUP" || { log "FAILED could not move worker $pid into $QUOTA_GROUP"; exit 1; }
    WORKER_GROUPS+=("$QUOTA_GROUP")
    WORKER_PIDS+=("$pid")
    i=$((i + 1))
  done
  ((i == WORKERS_B)) || { log "FAILED B has $i worker processes, not $WORKERS_B"; exit 1; }
}

# check SIDE NAME PID PORT PATH : ready, then the pre-flight curl on PATH; exits when either fails. Sets ENC_<SIDE>.
check() {
  local side=$1 name=$2 pid=$3 port=$4 path=$5
  if ! wait_https "$port" "$pid" "$READY_PATH"; then
    log "FAILED $name did not start: $WAIT_INFO; its log ends:"
    tail -n 5 "$TMP/pe-edge-$side.log" | sed 's/^/    /'
    exit 1
  fi
  if ! preflight "$port" "$CURL_PROTO" "$path" "$(encodings "$path")" "$(security "$path")" "${CURL_HEADERS[@]}"; then
    log "FAILED $name: pre-flight check on $path: $PF_ERR"
    exit 1
  fi
  # A basicAuth route that let everyone in would look free: without the credentials it must answer 401.
  if [[ $path == /bench/basicauth* ]]; then
    https_curl "$port" --http1.1 "$path" "$TMP/no-auth.h" "$TMP/no-auth.b" "$TMP/no-auth.v" -H 'Accept-Encoding:' || true
    local no_auth
    no_auth=$(head -n1 "$TMP/no-auth.h" 2>/dev/null | awk '{print $2}')
    [[ $no_auth == 401 ]] || { log "FAILED $name: $path answers ${no_auth:-nothing} without credentials (want 401)"; exit 1; }
  fi
  log "$name: $WAIT_INFO, pre-flight ok: $PF_INFO"
  printf -v "ENC_$side" '%s' "$(sed -n 's/.*Content-Encoding \([^;,]*\),.*/\1/p' <<<"$PF_INFO")"
}
check a "A (reference, $REF)" "$PID_A" "$PORT_A" "$PATH_A"
check b "B (this checkout, $ROOT)" "$PID_B" "$PORT_B" "$REQ_PATH"
[[ -n $QUOTA && -n $WORKERS_B ]] && quota_workers
# The groups whose throttling each slice reports: A's, then B's (each worker's when it has workers).
B_GROUPS=("$GROUP_b")
((${#WORKER_GROUPS[@]})) && B_GROUPS=("${WORKER_GROUPS[@]}")
[[ $ENC_a == "$ENC_b" || $PATH_A != "$REQ_PATH" ]] || log "WARNING A answers with Content-Encoding $ENC_a, B with $ENC_b: the two do different work"

# wrk_start PORT OUT PATH : one wrk (or h2load, BENCH_PROTOCOL=h2) in the background on the load CPUs; sets
# STARTED_WRK.
wrk_start() {
  if [[ $PROTOCOL == h2 ]]; then
    local h2_args=(-t1 -c"$H2_CLIENTS" -m"$H2_STREAMS" -D "$SLICE_S" --connect-to="127.0.0.1:$1")
    [[ -n $AE ]] && h2_args+=(-H "accept-encoding: $AE")
    [[ -n $AUTHORIZATION ]] && h2_args+=(-H "authorization: $AUTHORIZATION")
    timeout $((SLICE_S + 10)) "${PIN_LOAD[@]}" h2load "${h2_args[@]}" "https://$DOMAIN$3" >"$2" 2>&1 &
  else
    local wrk_args=(-t1 -c"$CONNS" -d"${SLICE_S}s" -s "$WRK_LUA" -H "Host: $DOMAIN")
    [[ -n $AE ]] && wrk_args+=(-H "Accept-Encoding: $AE")
    [[ -n $AUTHORIZATION ]] && wrk_args+=(-H "Authorization: $AUTHORIZATION")
    [[ ${BENCH_CONNECTION_CLOSE:-} == 1 ]] && wrk_args+=(-H 'Connection: close')
    timeout $((SLICE_S + 10)) "${PIN_LOAD[@]}" wrk "${wrk_args[@]}" "https://$DOMAIN:$1$3" >"$2" 2>&1 &
  fi
  STARTED_WRK=$!
}

# throttled_percent BEFORE AFTER : the share of periods a quota group was throttled in, from two quota_throttled.
throttled_percent() { awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); p = y[1] - x[1]; printf("%d", (p > 0) ? 100 * (y[2] - x[2]) / p : 0) }'; }
ALL_CPUS=0-$(($(nproc) - 1))

# run_slice N : both wrk at once, the one started first alternating; sets SLICE to
# "requests_A errors_A ticks_A requests_B errors_B ticks_B load_busy% pe-edge_busy%" (with BENCH_CPU_QUOTA the
# last two are the machine's busy % and "A%/B%[,B%...]", the share of periods A and B (each of B's workers) were
# throttled). Exits if a build died.
run_slice() {
  local n=$1 a0 b0 a1 b1 wa wb load0 proxy0 busy='- -' side pid group throttled0=() shares=() k=0
  a0=$(group_cpu_ticks "$PID_A")
  b0=$(group_cpu_ticks "$PID_B")
  [[ -n $LOAD_CPUS ]] && { load0=$(cpu_jiffies "$LOAD_CPUS"); proxy0=$(cpu_jiffies "$PROXY_CPUS"); }
  if [[ -n $QUOTA ]]; then
    load0=$(cpu_jiffies "$ALL_CPUS")
    for group in "$GROUP_a" "${B_GROUPS[@]}"; do throttled0+=("$(quota_throttled "$group")"); done
  fi
  if ((n % 2)); then
    wrk_start "$PORT_A" "$TMP/slice$n-a.wrk" "$PATH_A"; wa=$STARTED_WRK
    wrk_start "$PORT_B" "$TMP/slice$n-b.wrk" "$REQ_PATH"; wb=$STARTED_WRK
  else
    wrk_start "$PORT_B" "$TMP/slice$n-b.wrk" "$REQ_PATH"; wb=$STARTED_WRK
    wrk_start "$PORT_A" "$TMP/slice$n-a.wrk" "$PATH_A"; wa=$STARTED_WRK
  fi
  LOAD_PID="$wa $wb"
  # The two wrk only: a bare `wait` would also wait for the pe-edge processes and nginx, which never end.
  wait "$wa" "$wb"
  LOAD_PID=
  a1=$(group_cpu_ticks "$PID_A")
  b1=$(group_cpu_ticks "$PID_B")
  [[ -n $LOAD_CPUS ]] && busy="$(busy_percent "$load0" "$(cpu_jiffies "$LOAD_CPUS")") $(busy_percent "$proxy0" "$(cpu_jiffies "$PROXY_CPUS")")"
  if [[ -n $QUOTA ]]; then
    for group in "$GROUP_a" "${B_GROUPS[@]}"; do
      shares+=("$(throttled_percent "${throttled0[k]}" "$(quota_throttled "$group")")")
      k=$((k + 1))
    done
    busy="$(busy_percent "$load0" "$(cpu_jiffies "$ALL_CPUS")") ${shares[0]}/$(IFS=,; echo "${shares[*]:1}")"
  fi
  for side in a b; do
    pid=$PID_A
    [[ $side == b ]] && pid=$PID_B
    kill -0 "$pid" 2>/dev/null && continue
    log "FAILED ${side^^} exited during slice $n; its log ends:"
    tail -n 5 "$TMP/pe-edge-$side.log" | sed 's/^/    /'
    exit 1
  done
  SLICE="$(wrk_counts "$TMP/slice$n-a.wrk") $((a1 - a0)) $(wrk_counts "$TMP/slice$n-b.wrk") $((b1 - b0)) $busy"
}

LOAD_DESC="two $(wrk -v 2>&1 | head -n1 | awk '{print $1" "$2}') -t1 -c$CONNS at once, keep-alive, HTTPS HTTP/1.1"
[[ ${BENCH_CONNECTION_CLOSE:-} == 1 ]] && LOAD_DESC=${LOAD_DESC/keep-alive/a new connection (Connection: close) every request}
[[ $PROTOCOL == h2 ]] && LOAD_DESC="two $(h2load --version 2>&1 | head -n1) -t1 -c$H2_CLIENTS -m$H2_STREAMS at once, HTTPS HTTP/2"
log "A: $REF on $(${BENCH_NODE_A:-node} --version); B: $ROOT on $(${BENCH_NODE_B:-node} --version)${WORKERS_B:+ with --workers=$WORKERS_B (NODE_CLUSTER_SCHED_POLICY=${NODE_CLUSTER_SCHED_POLICY:-unset: the kernel spreads connections})}; $DEFAULT_PE_EDGE_CMD"
log "$SLICES slices of ${SLICE_S}s after $WARMUP_SLICES warm-up slice(s): $LOAD_DESC, GET $PATH_A (A) and $REQ_PATH (B), Accept-Encoding: ${AE:-(none)}; $PIN_NOTE"
LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
for ((s = 1; s <= WARMUP_SLICES; s++)); do run_slice "$((1 - s))"; done # 0, -1, ...: not counted
BUSY_HEADS='load CPU busy % | pe-edge CPU busy %'
[[ -n $QUOTA ]] && BUSY_HEADS='machine CPU busy % | periods throttled, A/B % (B: each worker)'
printf '\n| slice | A requests | A µs CPU/req | B requests | B µs CPU/req | B/A CPU per request | B/A requests | %s |\n' "$BUSY_HEADS"
printf '| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n'
RATIOS=()
REQUEST_RATIOS=()
UNBOUND=0
for ((s = 1; s <= SLICES; s++)); do
  run_slice "$s"
  read -r ra bada ta rb badb tb load_busy proxy_busy <<<"$SLICE"
  # A slice where either side had errors (over 0.1 % of its requests), or did nothing, says nothing about CPU per request.
  row=$(awk -v ra="$ra" -v ba="$bada" -v ta="$ta" -v rb="$rb" -v bb="$badb" -v tb="$tb" -v k="$CLK_TCK" 'BEGIN {
    if (ra == 0 || rb == 0 || ta == 0 || tb == 0 || ba > ra / 1000 || bb > rb / 1000) { printf "- errors A %d B %d, CPU ticks A %d B %d", ba, bb, ta, tb; exit }
    ua = ta * 1e6 / k / ra; ub = tb * 1e6 / k / rb; printf "%.3f %.1f %.1f %.3f", ub / ua, ua, ub, rb / ra }')
  if [[ $row == -* ]]; then
    ratio="left out: ${row#- }" ua=- ub=- request_ratio=-
  else
    read -r ratio ua ub request_ratio <<<"$row"
    RATIOS+=("$ratio")
    REQUEST_RATIOS+=("$request_ratio")
    # Under quotas a side (or a worker) throttled in fewer than 80 % of the periods had CPU left.
    [[ -n $QUOTA ]] && (($(tr '/,' '\n\n' <<<"$proxy_busy" | sort -n | head -n1) < 80)) && UNBOUND=$((UNBOUND + 1))
  fi
  printf '| %d | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$s" "$ra" "$ua" "$rb" "$ub" "$ratio" "$request_ratio" "$load_busy" "$proxy_busy"
done
echo
N=${#RATIOS[@]}
if ((N == 0)); then
  log "FAILED no slice could be measured (see the rows above; logs: BENCH_KEEP_TMP=1)"
  exit 1
fi
# summary RATIO... : "median low high below-1" of the sorted ratios, low and high bounding their middle half (a
# quarter left out at each end).
summary() {
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1; if ($1 < 1) c++ } END {
    q = int(NR / 4); print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[q + 1], v[NR - q], c + 0 }'
}
read -r MEDIAN LOW HIGH CHEAPER < <(summary "${RATIOS[@]}")
log "B/A CPU per request: median $(printf '%.3f' "$MEDIAN"), middle half $LOW-$HIGH, over $N slices (B cheaper in $CHEAPER)"
# With quotas each side's requests show what its CPUs allowed: with --workers=N on B, how far N workers scale.
if [[ -n $QUOTA ]]; then
  read -r MEDIAN LOW HIGH _ < <(summary "${REQUEST_RATIOS[@]}")
  log "B/A requests, under quotas of $QUOTA CPU per process: median $(printf '%.3f' "$MEDIAN"), middle half $LOW-$HIGH, over $N slices"
  ((UNBOUND == 0)) || log "WARNING in $UNBOUND of $N slices a side or a worker was throttled in under 80 % of the periods: it had CPU left. For one of B's workers while another was throttled, the connections it was given did not fill its share (how the kernel spread them); otherwise the machine or the load bound it (a smaller BENCH_CPU_QUOTA leaves the load more)"
fi
log "load average (1 min) before the warm-up: $LOAD_START, after the last slice: $(cut -d' ' -f1 /proc/loadavg) (other work on the machine shares these CPUs)"
