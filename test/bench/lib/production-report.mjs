// Prints the production-path tables (medians over rounds, ratios, goals) and the proxies' configurations,
// and writes them as markdown.
//   node production-report.mjs MANIFEST OUT.md CONFIGS TMPDIR SETTINGS_LINE...
// MANIFEST: one run per line, tab separated: section (h1|h2|conn|obs|mw), name, role, tool (wrk|h2load), round,
// path of the saved tool output (empty when not measured), path of h2load's per-request log, note
// (a skip reason, "FAILED: ..." for a failed check, or extra info such as the pre-flight result).
// CONFIGS: label <tab> file, printed in that order with TMPDIR shortened to <tmp>.
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import process from 'node:process';
import { parseWrk } from './wrk.mjs';
import { parseH2load, latencyFromLog } from './h2load.mjs';
import { median } from './stats.mjs';
import { budgetVerdict, medianInterval, pairedRows } from './paired-costs.mjs';

// Issue goals (production path and per-middleware budget).
const GOAL_VS_CADDY = 2.0;
const GOAL_VS_HAPROXY = 0.5;
const GOAL_P99_VS_CADDY = 0.5;
const MIDDLEWARE_BUDGET = 0.05;
// Issue 10: throughput with Prometheus metrics and the access log both on, against both off.
const GOAL_OBS_BOTH = 0.9;

const [manifestPath, outPath, configsPath, tmpDir, ...settings] = process.argv.slice(2);
if (!manifestPath || !outPath) {
  console.error('usage: production-report.mjs MANIFEST OUT.md CONFIGS TMPDIR [SETTINGS_LINE...]');
  process.exit(2);
}

function readRun(line, index) {
  const [section, name, role, tool, round, file, logFile, note = ''] = line.split('\t');
  const run = { index, section, name, role, tool, round: Number(round), note, result: undefined, problem: '', invalid: false,
    failed: note.startsWith('FAILED: ') };
  if (!file || !existsSync(file)) return run;
  const text = readFileSync(file, 'utf8');
  const bad = [];
  if (tool === 'h2load') {
    const r = parseH2load(text);
    Object.assign(r, logFile && existsSync(logFile) ? latencyFromLog(readFileSync(logFile, 'utf8')) : {});
    run.result = r;
    const errors = r.failed + r.errored + r.timeout;
    if (r.rps === undefined) bad.push('no req/s in h2load output');
    if (errors > 0) bad.push(`${r.failed} failed, ${r.errored} errored, ${r.timeout} timed out`);
    if (r.non2xx > 0) bad.push(`${r.non2xx} 4xx/5xx answers`);
    if (r.tls && r.tls !== 'TLSv1.3') bad.push(`negotiated ${r.tls}`);
    if (r.alpn && r.alpn !== 'h2') bad.push(`ALPN ${r.alpn}, not h2`);
    run.invalid = r.rps === undefined || !r.rps || (r.requests ? (errors + r.non2xx) / r.requests > 0.001 : true);
  } else {
    const r = parseWrk(text);
    run.result = r;
    if (r.rps === undefined) bad.push(`no Requests/sec in wrk output${/unable|error/i.test(text) ? `: ${text.trim().split('\n')[0]}` : ''}`);
    if (r.non2xx > 0) bad.push(`${r.non2xx} non-2xx/3xx responses`);
    if (r.socketErrors > 0) bad.push(`socket errors: ${r.socketErrorText}`);
    run.invalid = r.rps === undefined || !r.rps || (r.requests ? r.non2xx / r.requests > 0.001 : r.non2xx > 0);
    // obs rows: the lines pe-edge's access log grew by during the measured run.
    const lines = /log_lines=(-?\d+)/.exec(note);
    if (lines) r.logLines = Number(lines[1]);
  }
  // The measured proxy's CPU ticks during the measured run (every process and thread of it), per request.
  const cpu = /cpu_ticks=(\d+) clk_tck=(\d+)/.exec(note);
  if (cpu && run.result.requests) run.result.cpuUsPerRequest = (Number(cpu[1]) / Number(cpu[2])) * 1e6 / run.result.requests;
  run.problem = bad.join('; ');
  return run;
}

