#!/usr/bin/env bash
# CPU time per HTTP/2 request of this checkout's pe-edge against another build of it (A/B), for changes to the
# HTTP/2 front or the request path whose cost is a few microseconds: req/s on a shared machine moves more than
# that, the process's own CPU time (utime + stime from /proc) per answered request much less.
#
#   bash test/bench/h2-cpu-ab.sh <reference checkout, built with `npx tsc -b`>
#   e.g. git archive main | tar -x -C /tmp/ref && ln -s "$PWD/node_modules" /tmp/ref/ && (cd /tmp/ref && npx tsc -b)
#
# Both builds run at once (one process each, the image's command), over TLS (ALPN h2) to one nginx answering a
# small body; h2load runs BENCH_REQUESTS requests against one, then the other, the order alternating every round
# after a warm-up of both. Prints each run and, per round, this build's CPU per request over the reference's,
# with the median of those ratios. All traffic stays on 127.0.0.1; every process started here is stopped on exit.
#
# Environment (all optional):
#   BENCH_ROUNDS=10        rounds (2..40)
#   BENCH_REQUESTS=20000   requests per run (1000..1000000)
#   BENCH_H2_CLIENTS=10    h2load -c
#   BENCH_H2_STREAMS=10    h2load -m (1 makes each stream a read batch of its own: the HTTP/2 front's worst case)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"

REF=${1:-}
if [[ -z $REF || ! -f $REF/dist/operator/cli/main.js ]]; then
  log "usage: $0 <reference checkout with dist/ built>"
  exit 2
fi
ROUNDS=$(clamp "${BENCH_ROUNDS:-10}" 2 40 10)
REQUESTS=$(clamp "${BENCH_REQUESTS:-20000}" 1000 1000000 20000)
CLIENTS=$(clamp "${BENCH_H2_CLIENTS:-10}" 1 1000 10)
STREAMS=$(clamp "${BENCH_H2_STREAMS:-10}" 1 1000 10)
for tool in h2load nginx openssl; do
  command -v "$tool" >/dev/null || { log "$tool is missing (apt-get install nghttp2-client nginx openssl)"; exit 2; }
done

TMP=$(mktemp -d /tmp/pe-bench-h2ab.XXXXXX)
read -r NGINX_PORT REF_PORT THIS_PORT < <(node "$HERE/lib/net.mjs" free-ports 3 | tr '\n' ' ')
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
  -days 2 -subj /CN=a.test -addext subjectAltName=DNS:a.test 2>/dev/null
cat >"$TMP/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $TMP; proxy_temp_path $TMP; fastcgi_temp_path $TMP; uwsgi_temp_path $TMP; scgi_temp_path $TMP;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$NGINX_PORT; location / { return 200 "a small answer from the backend\n"; } }
}
EOF
cat >"$TMP/dynamic.yml" <<EOF
http:
  routers:
    app: { rule: "Host(\`a.test\`)", service: app, tls: {} }
  services:
    app: { loadBalancer: { servers: [ { url: "http://127.0.0.1:$NGINX_PORT" } ] } }
tls:
  certificates:
    - { certFile: "$TMP/cert.pem", keyFile: "$TMP/key.pem" }
EOF
for side in ref this; do
  port=$REF_PORT
  [[ $side == this ]] && port=$THIS_PORT
  cat >"$TMP/traefik-$side.yml" <<EOF
global: { checkNewVersion: false, sendAnonymousUsage: false }
entryPoints:
  websecure:
    address: "127.0.0.1:$port"
    http: { tls: {} }
providers:
  file: { filename: "$TMP/dynamic.yml", watch: false }
log: { level: ERROR }
EOF
done

start_bg "$TMP/nginx.log" nginx -c "$TMP/nginx.conf"
start_bg "$TMP/ref.log" bash -c "cd '$REF' && exec ${DEFAULT_PE_EDGE_CMD//\{config\}/$TMP/traefik-ref.yml}"
REF_PID=$STARTED_PID
start_bg "$TMP/this.log" bash -c "cd '$ROOT' && exec ${DEFAULT_PE_EDGE_CMD//\{config\}/$TMP/traefik-this.yml}"
THIS_PID=$STARTED_PID
for port in $REF_PORT $THIS_PORT; do
  for ((i = 0; i < 100; i++)); do
    [[ $(curl -sk --http2 --resolve "a.test:$port:127.0.0.1" "https://a.test:$port/" -o /dev/null -w '%{http_code}' 2>/dev/null) == 200 ]] && break
    sleep 0.2
  done
done

TICKS=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# run SIDE : one h2load run; prints "SIDE us_per_request req_per_s"
run() {
  local side=$1 pid=$REF_PID port=$REF_PORT before after out ok rps
  [[ $side == this ]] && { pid=$THIS_PID; port=$THIS_PORT; }
  before=$(cpu_ticks "$pid")
  out=$(h2load -n "$REQUESTS" -c "$CLIENTS" -m "$STREAMS" --connect-to="127.0.0.1:$port" "https://a.test:$port/" 2>&1)
  after=$(cpu_ticks "$pid")
  ok=$(awk '/^status codes:/ { print $3 }' <<<"$out")
  rps=$(awk '/^finished in/ { print $4 }' <<<"$out")
  if [[ -z $ok || $ok -eq 0 ]]; then
    log "$side answered no request: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
    exit 1
  fi
  awk -v s="$side" -v t=$((after - before)) -v n="$ok" -v k="$TICKS" -v r="$rps" 'BEGIN { printf "%s %.1f %s\n", s, t * 1e6 / k / n, r }'
}

log "h2load -n $REQUESTS -c $CLIENTS -m $STREAMS, $ROUNDS rounds; reference: $REF"
run ref >/dev/null; run this >/dev/null
printf '| round | reference µs CPU/req | this µs CPU/req | this/reference |\n| --- | --- | --- | --- |\n'
RATIOS=()
for ((r = 1; r <= ROUNDS; r++)); do
  if ((r % 2)); then a=$(run ref); b=$(run this); else b=$(run this); a=$(run ref); fi
  ratio=$(awk -v a="${a#* }" -v b="${b#* }" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.3f", y[1] / x[1] }')
  RATIOS+=("$ratio")
  printf '| %d | %s | %s | %s |\n' "$r" "$(cut -d' ' -f2 <<<"$a")" "$(cut -d' ' -f2 <<<"$b")" "$ratio"
done
MEDIAN=$(printf '%s\n' "${RATIOS[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
LOWER=$(printf '%s\n' "${RATIOS[@]}" | awk '$1 < 1 { n++ } END { print n + 0 }')
log "this/reference CPU per request: median $MEDIAN over $ROUNDS rounds (this build cheaper in $LOWER)"
