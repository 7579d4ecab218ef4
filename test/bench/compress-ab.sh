#!/usr/bin/env bash
# Goal 2's compress row, measured so that the machine's changes of speed cancel: what gzip costs pe-edge against
# what gzip costs HAProxy, as a ratio of ratios of CPU per request, every slice loading all four at once.
#
#   bash test/bench/compress-ab.sh
#
# Four processes share the last CPU (pinned; wrk and nginx on the others): pe-edge serving /bench/none/ (no
# middleware), pe-edge serving /bench/compress/ (compress only), HAProxy (nbthread 1) serving /bench/none/ and
# HAProxy serving /bench/compress/ (`compression algo gzip`, libslz in Debian's build). Both compressed paths answer
# the 4 kB page with a request id in it (never twice the same body, so compress's cache cannot answer: every
# request is compressed), every request sends `Accept-Encoding: gzip`. With BENCH_PAGE=same they request
# /bench/compress-same/ instead, the same routes and the backends' one page: HAProxy compresses it every time,
# pe-edge sends the form it kept; with BENCH_PAGE=nonces, /bench/compress-nonces/: the page with six script tags far
# apart, each with the request id as its nonce (a page with a CSP nonce); with BENCH_PAGE=resized,
# /bench/compress-resized/: the request id after its own leading decimal digits, a place whose length changes from
# page to page; with BENCH_PAGE=private, /bench/compress-private/: the unique page with `Cache-Control: private` (a
# signed-in user's page), which compress neither keeps nor serves from a template: its one-off encoder every time (the
# gzip preset for HTML, gzip-presets.ts); with BENCH_PAGE=json, /bench/compress-json/: a JSON API answer
# (application/json) with the request id in it and `Cache-Control: private`, the one-off encoder with the JSON preset. Each slice starts four wrk at once, reads
# each process's user + system CPU ticks around them and divides by its requests; then
#
#   ratio of ratios = (HAProxy compress / HAProxy none) / (pe-edge compress / pe-edge none), in CPU per request
#
# 1 or more: compress costs pe-edge no more than gzip costs HAProxy. Why all four at once: production-path.sh's `mw`
# section alternates a route and its reference in slices one after the other, and this machine's speed changes by
# up to 2-3x between them (single pairs there from -8 % to +172 %); here a change of speed hits the four alike
# within a slice and cancels in its ratio of ratios. CPU per request is what req/s would be on a core of its own:
# the four share one CPU, so their req/s say nothing. Before anything is measured, curl checks each path answers
# 200 with the page (decoded) and the right Content-Encoding. Traffic stays on 127.0.0.1; everything started here
# is stopped on exit.
#
# Environment (all optional):
#   BENCH_SLICES=16          measured slices (4..60), after BENCH_WARMUP_SLICES
#   BENCH_WARMUP_SLICES=2    slices run first and not counted (1..10)
#   BENCH_SLICE_SECONDS=3    seconds per slice (1..30): wrk -d
#   BENCH_CONNECTIONS=10     wrk -c of each of the four wrk (-t1)
#   BENCH_PAGE=unique        unique: a new page every request (every answer compressed); same: the one page;
#                            nonces: a new page every request, one request id in six script tags' nonces;
#                            resized: a new page every request, the request id after its leading digits (a length
#                            that changes); private: a new page every request, Cache-Control: private (no
#                            template, no cache: the one-off encoder); json: a JSON API answer of 4.7 kB
#                            (backends/page.json), a new request id in it every request, Cache-Control: private
#                            (the one-off encoder with the JSON preset)
#   BENCH_NODE=node          the node binary pe-edge runs on
#   BENCH_BUILT=1            this checkout is built already: no `npx tsc -b` first
#   BENCH_KEEP_TMP=1         keep the temp folder (configs, certificate, logs, raw wrk output)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"
# shellcheck source=lib/production-setup.sh
source "$HERE/lib/production-setup.sh"
PROD=$HERE/proxies/production

SLICES=$(clamp "${BENCH_SLICES:-16}" 4 60 16)
WARMUP_SLICES=$(clamp "${BENCH_WARMUP_SLICES:-2}" 1 10 2)
SLICE_S=$(clamp "${BENCH_SLICE_SECONDS:-3}" 1 30 3)
CONNS=$(clamp "${BENCH_CONNECTIONS:-10}" 1 1000 10)
NODE_BIN=${BENCH_NODE:-node}
case ${BENCH_PAGE:-unique} in
  unique) COMPRESS_PATH=/bench/compress/ ;;
  same) COMPRESS_PATH=/bench/compress-same/ ;;
  nonces) COMPRESS_PATH=/bench/compress-nonces/ ;;
  resized) COMPRESS_PATH=/bench/compress-resized/ ;;
  private) COMPRESS_PATH=/bench/compress-private/ ;;
  json) COMPRESS_PATH=/bench/compress-json/ ;;
  *) log "BENCH_PAGE must be unique, same, nonces, resized, private or json (got '$BENCH_PAGE')"; exit 2 ;;