const runs = readFileSync(manifestPath, 'utf8').split('\n').filter((l) => l.trim() !== '').map(readRun);

const ROLE_ORDER = ['haproxy', 'caddy', 'pe-edge', 'pe-edge-variant', 'mw-baseline', 'mw', 'mw-compress', 'mw-info',
  'mw-haproxy-plain', 'mw-haproxy-gzip', 'obs-off', 'obs-metrics', 'obs-log-common', 'obs-log-json', 'obs-both'];

/** One row per (section, name): medians of the valid runs, the list of every run's req/s, failures. */
function rowsOf(section) {
  const byName = new Map();
  for (const run of runs.filter((r) => r.section === section)) {
    const list = byName.get(run.name) ?? [];
    list.push(run);
    byName.set(run.name, list);
  }
  const rows = [...byName.values()].map((list) => {
    const measured = list.filter((r) => r.result);
    const valid = measured.filter((r) => !r.invalid);
    const first = list[0];
    const row = { name: first.name, role: first.role, index: first.index, runs: list, measured, valid };
    row.rps = median(valid.map((r) => r.result.rps));
    row.p50 = median(valid.map((r) => r.result.p50));
    row.p99 = median(valid.map((r) => r.result.p99));
    row.cpu = median(valid.map((r) => r.result.cpuUsPerRequest));
    const pre = list.map((r) => /Content-Encoding (\S+),/.exec(r.note)?.[1]).find(Boolean);
    row.encoding = pre ?? '–';
    row.failures = list.filter((r) => r.failed).map((r) => `round ${r.round}: ${r.note.slice('FAILED: '.length)}`);
    row.skips = list.filter((r) => !r.result && !r.failed).map((r) => `round ${r.round}: ${r.note}`);
    return row;
  });
  const rank = (r) => ROLE_ORDER.indexOf(r.role);
  return rows.sort((a, b) => rank(a) - rank(b) || a.index - b.index);
}

const fmtRps = (v) => (v === undefined ? '–' : Math.round(v).toLocaleString('en-US'));
function fmtMs(v) {
  if (v === undefined) return '–';
  if (v >= 1000) return `${(v / 1000).toFixed(2)} s`;
  if (v >= 100) return `${v.toFixed(0)} ms`;
  if (v >= 10) return `${v.toFixed(1)} ms`;
  return `${v.toFixed(2)} ms`;
}
const ratio = (a, b) => (a === undefined || b === undefined || !b ? undefined : a / b);
const fmtRatio = (v) => (v === undefined ? '–' : v.toFixed(2));
const fmtCpu = (v) => (v === undefined ? '–' : v.toFixed(0));
// What the CPU columns mean, under every table that has them.
const CPU_COLUMNS = 'CPU µs/request: the proxy\'s user + system CPU time (every process and thread, from /proc) during the ' +
  'measured run over the requests it served, median of the rounds. Another proxy\'s CPU per request over this row\'s is ' +
  'the req/s ratio the two would reach each on a core of its own (1.50: this row does a request with two thirds of the ' +
  'CPU), and it moves far less than req/s when the load generator and the backends share the cores.';

function runsCell(row) {
  const n = row.valid.length;
  const extra = row.runs.length - n;
  return extra ? `${n} of ${row.runs.length}` : `${n}`;
}

function unmeasured(row) {
  if (row.failures.length) return `**FAILED**: ${row.failures[0].replace(/^round \d+: /, '')}`;
  if (row.measured.length) return `invalid runs: ${row.measured.map((r) => r.problem).filter(Boolean)[0] ?? 'see notes'}`;
  return `skipped: ${row.skips[0]?.replace(/^round \d+: /, '') ?? 'no result'}`;
}

const lines = [];
const notes = [];

