// Parses h2load's summary and its per-request --log-file into numbers (req/s, p50/p99 in ms, errors).
// Run as a script with `--self-test` to check the parser against a captured sample.
import process from 'node:process';

/**
 * @param {string} text h2load stdout
 * @returns {{ rps?: number, requests?: number, succeeded?: number, failed: number, errored: number,
 *   timeout: number, non2xx: number, status2xx?: number, tls?: string, cipher?: string, alpn?: string }}
 */
export function parseH2load(text) {
  const out = { failed: 0, errored: 0, timeout: 0, non2xx: 0 };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    let m;
    if ((m = /^finished in\s+\S+,\s*([0-9.]+) req\/s/.exec(line))) {
      out.rps = Number(m[1]);
    } else if ((m = /^requests:\s*(\d+) total,\s*(\d+) started,\s*(\d+) done,\s*(\d+) succeeded,\s*(\d+) failed,\s*(\d+) errored,\s*(\d+) timeout/.exec(line))) {
      out.requests = Number(m[3]);
      out.succeeded = Number(m[4]);
      out.failed = Number(m[5]);
      out.errored = Number(m[6]);
      out.timeout = Number(m[7]);
    } else if ((m = /^status codes:\s*(\d+) 2xx,\s*(\d+) 3xx,\s*(\d+) 4xx,\s*(\d+) 5xx/.exec(line))) {
      out.status2xx = Number(m[1]);
      out.non2xx = Number(m[3]) + Number(m[4]);
    } else if ((m = /^TLS Protocol:\s*(\S+)/.exec(line))) {
      out.tls = m[1];
    } else if ((m = /^Cipher:\s*(\S+)/.exec(line))) {
      out.cipher = m[1];
    } else if ((m = /^Application protocol:\s*(\S+)/.exec(line))) {
      out.alpn = m[1];
    }
  }
  return out;
}

/** Nearest-rank percentile of sorted numbers. */
function percentile(sorted, p) {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/**
 * h2load --log-file: one line per request of the measured phase, "<start µs>\t<status>\t<duration µs>".
 * Status 0 marks a request that never got an answer (cut off when the run stopped): left out.
 * @returns {{ p50?: number, p99?: number, logged: number }} milliseconds
 */
export function latencyFromLog(text) {
  const durations = [];
  for (const line of text.split('\n')) {
    const [, status, micros] = line.split('\t');
    if (status === undefined || status === '0') continue;
    const v = Number(micros);
    if (Number.isFinite(v)) durations.push(v / 1000);
  }
  durations.sort((a, b) => a - b);
  return { p50: percentile(durations, 50), p99: percentile(durations, 99), logged: durations.length };
}

function selfTest() {
  const sample = `finished in 3.00s, 3237.00 req/s, 4.57MB/s
requests: 6474 total, 6474 started, 6474 done, 6470 succeeded, 4 failed, 0 errored, 0 timeout
status codes: 6470 2xx, 0 3xx, 3 4xx, 1 5xx
TLS Protocol: TLSv1.3
Cipher: TLS_AES_128_GCM_SHA256
Application protocol: h2
`;
  const r = parseH2load(sample);
  const bad = Object.entries({ rps: 3237, requests: 6474, succeeded: 6470, failed: 4, non2xx: 4, tls: 'TLSv1.3', alpn: 'h2' })
    .filter(([k, v]) => r[k] !== v);
  const log = ['1\t0\t99999', ...Array.from({ length: 100 }, (_, i) => `2\t200\t${(i + 1) * 1000}`)].join('\n') + '\n';
  const l = latencyFromLog(log);
  if (bad.length || l.p50 !== 50 || l.p99 !== 99 || l.logged !== 100) {
    console.error('h2load parser self-test failed', { bad, r, l });
    process.exit(1);
  }
  console.log('h2load parser self-test: 1 passed, 0 failed');
}

if (process.argv[2] === '--self-test') selfTest();