esac
for tool in wrk nginx haproxy curl openssl taskset; do
  command -v "$tool" >/dev/null || { log "$tool is missing (apt-get install wrk nginx haproxy curl openssl util-linux)"; exit 2; }
done
BENCH_PIN=1 pin_setup "wrk and the nginx backends"
[[ -n $PIN_DESC ]] || { log "FAILED the four processes must share one CPU (taskset and 2 CPUs or more)"; exit 2; }
HAPROXY_VERSION=$(haproxy -v 2>/dev/null | head -n1 | awk '{print $3}')
HAPROXY_COMP=$(haproxy -vv 2>/dev/null | grep -- '+SLZ' >/dev/null && echo 'libslz' || echo 'zlib')

TMP=$(mktemp -d /tmp/pe-bench-compress.XXXXXX)
if [[ ${BENCH_BUILT:-0} != 1 ]]; then
  log "building this checkout (npx tsc -b)"
  (cd "$ROOT" && npx --no-install tsc -b) >"$TMP/tsc.log" 2>&1 || { log "FAILED npx tsc -b (see $TMP/tsc.log)"; exit 1; }
fi

make_certificate
write_wrk_lua
NGINX_VERSION=$(nginx -v 2>&1 | sed -n 's|.*nginx/\([^ ]*\).*|\1|p')
start_html_backends 1