function collectNotes(section, rows) {
  for (const row of rows) {
    const tag = `${row.name} [${section}]`;
    for (const f of row.failures) notes.push(`- **FAILED** ${tag}, ${f}`);
    for (const s of row.skips) notes.push(`- ${tag} not measured in ${s}`);
    for (const r of row.measured.filter((x) => x.problem)) {
      notes.push(`- ${tag}, round ${r.round}: ${r.problem}${r.invalid ? ' (run left out of the median)' : ''}`);
    }
    if (row.measured.length > 1) {
      notes.push(`- ${tag}: req/s per round: ${row.measured.map((r) => `${fmtRps(r.result.rps)}${r.invalid ? ' (invalid)' : ''}`).join(' / ')}`);
      // A p99 moves far more from round to round than req/s (one pause of the proxy in a 4 s run is enough).
      notes.push(`- ${tag}: p50 / p99 per round: ${row.measured.map((r) => `${fmtMs(r.result.p50)} / ${fmtMs(r.result.p99)}`).join(', ')}`);
    }
    // BENCH_PIN: a load side near 100 % says the load generator, not the proxy, set that round's rate.
    const busy = row.measured.map((r) => /cpu_busy=load:(\d+),proxy:(\d+)/.exec(r.note)).filter((m) => m !== null);
    if (busy.length) notes.push(`- ${tag}: CPU busy per round, load side / the proxy's CPU: ${busy.map((m) => `${m[1]} % / ${m[2]} %`).join(', ')}`);
    const info = row.runs.map((r) => r.note).find((n) => n && !n.startsWith('FAILED') && n.startsWith('pre-flight'));
    if (info) notes.push(`- ${tag}: ${info}`);
    const tls = row.measured.map((r) => r.result).find((r) => r.tls);
    if (tls) notes.push(`- ${tag}: h2load saw ${tls.tls} ${tls.cipher ?? ''}, ALPN ${tls.alpn ?? '?'}`);
  }
}

function proxySection(section, title, goals = true) {
  const rows = rowsOf(section);
  if (!rows.length) return;
  const haproxy = rows.find((r) => r.role === 'haproxy');
  const caddy = rows.find((r) => r.role === 'caddy');
  lines.push(`### ${title}`, '');
  lines.push('| proxy | runs | Content-Encoding | req/s | p50 | p99 | vs HAProxy | vs Caddy | p99 / Caddy p99 | CPU µs/request | CPU: HAProxy\'s / this | CPU: Caddy\'s / this |');
  lines.push('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    if (row.rps === undefined) {
      lines.push(`| ${row.name} | ${runsCell(row)} | ${row.encoding} | ${unmeasured(row)} | – | – | – | – | – | – | – | – |`);
      continue;
    }
    const mark = row.failures.length ? ' (**a round FAILED**, see notes)' : '';
    lines.push(`| ${row.name}${mark} | ${runsCell(row)} | ${row.encoding} | ${fmtRps(row.rps)} | ${fmtMs(row.p50)} | ${fmtMs(row.p99)} | ` +
      `${fmtRatio(ratio(row.rps, haproxy?.rps))} | ${fmtRatio(ratio(row.rps, caddy?.rps))} | ${fmtRatio(ratio(row.p99, caddy?.p99))} | ` +
      `${fmtCpu(row.cpu)} | ${fmtRatio(ratio(haproxy?.cpu, row.cpu))} | ${fmtRatio(ratio(caddy?.cpu, row.cpu))} |`);
  }
  lines.push('', CPU_COLUMNS, '');
  const verdict = (v, ok) => (v === undefined ? 'n/a' : ok ? 'met' : '**NOT met**');
  const judged = goals ? rows.filter((r) => r.role === 'pe-edge' || r.role === 'pe-edge-variant') : [];
  for (const row of judged) {
    const vc = ratio(row.rps, caddy?.rps);
    const vh = ratio(row.rps, haproxy?.rps);
    const vp = ratio(row.p99, caddy?.p99);
    lines.push(`- ${row.name}: req/s vs Caddy = ${fmtRatio(vc)} (goal >= ${GOAL_VS_CADDY.toFixed(1)}: ${verdict(vc, vc >= GOAL_VS_CADDY)}); ` +
      `vs HAProxy = ${fmtRatio(vh)} (goal >= ${GOAL_VS_HAPROXY.toFixed(1)}: ${verdict(vh, vh >= GOAL_VS_HAPROXY)}); ` +
      `p99 vs Caddy's = ${fmtRatio(vp)} (goal <= ${GOAL_P99_VS_CADDY.toFixed(1)}: ${verdict(vp, vp <= GOAL_P99_VS_CADDY)}); ` +
      `on a core each (CPU per request): ${fmtRatio(ratio(caddy?.cpu, row.cpu))}× Caddy, ${fmtRatio(ratio(haproxy?.cpu, row.cpu))}× HAProxy`);
  }
  lines.push('');
  collectNotes(section, rows);
}

