// The image runs node 24; the suite runs on the machine's node (20 here). Where the two differ under pe-edge (nghttp2
// ending a session where it reset a stream, OpenSSL 3.5's names and handshakes and key shares, zlib, llhttp), these
// test files run again, whole, on the image's node (test/support/image-node.ts): a behaviour that holds on one node
// only fails here. V8's collector differs too: upload-memory and request-objects-young run here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { imageNode, imageNodeSkip } from '../../support/image-node.js';

const DIST_TEST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const REPO = path.resolve(DIST_TEST, '../..');

/** Test files (under dist/test) whose behaviour depends on node's HTTP/2, TLS, OpenSSL, zlib, HTTP/1.1 parser or V8's collector. */
const ON_IMAGE_NODE: readonly string[] = [
  'integration/proxy/forwarding-as-go.test.js',
  'integration/proxy/http2-front-review.test.js',
  'integration/proxy/http2-stream-front.test.js',
  'integration/proxy/http2-rapid-reset.test.js',
  'integration/proxy/h2-upstream-stall.test.js',
  'integration/proxy/grpc.test.js',
  'integration/proxy/http1-front-parser-vs-node.test.js',
  'integration/proxy/servers-transport-tls-versions.test.js',
  'integration/tls/https-server.test.js',
  'integration/cli/tls-session-resumption.test.js',
  'integration/cli/tls-ticket-rotation.test.js',
  'integration/cli/tls-client-auth-per-host.test.js',
  'integration/middlewares/compress-stream-flush.test.js',
  'integration/cli/upload-memory.test.js',
  'integration/cli/request-objects-young.test.js',
  'integration/middlewares/compress.test.js',
  'unit/middlewares/compress-output-chunks.test.js',
  'unit/middlewares/compressed-body-held.test.js',
  'unit/forward/upstream-errors.test.js',
  'unit/tls/client-hello.test.js',
  'unit/entrypoints/http2-response-head.test.js',
];

/** The node major version of the Dockerfile's default base (`ARG BASE=node:24-alpine`). */
function dockerfileNodeMajor(): string {
  const match = /^ARG BASE=node:(\d+)/m.exec(readFileSync(path.join(REPO, 'Dockerfile'), 'utf8'));
  assert.ok(match?.[1] !== undefined, 'the Dockerfile names its node base as ARG BASE=node:<major>...');
  return match[1];
}

test(`HTTP/2, TLS, compress, upstream-error and V8 memory tests pass on the image's node too`, { skip: imageNodeSkip(), timeout: 600_000 }, async (t) => {
  const node = imageNode();
  assert.ok(node !== null, 'no node of the image\'s version: .ci/run names one in PE_EDGE_IMAGE_NODE');
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  assert.match(version, new RegExp(`^v${dockerfileNodeMajor()}\\.`), `PE_EDGE_IMAGE_NODE is node ${version}, not the Dockerfile's base`);
  const files = ON_IMAGE_NODE.map((f) => path.join(DIST_TEST, f));
  // node --test drops a path that names no file when others do: a renamed file would leave the list unnoticed.
  assert.deepEqual(files.filter((f) => !existsSync(f)), [], 'every listed test file exists');
  // Without NODE_TEST_CONTEXT, which tells a test file it runs under this runner: the child is a runner of its own.
  const env = { ...process.env };
  delete env['NODE_TEST_CONTEXT'];
  const run = spawn(node, ['--test', '--test-concurrency=1', '--test-timeout=120000', '--test-reporter=tap', ...files], { stdio: ['ignore', 'pipe', 'pipe'], env });
  t.after(() => run.kill('SIGKILL'));
  let out = '';
  run.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  run.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
  const code = await new Promise<number | null>((resolve) => run.once('close', resolve));
  const counts: string[] = out.match(/^# (tests|pass|fail) \d+$/gm) ?? [];
  t.diagnostic(`${version}: ${counts.join(', ')}`);
  assert.equal(code, 0, `on node ${version}:\n${failedTests(out).join('\n')}\n${out.slice(-4000)}`);
  assert.ok(counts.includes('# fail 0') && !counts.includes('# pass 0'), counts.join(', '));
});

/** Each failed test's TAP lines: its `not ok` line and the YAML block under it (the assertion's message, its numbers). */
function failedTests(tap: string): string[] {
  const lines = tap.split('\n');
  const failed: string[] = [];
  lines.forEach((line, at) => {
    const indent = /^(\s*)not ok /.exec(line)?.[1];
    if (indent === undefined) return;
    const end = lines.findIndex((l, i) => i > at && l === `${indent}  ...`);
    failed.push(lines.slice(at, end < 0 ? at + 20 : end + 1).join('\n'));
  });
  return failed;
}
