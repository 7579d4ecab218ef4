// Parses the text that `wrk --latency` prints into numbers (req/s, latency percentiles in ms, errors).
// Run as a script with `--self-test` to check the parser against captured samples.
import process from 'node:process';

const TIME_UNITS_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const COUNT_SUFFIX = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6, g: 1e9, G: 1e9 };

/** "630.00us" | "1.50ms" | "2.00s" | "1.00m" -> milliseconds, or undefined. */
export function parseTimeMs(text) {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*(us|ms|s|m|h)\s*$/i.exec(text ?? '');
  if (!m) return undefined;
  const unit = m[2].toLowerCase();
  return Number(m[1]) * TIME_UNITS_MS[unit];
}

/** "74.12k" | "1.2M" | "36512.45" -> number, or undefined. */
export function parseCount(text) {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*([kKmMgG]?)\s*$/.exec(text ?? '');
  if (!m) return undefined;
  return Number(m[1]) * COUNT_SUFFIX[m[2]];
}

/**
 * @param {string} text wrk stdout
 * @returns {{ rps?: number, p50?: number, p75?: number, p90?: number, p99?: number, avg?: number, max?: number,
 *   requests?: number, durationMs?: number, socketErrors: number, socketErrorText?: string, non2xx: number }}
 */
export function parseWrk(text) {
  const out = { socketErrors: 0, non2xx: 0 };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    let m;
    if ((m = /^Requests\/sec:\s*(\S+)/.exec(line))) {
      out.rps = parseCount(m[1]);
    } else if ((m = /^(50|75|90|99|99\.9|99\.99)(?:\.0+)?%\s+(\S+)/.exec(line))) {
      const key = { '50': 'p50', '75': 'p75', '90': 'p90', '99': 'p99' }[m[1]];
      if (key) out[key] = parseTimeMs(m[2]);
    } else if ((m = /^Latency\s+(\S+)\s+(\S+)\s+(\S+)/.exec(line))) {
      out.avg = parseTimeMs(m[1]);
      out.max = parseTimeMs(m[3]);
    } else if ((m = /^(\d+)\s+requests in\s+(\S+),/.exec(line))) {
      out.requests = Number(m[1]);
      out.durationMs = parseTimeMs(m[2]);
    } else if ((m = /^Socket errors:\s*(.*)$/.exec(line))) {
      out.socketErrorText = m[1];
      for (const n of m[1].matchAll(/(\d+)/g)) out.socketErrors += Number(n[1]);
    } else if ((m = /^Non-2xx or 3xx responses:\s*(\d+)/.exec(line))) {
      out.non2xx = Number(m[1]);
    }
  }
  if (out.rps === undefined && out.requests !== undefined && out.durationMs) {
    out.rps = out.requests / (out.durationMs / 1000);
  }
  return out;
}

function selfTest() {
  const sample = `Running 8s test @ http://127.0.0.1:40001/
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   655.54us  200.12us   1.02s    90.00%
    Req/Sec    74.12k     2.01k   78.00k    80.00%
  Latency Distribution
     50%  630.00us
     75%  700.00us
     90%  800.00us
     99%    1.50ms
  592960 requests in 8.00s, 80.00MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 12
Requests/sec:  74120.00
Transfer/sec:     10.00MB
`;
  const r = parseWrk(sample);
  const expect = { rps: 74120, p50: 0.63, p75: 0.7, p90: 0.8, p99: 1.5, max: 1020, requests: 592960, durationMs: 8000,
    socketErrors: 5, non2xx: 12 };
  const close = (a, b) => Math.abs(a - b) < 1e-9 * Math.max(1, Math.abs(b));
  const bad = Object.entries(expect).filter(([k, v]) => !close(r[k], v));
  const units = [[parseTimeMs('2.5s'), 2500], [parseTimeMs('12us'), 0.012], [parseTimeMs('1.00m'), 60000],
    [parseCount('1.2M'), 1.2e6], [parseCount('33.7k'), 33700], [parseCount('9'), 9]];
  const badUnits = units.filter(([a, b]) => !close(a, b));
  const noRps = parseWrk('  1000 requests in 2.00s, 1MB read\n');
  if (bad.length || badUnits.length || !close(noRps.rps, 500)) {
    console.error('wrk parser self-test failed', { bad, badUnits, noRps, r });
    process.exit(1);
  }
  console.log('wrk parser self-test: 1 passed, 0 failed');
}

if (process.argv[2] === '--self-test') selfTest();