const pctSigned = (v) => (v === undefined ? '–' : `${v > 0 ? '+' : ''}${(v * 100).toFixed(1)} %`);
const fmtInterval = (st, f) => (st ? `${f(st.lo)} .. ${f(st.hi)}` : '–');

/** "within 5 %" / "over 5 % by ..." / "inconclusive ...", from a cost's median interval. */
function costVerdict(st) {
  const v = budgetVerdict(st, MIDDLEWARE_BUDGET);
  if (v === 'within') return 'within 5 %';
  if (v === 'over') return `**over 5 %** (median ${pctSigned(st.median)})`;
  if (v === 'inconclusive') {
    if (st.coverage < 0.9) return 'inconclusive (too few pairs)';
    return st.hi > MIDDLEWARE_BUDGET ? 'inconclusive (the interval straddles 5 %)' : 'inconclusive (the interval reaches below -5 %: noise)';
  }
  return 'n/a';
}

/** compress: (pe-edge compress / none) over (HAProxy gzip / plain), from the medians of pairs; the range from their intervals. */
function ratioOfRatios(pe, ha) {
  if (!pe || !ha) return undefined;
  return { median: pe.median / ha.median, lo: pe.lo / ha.hi, hi: pe.hi / ha.lo };
}
const rorVerdict = (r) => (r === undefined ? 'n/a' : r.lo >= 1 ? 'met' : r.hi < 1 ? '**NOT met**' : 'inconclusive');

