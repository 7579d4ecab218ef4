// Prints the proxy-throughput table and pe-edge's ratios, and writes them as markdown.
//   node report.mjs MANIFEST OUT.md SETTINGS_LINE...
// MANIFEST: one row per line, tab separated: name, role (direct|haproxy|caddy|pe-edge|pe-edge-variant|pe-edge-cost),
// path of the saved wrk output (empty when the row was skipped), note (the reason for a skip, or extra info).
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import process from 'node:process';
import { parseWrk } from './wrk.mjs';
import { median } from './stats.mjs';

const GOAL_VS_CADDY = 1.5;
const GOAL_VS_HAPROXY = 0.4;

const [manifestPath, outPath, ...settings] = process.argv.slice(2);
if (!manifestPath || !outPath) {
  console.error('usage: report.mjs MANIFEST OUT.md [SETTINGS_LINE...]');
  process.exit(2);
}

const runs = readFileSync(manifestPath, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((line) => {
    const [name, role, file, note] = line.split('\t');
    // cpu_ticks: the measured process group's CPU during the run; kept out of the printed note.
    const cpu = /;? ?cpu_ticks=(\d+) clk_tck=(\d+)/.exec(note ?? '');
    const run = { name, role, note: (note ?? '').replace(cpu?.[0] ?? '', ''), result: undefined, problem: '', invalid: false };
    if (file && existsSync(file)) {
      run.result = parseWrk(readFileSync(file, 'utf8'));
      const r = run.result;
      if (cpu && r.requests) r.cpuUsPerRequest = (Number(cpu[1]) / Number(cpu[2])) * 1e6 / r.requests;
      const bad = [];
      if (r.rps === undefined) bad.push('no Requests/sec in wrk output');
      if (r.non2xx > 0) bad.push(`${r.non2xx} non-2xx/3xx responses`);
      if (r.socketErrors > 0) bad.push(`socket errors: ${r.socketErrorText}`);
      run.problem = bad.join('; ');
      // A run where over 0.1 % of answers were errors measures the error path, not the proxy.
      run.invalid = r.rps === undefined || (r.requests ? r.non2xx / r.requests > 0.001 : r.non2xx > 0);
    }
    return run;
  });

// With several rounds a name has several runs: the row reports the medians of its valid runs (req/s, p50 and
// p99 each), never the best, and lists every run's req/s.
const byName = new Map();
for (const run of runs) {
  const list = byName.get(run.name) ?? [];
  list.push(run);
  byName.set(run.name, list);
}
const rows = [...byName.values()].map((list) => {
  const measured = list.filter((r) => r.result);
  const valid = measured.filter((r) => !r.invalid);
  const pool = valid.length ? valid : measured;
  if (pool.length === 0) return list[0];
  const row = { ...pool[0], result: { ...pool[0].result } };
  for (const key of ['rps', 'p50', 'p99', 'cpuUsPerRequest']) row.result[key] = median(pool.map((r) => r.result[key]));
  if (measured.length > 1) {
    const all = measured.map((r) => (r.result.rps === undefined ? '?' : Math.round(r.result.rps).toLocaleString('en-US')));
    row.note = `${row.note ? `${row.note}; ` : ''}median of ${pool.length}; req/s of the ${measured.length} runs: ${all.join(' / ')}`;
  }
  return row;
});

const fmtRps = (v) => (v === undefined ? '–' : Math.round(v).toLocaleString('en-US'));
function fmtMs(v) {
  if (v === undefined) return '–';
  if (v >= 1000) return `${(v / 1000).toFixed(2)} s`;
  if (v >= 100) return `${v.toFixed(0)} ms`;
  if (v >= 10) return `${v.toFixed(1)} ms`;
  return `${v.toFixed(2)} ms`;
}
const ratio = (a, b) => (a === undefined || !b ? undefined : a / b);
const fmtRatio = (v) => (v === undefined ? '–' : v.toFixed(2));

const usable = (r) => r && r.result && !r.invalid ? r.result : undefined;
const haproxy = usable(rows.find((r) => r.role === 'haproxy'));
const caddy = usable(rows.find((r) => r.role === 'caddy'));

const lines = [];
lines.push('## Proxy throughput');
lines.push('');
for (const s of settings) lines.push(s);
if (settings.length) lines.push('');
lines.push('| name | req/s | p50 | p99 | ratio vs HAProxy | ratio vs Caddy | CPU µs/request | CPU: HAProxy\'s / this | CPU: Caddy\'s / this |');
lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const row of rows) {
  const r = row.result;
  if (!r) {
    lines.push(`| ${row.name} | skipped: ${row.note || 'no result'} | – | – | – | – | – | – | – |`);
    continue;
  }
  const mark = row.invalid ? ' (invalid, see notes)' : row.problem ? ' (see notes)' : '';
  lines.push(`| ${row.name}${mark} | ${fmtRps(r.rps)} | ${fmtMs(r.p50)} | ${fmtMs(r.p99)} | ` +
    `${fmtRatio(ratio(r.rps, haproxy?.rps))} | ${fmtRatio(ratio(r.rps, caddy?.rps))} | ` +
    `${r.cpuUsPerRequest === undefined ? '–' : r.cpuUsPerRequest.toFixed(1)} | ${fmtRatio(ratio(haproxy?.cpuUsPerRequest, r.cpuUsPerRequest))} | ` +
    `${fmtRatio(ratio(caddy?.cpuUsPerRequest, r.cpuUsPerRequest))} |`);
}
lines.push('', 'CPU µs/request: the process\'s user + system CPU time (every process and thread of it, from /proc) during the measured ' +
  'run over the requests it served, median of the rounds (the direct row: the backends\'). Another proxy\'s CPU per request ' +
  'over this row\'s is the req/s ratio the two would reach each on a core of its own, and it moves far less than req/s when ' +
  'wrk and the backends share the cores.', '');

