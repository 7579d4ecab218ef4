/**
 * Where a `--cpu-prof` profile's busy time went, by owner: pe-edge's own folders (`pe: proxy/forward`), node's
 * JavaScript by module (`node: http2`), and native frames by name (`native: writeLatin1String`, which holds the
 * write syscall of a string, `(garbage collector)`, `(program)`). Self time of the busy samples only (idle left
 * out), from `--skip` seconds after the profile's start (startup is not the request path). A script, not a test.
 *   node dist/test/bench/profile-shares.js <file.cpuprofile> [--skip=3] [--top=30]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
const option = (name: string, fallback: number): number => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
if (file === undefined) {
  console.error('usage: node dist/test/bench/profile-shares.js <file.cpuprofile> [--skip=3] [--top=30]');
  process.exit(2);
}

/** The owner a frame's self time is counted under. */
function ownerOf(frame: CallFrame): string {
  if (frame.url.includes('/dist/')) return `pe: ${(frame.url.split('/dist/')[1] ?? '').split('/').slice(0, -1).join('/')}`;
  if (frame.url.startsWith('node:')) return `node: ${frame.url.replace(/^node:(internal\/)?/, '').split('/')[0]}`;
  if (frame.url !== '') return `other: ${frame.url}`;
  return `native: ${frame.functionName}`;
}

const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
const skipUs = option('skip', 3) * 1e6;
const shares = new Map<string, number>();
let elapsed = 0;
let busy = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const delta = profile.timeDeltas[i] ?? 0;
  elapsed += delta;
  const frame = frames.get(profile.samples[i] ?? -1);
  if (elapsed < skipUs || frame === undefined || frame.functionName === '(idle)') continue;
  busy += delta;
  const owner = ownerOf(frame);
  shares.set(owner, (shares.get(owner) ?? 0) + delta);
}
const sum = (prefix: string): number => [...shares].filter(([k]) => k.startsWith(prefix)).reduce((s, [, v]) => s + v, 0);
const percent = (value: number): string => `${((100 * value) / busy).toFixed(1).padStart(5)} %`;
console.log(`${file}: ${(busy / 1e6).toFixed(1)} s busy after the first ${skipUs / 1e6} s`);
console.log(`${percent(sum('pe: '))}  pe-edge's own code`);
console.log(`${percent(sum('node: '))}  node's JavaScript`);
console.log(`${percent(sum('native: '))}  native (node's C++, V8, syscalls, GC)`);
for (const [owner, value] of [...shares].sort((a, b) => b[1] - a[1]).slice(0, option('top', 30))) console.log(`${percent(value)}  ${owner}`);