function middlewareSection() {
  const rows = pairedRows(runs.filter((r) => r.section === 'mw'));
  if (!rows.length) return;
  const rank = (r) => ROLE_ORDER.indexOf(r.role);
  rows.sort((a, b) => rank(a) - rank(b) || a.index - b.index);
  for (const row of rows) {
    const slices = row.runs.filter((r) => r.result && !r.invalid);
    row.rps = median(slices.map((r) => r.result.rps));
    row.p99 = median(slices.map((r) => r.result.p99));
    row.cpu = median(slices.map((r) => r.result.cpuUsPerRequest));
    const ok = row.pairs.filter((p) => p.ok);
    row.cost = medianInterval(ok.map((p) => 1 - p.rpsRatio));
    row.cpuCost = medianInterval(ok.map((p) => p.cpuRatio - 1));
    row.kept = medianInterval(ok.map((p) => p.rpsRatio));
    row.cpuKept = medianInterval(ok.map((p) => 1 / p.cpuRatio));
    row.failures = row.runs.filter((r) => r.failed).map((r) => r.note.slice('FAILED: '.length));
    row.skips = row.runs.filter((r) => !r.result && !r.failed).map((r) => r.note);
  }
  const coverages = [...new Set(rows.filter((r) => r.cost).map((r) => `${r.cost.n} pairs: ${(r.cost.coverage * 100).toFixed(0)} %`))];
  lines.push('### Per middleware (HTTPS HTTP/1.1, wrk, `Accept-Encoding: gzip` unless the row says otherwise)', '');
  lines.push('One pe-edge process, one router per row, identical but for the one middleware; one HAProxy, the same servers with and ' +
    'without `compression algo gzip`. Each row is measured in pairs of short wrk slices with its reference (the `none` router; ' +
    'HAProxy without compression) in the same process, seconds apart, the order inside a pair alternating; the passes go over ' +
    'every row in turn, so each row\'s pairs spread over the whole section. Per pair: throughput cost 1 - row req/s / reference ' +
    'req/s, CPU cost row CPU per request / reference\'s - 1. A row\'s cost is the median over its pairs; the interval beside it ' +
    `is the median's distribution-free confidence interval (order statistics: ${coverages.join(', ') || 'none'}). ` +
    '"within 5 %" needs the whole interval within ±5 % (no middleware makes a request cheaper, so an interval reaching ' +
    'below -5 % measured the machine), "over 5 %" the whole interval above 5 %; otherwise the pairs cannot tell.', '');
  lines.push('| row | pairs | req/s | p99 | CPU µs/request | throughput cost | its interval | CPU cost | its interval | budget |');
  lines.push('|---|---:|---:|---:|---:|---:|---|---:|---|---|');
  const haGzip = rows.find((r) => r.role === 'mw-haproxy-gzip');
  for (const row of rows) {
    const reference = row.role === 'mw-baseline' || row.role === 'mw-haproxy-plain';
    if (row.rps === undefined) {
      const why = row.failures.length ? `**FAILED**: ${row.failures[0]}` : `not measured: ${row.skips[0] ?? 'no valid slice'}`;
      lines.push(`| ${row.name} | – | ${why} | – | – | – | – | – | – | – |`);
      continue;
    }
    let budget = '';
    if (reference) budget = 'reference';
    else if (row.role === 'mw') budget = costVerdict(row.cost) + (budgetVerdict(row.cpuCost, MIDDLEWARE_BUDGET) === budgetVerdict(row.cost, MIDDLEWARE_BUDGET) ? '' : `; by CPU: ${costVerdict(row.cpuCost)}`);
    else if (row.role === 'mw-compress') {
      const ror = ratioOfRatios(row.kept, haGzip?.kept);
      budget = ror ? `ratio of ratios ${ror.median.toFixed(2)} (${ror.lo.toFixed(2)} .. ${ror.hi.toFixed(2)}): ${rorVerdict(ror)}` : 'n/a (needs the HAProxy pair)';
    } else if (row.role === 'mw-info') budget = 'information only';
    else if (row.role === 'mw-haproxy-gzip') budget = 'what compression costs HAProxy';
    const pairs = reference ? `${row.runs.filter((r) => r.result).length} slices` : `${row.cost?.n ?? 0}`;
    lines.push(`| ${row.name}${row.failures.length ? ' (**FAILED**, see notes)' : ''} | ${pairs} | ${fmtRps(row.rps)} | ${fmtMs(row.p99)} | ` +
      `${fmtCpu(row.cpu)} | ${reference ? '–' : pctSigned(row.cost?.median)} | ${reference ? '–' : fmtInterval(row.cost, pctSigned)} | ` +
      `${reference ? '–' : pctSigned(row.cpuCost?.median)} | ${reference ? '–' : fmtInterval(row.cpuCost, pctSigned)} | ${budget} |`);
  }
  lines.push('', 'req/s, p99 and CPU µs/request: medians over the row\'s slices (a reference: over all its slices). ' + CPU_COLUMNS.replace(/, median of the rounds/, ''), '');
  const peCompress = rows.find((r) => r.role === 'mw-compress');
  const ror = ratioOfRatios(peCompress?.kept, haGzip?.kept);
  const rorCpu = ratioOfRatios(peCompress?.cpuKept, haGzip?.cpuKept);
  lines.push(`- compress, ratio of ratios (medians of pairs): pe-edge compress/none = ${fmtRatio(peCompress?.kept?.median)}, ` +
    `HAProxy gzip/no compression = ${fmtRatio(haGzip?.kept?.median)}; (pe-edge's) / (HAProxy's) = ${fmtRatio(ror?.median)} ` +
    `(range from the intervals ${ror ? `${ror.lo.toFixed(2)} .. ${ror.hi.toFixed(2)}` : '–'}; goal >= 1.00, compression costs pe-edge no more than it ` +
    `costs HAProxy: ${rorVerdict(ror)})`);
  lines.push(`- compress on a core each (CPU per request, medians of pairs): pe-edge none/compress = ${fmtRatio(peCompress?.cpuKept?.median)}, ` +
    `HAProxy plain/gzip = ${fmtRatio(haGzip?.cpuKept?.median)}; ratio of ratios ${fmtRatio(rorCpu?.median)}` +
    `${rorCpu ? ` (${rorCpu.lo.toFixed(2)} .. ${rorCpu.hi.toFixed(2)}): ${rorVerdict(rorCpu)}` : ''}`);
  const judged = rows.filter((r) => r.role === 'mw');
  const by = (verdict) => judged.filter((r) => budgetVerdict(r.cost, MIDDLEWARE_BUDGET) === verdict).map((r) => r.name.replace(/^pe-edge: /, ''));
  lines.push(`- by throughput: within 5 %: ${by('within').join(', ') || 'none'}; over 5 %: ${by('over').join(', ') || 'none'}; ` +
    `inconclusive: ${by('inconclusive').join(', ') || 'none'}${by('n/a').length ? `; not measured: ${by('n/a').join(', ')}` : ''}`);
  lines.push('');
  middlewareNotes(rows);
}