for (const row of rows.filter((r) => r.role === 'pe-edge' || r.role === 'pe-edge-variant')) {
  const label = row.name;
  const r = usable(row);
  if (!r) {
    const why = row.result ? `invalid run (${row.problem})` : `not measured (${row.note || 'skipped'})`;
    lines.push(`${label}/Caddy throughput = n/a, ${why} (goal >= ${GOAL_VS_CADDY})`);
    lines.push(`${label}/HAProxy throughput = n/a, ${why} (goal >= ${GOAL_VS_HAPROXY.toFixed(2)})`);
    continue;
  }
  const verdict = (v, goal) => (v === undefined ? '' : v >= goal ? ' met' : ' NOT met');
  const vsCaddy = ratio(r.rps, caddy?.rps);
  const vsHa = ratio(r.rps, haproxy?.rps);
  lines.push(`${label}/Caddy throughput = ${vsCaddy === undefined ? 'n/a (no Caddy row)' : vsCaddy.toFixed(2)}` +
    ` (goal >= ${GOAL_VS_CADDY})${verdict(vsCaddy, GOAL_VS_CADDY)}`);
  lines.push(`${label}/HAProxy throughput = ${vsHa === undefined ? 'n/a (no HAProxy row)' : vsHa.toFixed(2)}` +
    ` (goal >= ${GOAL_VS_HAPROXY.toFixed(2)})${verdict(vsHa, GOAL_VS_HAPROXY)}`);
  lines.push(`${label} on a core each (CPU per request): ${fmtRatio(ratio(caddy?.cpuUsPerRequest, r.cpuUsPerRequest))}× Caddy, ` +
    `${fmtRatio(ratio(haproxy?.cpuUsPerRequest, r.cpuUsPerRequest))}× HAProxy`);
  if (caddy?.p99 !== undefined && r.p99 !== undefined) {
    lines.push(`${label} p99 vs Caddy p99 = ${fmtMs(r.p99)} vs ${fmtMs(caddy.p99)}` +
      ` = ${(r.p99 / caddy.p99).toFixed(2)}x (lower is better)`);
  } else {
    lines.push(`${label} p99 vs Caddy p99 = n/a`);
  }
}

// pe-edge-cost rows (a loadBalancer.strategy, forwardAuth) against the plain (wrr) pe-edge row of the same run.
const plain = usable(rows.find((r) => r.role === 'pe-edge'));
const costRows = rows.filter((r) => r.role === 'pe-edge-cost');
if (costRows.length) lines.push('');
for (const row of costRows) {
  const r = usable(row);
  if (!r || !plain) {
    const why = !plain ? 'no valid plain pe-edge (wrr) row' : row.result ? `invalid run (${row.problem})` : `not measured (${row.note || 'skipped'})`;
    lines.push(`${row.name} vs pe-edge (wrr) = n/a, ${why}`);
    continue;
  }
  const p99 = r.p99 !== undefined && plain.p99 !== undefined ? `, p99 ${fmtMs(r.p99)} vs ${fmtMs(plain.p99)}` : '';
  lines.push(`${row.name} vs pe-edge (wrr) throughput = ${fmtRatio(ratio(r.rps, plain.rps))}${p99}`);
}

const notes = [
  ...rows.filter((r) => r.problem).map((r) => `- ${r.name}: ${r.problem}`),
  ...rows.filter((r) => r.result && r.note).map((r) => `- ${r.name}: ${r.note}`),
];
if (notes.length) lines.push('', 'Notes:', ...notes);

const text = lines.join('\n') + '\n';
process.stdout.write(text);
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, text);
