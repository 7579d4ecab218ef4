#!/usr/bin/env bash
# What each middleware costs this checkout's pe-edge in CPU per request on the production path (the performance
# issue's goal 2: each light middleware <= 5 %): for each of production-path.sh's mw routes, cpu-ab.sh runs two
# processes of this build at once, pinned to one CPU, one loaded on /bench/none/ and one on the middleware's route,
# each by its own wrk in the same slices, and reports the median ratio of their CPU per request.
#
#   bash test/bench/mw-cost.sh                 # every row, BENCH_RUNS times each
#   BENCH_ROWS='headers ipallowlist' bash test/bench/mw-cost.sh
#
# Why not the mw section's alternation: this machine's speed moves by up to 2-3x between seconds, so slices of
# one route and then the other, 1.5 s apart, scattered by +-30 % (docs/performance-history.md). Loaded at once,
# a change of speed hits both routes alike. What stays is the difference between two fresh processes of one
# build, up to 3 % for a whole run (cpu-ab.sh's A/A runs): so each row runs BENCH_RUNS times (fresh processes
# each time, the two routes swapping processes' start order) and reports every run's median.
#
# Environment: BENCH_RUNS=2 (1..5), BENCH_ROWS (default: every row below but basicauthapr1), BENCH_SLICES=8
# (cpu-ab.sh's), and cpu-ab.sh's other variables (BENCH_PIN, BENCH_SLICE_SECONDS, BENCH_CONNECTIONS).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"
# shellcheck source=lib/production-setup.sh
source "$HERE/lib/production-setup.sh"

RUNS=$(clamp "${BENCH_RUNS:-2}" 1 5 2)
export BENCH_SLICES=${BENCH_SLICES:-8}
export BENCH_ROUTES=middlewares BENCH_AE=gzip BENCH_BUILT=1

# Row: its route's path segment, and the Authorization its requests carry (both routes get the same request).
declare -A AUTH=([basicauth]=$AUTH_BCRYPT [basicauthapr1]=$AUTH_APR1)
# Split on blanks only (no globbing); a row with no route would only fail its pre-flight check after a build.
DEFAULT_ROWS='headers ratelimit retry circuitbreaker ipallowlist basicauth stripprefix compress'
read -ra ROWS <<<"${BENCH_ROWS:-$DEFAULT_ROWS}"
KNOWN_ROWS=" $DEFAULT_ROWS basicauthapr1 "
for row in "${ROWS[@]}"; do
  [[ $KNOWN_ROWS == *" $row "* ]] || { log "BENCH_ROWS: no route /bench/$row/ (rows:$KNOWN_ROWS)"; exit 2; }
done
((${#ROWS[@]})) || { log "BENCH_ROWS names no row (rows:$KNOWN_ROWS)"; exit 2; }

log "building this checkout (npx tsc -b)"
(cd "$ROOT" && npx --no-install tsc -b) >/dev/null 2>&1 || log "npx tsc -b reported errors: measuring whatever dist/ holds"
# cpu-ab.sh's output, in a folder common.sh's cleanup removes however this script ends.
TMP=$(mktemp -d /tmp/pe-bench-mwcost.XXXXXX)
OUT=$TMP/cpu-ab.out
declare -A MEDIANS
FAILED=0
for ((run = 1; run <= RUNS; run++)); do
  for row in "${ROWS[@]}"; do
    # Odd runs put the middleware on cpu-ab.sh's B side, even runs on its A side (the ratio then inverted).
    if ((run % 2)); then a=/bench/none/ b=/bench/$row/; else a=/bench/$row/ b=/bench/none/; fi
    log "run $run, $row: A $a, B $b"
    BENCH_PATH_A=$a BENCH_PATH=$b BENCH_AUTHORIZATION=${AUTH[$row]:-} bash "$HERE/cpu-ab.sh" "$ROOT" >"$OUT" 2>&1
    line=$(grep 'B/A CPU per request: median' "$OUT")
    if [[ -z $line ]]; then
      log "run $run, $row: FAILED ($(grep -m1 FAILED "$OUT" || tail -n1 "$OUT"))"
      MEDIANS[$row]+=" failed;"
      FAILED=1
      continue
    fi
    read -r median low high < <(sed -n 's/.*median \([0-9.]*\), middle half \([0-9.]*\)-\([0-9.]*\),.*/\1 \2 \3/p' <<<"$line")
    # With the middleware on side A, B/A is none / the middleware: inverted, its middle half's ends swap.
    ((run % 2)) || read -r median low high < <(awk -v m="$median" -v l="$low" -v h="$high" 'BEGIN { printf "%.3f %.3f %.3f", 1 / m, 1 / h, 1 / l }')
    log "run $run, $row: the middleware's route / none = $median, middle half $low-$high"
    MEDIANS[$row]+=" $median ($low-$high, load $(cut -d' ' -f1 /proc/loadavg));"
  done
done
printf '\n| middleware | its route / none, CPU per request: each run (the median of its slices, their middle half, the 1-min load average after it) |\n|---|---|\n'
for row in "${ROWS[@]}"; do
  printf '| %s |%s |\n' "$row" "${MEDIANS[$row]%;}"
done
# A row whose run failed fails the script (after the table of what was measured).
exit "$FAILED"