/** Every pair's costs in the order measured, CPU busy, invalid slices, pre-flight results. */
function middlewareNotes(rows) {
  for (const row of rows) {
    const tag = `${row.name} [mw]`;
    for (const f of row.failures) notes.push(`- **FAILED** ${tag}: ${f}`);
    for (const s of row.skips) notes.push(`- ${tag}: ${s}`);
    for (const r of row.runs.filter((x) => x.result && x.problem)) {
      notes.push(`- ${tag}, slice of pair ${r.round}: ${r.problem}${r.invalid ? ' (its pair is left out)' : ''}`);
    }
    if (row.pairs.length) {
      notes.push(`- ${tag}: throughput cost per pair, in the order measured: ${row.pairs.map((p) => (p.ok ? pctSigned(1 - p.rpsRatio) : 'invalid')).join(', ')}; ` +
        `CPU cost: ${row.pairs.map((p) => (p.ok ? pctSigned(p.cpuRatio - 1) : 'invalid')).join(', ')}`);
    }
    const busy = row.runs.map((r) => /cpu_busy=load:(\d+),proxy:(\d+)/.exec(r.note)).filter((m) => m !== null);
    if (busy.length) {
      const span = (i) => `${Math.min(...busy.map((m) => Number(m[i])))}-${Math.max(...busy.map((m) => Number(m[i])))} %`;
      notes.push(`- ${tag}: CPU busy over its ${busy.length} slice${busy.length === 1 ? '' : 's'}: load side ${span(1)}, the proxy's CPU ${span(2)}`);
    }
    const info = row.runs.map((r) => /pre-flight: ([^;]*(?:; libslz[^;]*|; zlib)?)/.exec(r.note)?.[1]).find(Boolean);
    if (info) notes.push(`- ${tag}: pre-flight: ${info}`);
  }
}