# The four processes, in this order everywhere below: name, path loaded, Content-Encoding the pre-flight wants.
NAMES=(pe-none pe-compress ha-none ha-compress)
PATHS=(/bench/none/ "$COMPRESS_PATH" /bench/none/ "$COMPRESS_PATH")
WANT=(none gzip none gzip)
PROC_PIDS=()
PORTS=()
fill "$PROD/dynamic-middlewares.yml.tmpl" "$TMP/dynamic.yml" PORT1="$P1" PORT2="$P2" PORT3="$P3" CERT="$CERT" KEY="$KEY" BCRYPT="$BCRYPT_HASH"
read -r -a PORTS < <(node "$HERE/lib/net.mjs" free-ports 4 | tr '\n' ' ')
for i in 0 1; do
  fill "$PROD/traefik.yml.tmpl" "$TMP/traefik-$i.yml" PORT="${PORTS[i]}" DYNAMIC="$TMP/dynamic.yml"
  cmd=${DEFAULT_PE_EDGE_CMD//\{config\}/$TMP/traefik-$i.yml}
  start_bg "$TMP/${NAMES[i]}.log" "${PIN_PROXY[@]}" env NODE_ENV=production bash -c "cd \"\$1\" && exec ${cmd/#node /$NODE_BIN }" _ "$ROOT"
  PROC_PIDS+=("$STARTED_PID")
done
for i in 2 3; do
  fill "$PROD/haproxy-compress.cfg.tmpl" "$TMP/haproxy-$i.cfg" PORT="${PORTS[i]}" PEM="$PEM" PORT1="$P1" PORT2="$P2" PORT3="$P3"
  start_bg "$TMP/${NAMES[i]}.log" "${PIN_PROXY[@]}" haproxy -db -f "$TMP/haproxy-$i.cfg"
  PROC_PIDS+=("$STARTED_PID")
done
for i in 0 1 2 3; do
  wait_https "${PORTS[i]}" "${PROC_PIDS[i]}" /bench/none/ || { log "FAILED ${NAMES[i]} did not start: $WAIT_INFO"; tail -n 5 "$TMP/${NAMES[i]}.log" | sed 's/^/    /'; exit 1; }
  preflight "${PORTS[i]}" --http1.1 "${PATHS[i]}" "${WANT[i]}" 0 -H 'Accept-Encoding: gzip' || { log "FAILED ${NAMES[i]}: pre-flight check on ${PATHS[i]}: $PF_ERR"; exit 1; }
  log "${NAMES[i]} (${PATHS[i]}): $PF_INFO"
done

# run_slice N : the four wrk at once, the order they start in rotating; sets COUNTS to "requests ticks" per
# process, in NAMES' order, or to an empty string when one had errors. Exits if a process died.
run_slice() {
  local n=$1 i k before=() waits=() requests errors
  for i in 0 1 2 3; do before[i]=$(group_cpu_ticks "${PROC_PIDS[i]}"); done
  for k in 0 1 2 3; do
    i=$(((k + n + 40) % 4))
    timeout $((SLICE_S + 10)) "${PIN_LOAD[@]}" wrk -t1 -c"$CONNS" -d"${SLICE_S}s" -s "$WRK_LUA" -H "Host: $DOMAIN" \
      -H 'Accept-Encoding: gzip' "https://$DOMAIN:${PORTS[i]}${PATHS[i]}" >"$TMP/slice$n-$i.wrk" 2>&1 &
    waits+=($!)
  done
  LOAD_PID="${waits[*]}"
  wait "${waits[@]}"
  LOAD_PID=
  COUNTS=
  for i in 0 1 2 3; do
    kill -0 "${PROC_PIDS[i]}" 2>/dev/null || { log "FAILED ${NAMES[i]} exited during slice $n"; tail -n 5 "$TMP/${NAMES[i]}.log" | sed 's/^/    /'; exit 1; }
    read -r requests errors < <(wrk_counts "$TMP/slice$n-$i.wrk")
    ((requests > 0 && errors * 1000 <= requests)) || { COUNTS=; return; }
    COUNTS+="$requests $(($(group_cpu_ticks "${PROC_PIDS[i]}") - before[i])) "
  done
}

log "$SLICES slices of ${SLICE_S}s after $WARMUP_SLICES warm-up slice(s): four wrk -t1 -c$CONNS at once, keep-alive, HTTPS HTTP/1.1, Accept-Encoding: gzip; pe-edge ($($NODE_BIN --version), $DEFAULT_PE_EDGE_CMD) and HAProxy $HAPROXY_VERSION ($HAPROXY_COMP) all on CPU $PROXY_CPUS, wrk and nginx on CPU $LOAD_CPUS"
for ((s = 1; s <= WARMUP_SLICES; s++)); do run_slice "$((-s))"; done
printf '\n| slice | pe-edge none µs/req | pe-edge compress µs/req | pe-edge compress/none | HAProxy none µs/req | HAProxy compress µs/req | HAProxy compress/none | ratio of ratios |\n'
printf '| --- | --- | --- | --- | --- | --- | --- | --- |\n'
RATIOS=()
for ((s = 1; s <= SLICES; s++)); do
  run_slice "$s"
  if [[ -z $COUNTS ]]; then
    printf '| %d | left out: a process answered errors (over 0.1 %% of its requests) or none |||||||\n' "$s"
    continue
  fi
  row=$(awk -v k="$CLK_TCK" -v c="$COUNTS" 'BEGIN { split(c, v, " ");
    for (i = 0; i < 4; i++) { if (v[2 * i + 2] == 0) { print "-"; exit } u[i] = v[2 * i + 2] * 1e6 / k / v[2 * i + 1] }
    pe = u[1] / u[0]; ha = u[3] / u[2]; printf "%.1f %.1f %.3f %.1f %.1f %.3f %.3f", u[0], u[1], pe, u[2], u[3], ha, ha / pe }')
  [[ $row == - ]] && { printf '| %d | left out: a process used no CPU ticks |||||||\n' "$s"; continue; }
  read -r a b pe c d ha ror <<<"$row"
  printf '| %d | %s | %s | %s | %s | %s | %s | %s |\n' "$s" "$a" "$b" "$pe" "$c" "$d" "$ha" "$ror"
  RATIOS+=("$ror")
done
echo
N=${#RATIOS[@]}
((N >= 4)) || { log "FAILED only $N slices could be measured (logs: BENCH_KEEP_TMP=1)"; exit 1; }
# The median and its distribution-free confidence interval (lib/paired-costs.mjs, as the mw section's rows).
node --input-type=module -e '
  const { medianInterval } = await import(process.argv[1]);
  const values = process.argv.slice(2).map(Number);
  const s = medianInterval(values);
  const met = values.filter((v) => v >= 1).length;
  const verdict = s.lo >= 1 ? "met" : s.hi < 1 ? "NOT met" : "inconclusive";
  console.log(`[bench] ratio of ratios (HAProxy compress/none over pe-edge compress/none, CPU per request): median ${s.median.toFixed(3)} over ${s.n} slices (${met} at or over 1), ${(100 * s.coverage).toFixed(1)} % interval ${s.lo.toFixed(3)}..${s.hi.toFixed(3)}: ${verdict}`);
' "$HERE/lib/paired-costs.mjs" "${RATIOS[@]}"
log "load average (1 min) at the end: $(cut -d' ' -f1 /proc/loadavg) (other work on the machine shares these CPUs)"
