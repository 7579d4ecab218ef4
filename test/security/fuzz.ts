// The longer fuzz run (issue 7, item 4): `node dist/test/security/fuzz.js <seconds> [--seed=N]
// [--families=plain-h1,tls-h1,h2-frames,hostile-backend] [--keep-going]`.
// pe-edge runs as a child process (the real CLI). Without --keep-going the run stops at the first batch
// that leaves pe-edge dead or not answering, prints it with the seed, and exits 1. With --keep-going
// it restarts pe-edge after each failure and prints every distinct crash (first error line of stderr)
// at the end. Only 127.0.0.1; bounded by the given seconds (plus one batch).
import { startEdgeChild, type EdgeChild } from '../support/edge-child.js';
import { FAMILIES, formatFailure, outcomes, runFuzz, type Family, type FuzzFailure } from './fuzz-engine.js';

function arg(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

const seconds = Number(process.argv.slice(2).find((a) => /^\d+(\.\d+)?$/.test(a)) ?? '60');
const seed = arg('seed') !== undefined ? Number(arg('seed')) : Math.floor(Math.random() * 2 ** 31);
const families = (arg('families')?.split(',') ?? [...FAMILIES]) as Family[];
const keepGoing = process.argv.includes('--keep-going');
for (const f of families) if (!(FAMILIES as readonly string[]).includes(f)) throw new Error(`unknown family ${f}; one of ${FAMILIES.join(', ')}`);

/** What names a crash: the first `Error`/`TypeError` line of stderr, with the first pe-edge frame under it. */
function crashSignature(edge: EdgeChild): string {
  const lines = edge.proc.stderr;
  const at = lines.findIndex((l) => /^\w*Error\b|^Error \[|\[ERR_/.test(l.trim()));
  if (at < 0) return lines.slice(0, 3).join(' / ') || `exit ${JSON.stringify(edge.proc.exit)}`;
  const frames = lines.slice(at + 1).filter((l) => l.trim().startsWith('at '));
  const ours = frames.find((l) => /\/(proxy|operator|labels-spec)\//.test(l)) ?? frames[0] ?? '';
  return `${lines[at]?.trim()} ${ours.trim().replace(/file:\/\/\S*\/(?=(proxy|operator|labels-spec)\/)/, '')}`;
}

console.log(`fuzz: ${seconds} s, seed ${seed}, families ${families.join(',')}${keepGoing ? ', keep going' : ''}`);
const deadline = Date.now() + seconds * 1000;
const crashes = new Map<string, FuzzFailure>();
let round = 0;
let totalCases = 0;
let exitCode = 0;
while (Date.now() < deadline) {
  const edge = await startEdgeChild();
  const roundSeed = seed + round;
  try {
    const result = await runFuzz(edge, { seed: roundSeed, durationMs: deadline - Date.now(), families, log: (l) => console.log(`  ${l}`) });
    totalCases += result.cases;
    if (result.failure !== null) {
      exitCode = 1;
      const signature = edge.proc.exit !== undefined ? crashSignature(edge) : `no crash: ${result.failure.problem.split('\n')[0]}`;
      console.log(`\n${formatFailure(result.failure)}\nsignature: ${signature}\nlast stdout lines of pe-edge:\n${edge.proc.stdout.slice(-5).join('\n')}\n`);
      if (!crashes.has(signature)) crashes.set(signature, result.failure);
      if (!keepGoing) break;
    }
  } finally {
    await edge.stop();
  }
  round += 1;
}
console.log(`\n${totalCases} cases in ${round} run(s) of pe-edge, seed ${seed}`);
console.log('what clients saw:');
for (const [key, n] of [...outcomes].sort()) console.log(`  ${key}: ${n}`);
if (crashes.size === 0) console.log('pe-edge survived every batch');
else {
  console.log(`${crashes.size} distinct failure(s):`);
  for (const [signature, f] of crashes) console.log(`- ${signature}  (seed ${f.seed}, batch ${f.batch}, ${f.family})`);
}
process.exit(exitCode);