function obsSection() {
  const rows = rowsOf('obs');
  if (!rows.length) return;
  const off = rows.find((r) => r.role === 'obs-off');
  lines.push('### Metrics and access log on vs off (HTTPS HTTP/1.1, wrk, `Accept-Encoding: gzip, br`)', '');
  lines.push('The h1 row\'s pe-edge (the seed\'s app router and its five middlewares) in five variants that differ only in their ' +
    'static `metrics:` and `accessLog:` sections (printed below), one process per variant, restarted every round; the variants ' +
    'take turns within each round and each round starts the cycle one variant later. "vs off" is the ratio of the medians; ' +
    '"paired" is the median of the per-round ratios (each run against off\'s run of the same round). CPU: pe-edge\'s user + ' +
    'system time (/proc, every thread) during the measured run over its requests, steadier than req/s on a busy machine.', '');
  lines.push('| variant | runs | req/s | p50 | p99 | vs off | paired vs off | p99 vs off | CPU µs/request | CPU vs off |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const paired = (row) => {
    if (!off || row === off) return undefined;
    const ratios = row.valid.map((r) => {
      const o = off.valid.find((x) => x.round === r.round);
      return o ? r.result.rps / o.result.rps : undefined;
    });
    return median(ratios);
  };
  for (const row of rows) {
    if (row.rps === undefined) {
      lines.push(`| ${row.name} | ${runsCell(row)} | ${unmeasured(row)} | – | – | – | – | – | – | – |`);
      continue;
    }
    const mark = row.failures.length ? ' (**a round FAILED**, see notes)' : '';
    const vs = row === off ? 'reference' : fmtRatio(ratio(row.rps, off?.rps));
    lines.push(`| ${row.name}${mark} | ${runsCell(row)} | ${fmtRps(row.rps)} | ${fmtMs(row.p50)} | ${fmtMs(row.p99)} | ${vs} | ` +
      `${fmtRatio(paired(row))} | ${row === off ? '–' : fmtRatio(ratio(row.p99, off?.p99))} | ${row.cpu === undefined ? '–' : row.cpu.toFixed(0)} | ` +
      `${row === off ? '–' : fmtRatio(ratio(off?.cpu, row.cpu))} |`);
  }
  lines.push('');
  const both = rows.find((r) => r.role === 'obs-both');
  const r = ratio(both?.rps, off?.rps);
  const p = both ? paired(both) : undefined;
  const verdict = (v) => (v === undefined ? 'n/a' : v >= GOAL_OBS_BOTH ? 'met' : '**NOT met**');
  lines.push(`- metrics + access log vs off: req/s ratio of the medians ${fmtRatio(r)} (goal >= ${GOAL_OBS_BOTH.toFixed(2)}: ${verdict(r)}), ` +
    `paired ${fmtRatio(p)} (${verdict(p)}); "CPU vs off" is off's CPU per request over the variant's (1.00 = it costs nothing)`);
  // Every round, every variant: req/s and p99.
  const rounds = [...new Set(rows.flatMap((row) => row.runs.map((x) => x.round)))].sort((a, b) => a - b);
  lines.push('', '| round | ' + rows.map((row) => row.name).join(' | ') + ' |', '|---:|' + rows.map(() => '---:').join('|') + '|');
  for (const round of rounds) {
    const cells = rows.map((row) => {
      const run = row.runs.find((x) => x.round === round);
      if (!run?.result) return run?.failed ? 'FAILED' : '–';
      const res = run.result;
      return `${fmtRps(res.rps)} req/s, p99 ${fmtMs(res.p99)}${res.cpuUsPerRequest === undefined ? '' : `, ${res.cpuUsPerRequest.toFixed(0)} µs`}` +
        `${run.invalid ? ' (invalid)' : ''}`;
    });
    lines.push(`| ${round} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  for (const row of rows) {
    const logged = row.measured.filter((x) => x.result.logLines !== undefined);
    if (logged.length) {
      notes.push(`- ${row.name} [obs]: access log lines written during the measured run / requests wrk counted: ` +
        logged.map((x) => `${x.result.logLines} / ${x.result.requests}`).join(', '));
    }
  }
  collectNotes('obs', rows);
}

lines.push('## Production path: HTTPS, the seed\'s app router', '');
for (const s of settings) lines.push(s, '');
proxySection('h1', 'HTTPS HTTP/1.1 (wrk), `Accept-Encoding: gzip, br`');
proxySection('h2', 'HTTPS HTTP/2 (h2load), `accept-encoding: gzip, br`');
proxySection('conn', 'HTTPS HTTP/1.1 (wrk), a new connection and TLS handshake for every request (`Connection: close`; not a goal row)', false);
middlewareSection();
obsSection();
if (notes.length) lines.push('### Notes', '', ...notes, '');

const configText = [];
if (configsPath && existsSync(configsPath)) {
  const shorten = (t) => (tmpDir ? t.split(tmpDir).join('<tmp>') : t);
  for (const line of readFileSync(configsPath, 'utf8').split('\n').filter(Boolean)) {
    const [label, file] = line.split('\t');
    if (!file || !existsSync(file)) continue;
    configText.push(`#### ${label}`, '', '```', shorten(readFileSync(file, 'utf8')).trimEnd(), '```', '');
  }
}

const table = lines.join('\n') + '\n';
const full = configText.length ? `${table}### Configurations (as generated for this run)\n\n${configText.join('\n')}\n` : table;
// The configurations go to the terminal first, the tables last, so that the tables are what stays in view.
if (configText.length) process.stdout.write(`### Configurations (as generated for this run)\n\n${configText.join('\n')}\n`);
process.stdout.write(table);
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, full);
