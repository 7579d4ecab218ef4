// What a middleware costs, from the mw section's paired slices (`node paired-costs.mjs --self-test`).
// Each pair is one short slice of a row and one of its reference (the `none` router, or HAProxy without
// compression), run seconds apart in the same process: the machine's speed, which moves by up to 2x between
// minutes here, is nearly the same within a pair, so a row's cost is the median over its pairs of the ratio
// within each pair, and the spread of those ratios says how far that median can be trusted.
import process from 'node:process';
import { median } from './stats.mjs';

// The median's interval must cover the true median at least this often (when the pairs allow it).
const WANTED_COVERAGE = 0.9;

/** P(X <= k) for X ~ Binomial(n, 1/2). */
function binomialHalfCdf(n, k) {
  let term = 0.5 ** n;
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += term;
    term = (term * (n - i)) / (i + 1);
  }
  return sum;
}

/**
 * Median, min, max and a distribution-free confidence interval for the median: the k-th lowest to the k-th
 * highest value, with the largest k whose coverage (1 - 2 P(X <= k - 1), X ~ Binomial(n, 1/2)) is still at
 * least 90 % (for 8 pairs: the 2nd lowest to the 2nd highest, 93 %); with fewer than 5 values min..max covers
 * less than 90 %, and `coverage` says how much.
 * @param {number[]} values
 */
export function medianInterval(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const n = v.length;
  if (n === 0) return undefined;
  let k = 1;
  while (k + 1 <= n / 2 && 1 - 2 * binomialHalfCdf(n, k) >= WANTED_COVERAGE) k++;
  return { n, median: median(v), lo: v[k - 1], hi: v[n - k], min: v[0], max: v[n - 1], coverage: 1 - 2 * binomialHalfCdf(n, k - 1) };
}

/**
 * A cost (lower is better) against a budget: `within` only when the whole interval lies within ±budget, `over`
 * when the whole interval is above it, `inconclusive` otherwise: the interval straddles the budget, covers too
 * little, or reaches below -budget (a middleware cannot make a request cheaper than none, so a pair that says
 * it did by more than the budget measured the machine, and the spread is too wide to show the budget).
 * @param {{ lo: number, hi: number, coverage: number } | undefined} stats
 * @param {number} budget
 */
export function budgetVerdict(stats, budget) {
  if (!stats) return 'n/a';
  if (stats.coverage < WANTED_COVERAGE) return 'inconclusive';
  if (stats.hi <= budget && stats.lo >= -budget) return 'within';
  if (stats.lo > budget) return 'over';
  return 'inconclusive';
}

/**
 * The mw section's slices grouped into pairs. A slice's note starts with `pair=<id> side=ref|row`; a pair
 * counts when both slices were measured and valid. Returns, per row name (references included), its slices and,
 * for the non-reference rows, its pairs in the order measured with the ratios row / reference of req/s and of
 * CPU per request.
 * @param {{ name: string, role: string, index: number, note: string, invalid: boolean,
 *   result?: { rps?: number, cpuUsPerRequest?: number } }[]} runs
 */
export function pairedRows(runs) {
  const byId = new Map();
  const rows = new Map();
  for (const run of runs) {
    const m = /^pair=(\S+) side=(ref|row)\b/.exec(run.note);
    if (!rows.has(run.name)) rows.set(run.name, { name: run.name, role: run.role, index: run.index, runs: [], pairs: [] });
    rows.get(run.name).runs.push(run);
    if (!m) continue;
    const pair = byId.get(m[1]) ?? { id: m[1] };
    pair[m[2]] = run;
    byId.set(m[1], pair);
  }
  for (const pair of byId.values()) {
    const { ref, row } = pair;
    if (!ref || !row) continue;
    const usable = (r) => r.result && !r.invalid;
    const entry = { id: pair.id, ref, row, ok: usable(ref) && usable(row) };
    if (entry.ok) {
      entry.rpsRatio = row.result.rps / ref.result.rps;
      entry.cpuRatio = row.result.cpuUsPerRequest / ref.result.cpuUsPerRequest;
    }
    rows.get(row.name).pairs.push(entry);
  }
  for (const row of rows.values()) row.pairs.sort((a, b) => a.row.index - b.row.index);
  return [...rows.values()];
}

function selfTest() {
  const failures = [];
  let checks = 0;
  const check = (what, got, want) => {
    checks++;
    if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  };
  const eight = medianInterval([8, 1, 7, 2, 6, 3, 5, 4]);
  check('8 values: 2nd lowest..2nd highest', [eight.lo, eight.hi, eight.median], [2, 7, 4.5]);
  check('8 values: coverage', eight.coverage.toFixed(3), '0.930');
  const six = medianInterval([6, 1, 5, 2, 4, 3]);
  check('6 values: min..max', [six.lo, six.hi, six.coverage.toFixed(3)], [1, 6, '0.969']);
  const twenty = medianInterval(Array.from({ length: 20 }, (_, i) => i + 1));
  check('20 values: 6th..15th', [twenty.lo, twenty.hi], [6, 15]);
  check('3 values cover too little', budgetVerdict(medianInterval([0, 0.01, 0.02]), 0.05), 'inconclusive');
  check('within', budgetVerdict({ lo: -0.02, hi: 0.04, coverage: 0.93 }, 0.05), 'within');
  check('below -budget: too wide', budgetVerdict({ lo: -0.29, hi: -0.03, coverage: 0.93 }, 0.05), 'inconclusive');
  check('straddles', budgetVerdict({ lo: 0.01, hi: 0.07, coverage: 0.93 }, 0.05), 'inconclusive');
  check('over', budgetVerdict({ lo: 0.06, hi: 0.09, coverage: 0.93 }, 0.05), 'over');
  const slice = (index, name, note, rps, cpu) => ({ index, name, role: 'mw', note, invalid: false, result: { rps, cpuUsPerRequest: cpu } });
  const rows = pairedRows([
    slice(0, 'none', 'pair=1.1 side=ref; x', 100, 10),
    slice(1, 'a', 'pair=1.1 side=row; x', 90, 11),
    slice(2, 'a', 'pair=1.2 side=row; x', 50, 20),
    slice(3, 'none', 'pair=1.2 side=ref; x', 100, 10),
    slice(4, 'none', 'pair=2.1 side=ref; x', 100, 10),
  ]);
  const a = rows.find((r) => r.name === 'a');
  check('pairs of a', a.pairs.map((p) => [p.id, p.rpsRatio, p.cpuRatio]), [['1.1', 0.9, 1.1], ['1.2', 0.5, 2]]);
  check('a lone slice makes no pair', rows.find((r) => r.name === 'none').pairs.length, 0);
  if (failures.length) {
    console.error(`paired-costs self-test failed:\n${failures.join('\n')}`);
    process.exit(1);
  }
  console.log(`paired-costs self-test: ${checks} passed, 0 failed`);
}

if (process.argv[2] === '--self-test') selfTest();
