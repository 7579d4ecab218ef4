/**
 * What a one-off gzip page costs compress from a template (`GzipTemplates`, gzip-templates.ts) against the one-pass
 * encoder it gets without one (`fastGzip`), for the kinds of pages templates serve: the production bench's 4 kB page
 * (backends/page.html) with a 32-character token in one place (a CSRF token, a request id), with one nonce in six
 * script tags far apart (a CSP nonce), and with a name whose length changes from page to page (a template whose hole
 * is resized). Every call gets a page of its own. CPU time of this thread per call (process.cpuUsage over a
 * batch), each row the median of its rounds; rounds alternate the order of the two. Bytes: the mean per page.
 * A script, not a test: prints a table, asserts nothing (a page the template does not serve is counted, not sent).
 *   node dist/test/bench/gzip-templates.bench.js [rounds]
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import { fastGzip } from '../../proxy/middlewares/response/fast-gzip.js';
import { GzipTemplates } from '../../proxy/middlewares/response/gzip-templates.js';

const ROUNDS = Math.max(1, Number(process.argv[2] ?? 9));
const CALLS = 2000;

const PAGE = readFileSync(new URL('../../../test/bench/backends/page.html', import.meta.url), 'latin1');
const AT = PAGE.indexOf('Pixelated Empathy helps');

const token = (): string => randomBytes(24).toString('base64');

/** Each kind's pages, `CALLS` of them, no two alike. */
const KINDS: Record<string, () => string> = {
  'a token in one place': () => PAGE.slice(0, AT) + token().slice(0, 32) + PAGE.slice(AT + 32),
  'one nonce in six script tags': () => {
    const nonce = token().slice(0, 24);
    const scripts = (from: number): string => [0, 1, 2].map((i) => `<script nonce="${nonce}">load(${from + i})</script>`).join('');
    return PAGE.replace('</head>', scripts(0) + '</head>').replace('</body>', scripts(3) + '</body>');
  },
  'a name of 5 to 11 characters': () => PAGE.slice(0, AT) + `Welcome back, ${'user' + Math.floor(Math.random() * 10 ** (1 + Math.floor(Math.random() * 7)))}! ` + PAGE.slice(AT),
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

interface Pass {
  readonly us: number;
  readonly bytes: number;
  readonly sent: number;
}

/** CPU µs per page of `encode` over `bodies`, its mean bytes per page sent, and how many it sent. */
function pass(encode: (body: Buffer, crc32: number) => Buffer | null, bodies: Buffer[], crcs: number[]): Pass {
  let bytes = 0;
  let sent = 0;
  const start = process.cpuUsage();
  for (let i = 0; i < bodies.length; i++) {
    const out = encode(bodies[i] as Buffer, crcs[i] as number);
    if (out === null) continue;
    bytes += out.length;
    sent++;
  }
  const used = process.cpuUsage(start);
  return { us: (used.user + used.system) / bodies.length, bytes: sent === 0 ? 0 : bytes / sent, sent };
}

const rows: string[] = [];
for (const [kind, make] of Object.entries(KINDS)) {
  const bodies = Array.from({ length: CALLS }, () => Buffer.from(make(), 'latin1'));
  const crcs = bodies.map((body) => zlib.crc32(body));
  const templates = new GzipTemplates(4 * 1024 * 1024);
  const encoders: Record<string, (body: Buffer, crc32: number) => Buffer | null> = {
    template: (body, crc32) => templates.gzip(kind, body, crc32),
    'one-pass (fastGzip)': (body, crc32) => fastGzip(body, crc32),
  };
  const names = Object.keys(encoders);
  for (const name of names) pass(encoders[name]!, bodies.slice(0, CALLS / 4), crcs); // warm-up, and the template made
  const passes = new Map<string, Pass[]>(names.map((n) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) passes.get(name)?.push(pass(encoders[name]!, bodies, crcs));
  }
  const onePass = passes.get('one-pass (fastGzip)') ?? [];
  for (const name of names) {
    const own = passes.get(name) ?? [];
    const us = median(own.map((p) => p.us));
    const bytes = median(own.map((p) => p.bytes));
    const sent = Math.min(...own.map((p) => p.sent));
    rows.push(`| ${kind} (${bodies[0]!.length} B) | ${name} | ${us.toFixed(1)} | ${(us / median(onePass.map((p) => p.us))).toFixed(2)} | ${bytes.toFixed(0)} | ${(bytes / median(onePass.map((p) => p.bytes))).toFixed(3)} | ${sent} of ${CALLS} |`);
  }
}
console.log(`gzip templates against the one-pass encoder, CPU per page, median of ${ROUNDS} rounds of ${CALLS} pages (node ${process.version})\n`);
console.log('| pages | encoder | CPU µs/page | × one-pass | bytes | × one-pass | pages sent (fewest in a round) |');
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
