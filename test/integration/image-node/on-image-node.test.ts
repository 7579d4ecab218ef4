// The image runs node 24; the suite runs on the machine's node (20 here). Where the two differ under pe-edge (nghttp2
// ending a session where it reset a stream, OpenSSL 3.5's names and handshakes, node 24's TLS key shares), these
// test files run again, whole, on the image's node (test/support/image-node.ts): a behaviour that holds on one node
// only fails here. The list is the files of those areas: HTTP/2 to and from upstreams, TLS, upstream errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { imageNode, imageNodeSkip } from '../../support/image-node.js';

const DIST_TEST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Test files (under dist/test) whose behaviour depends on node's HTTP/2, TLS or OpenSSL. */
export const ON_IMAGE_NODE: readonly string[] = [
  'integration/proxy/forwarding-as-go.test.js',
  'integration/proxy/http2-front-review.test.js',
  'integration/proxy/http2-stream-front.test.js',
  'integration/proxy/h2-upstream-stall.test.js',
  'integration/proxy/grpc.test.js',
  'integration/proxy/servers-transport-tls-versions.test.js',
  'integration/cli/tls-session-resumption.test.js',
  'unit/forward/upstream-errors.test.js',
  'unit/tls/client-hello.test.js',
];

test(`HTTP/2, TLS and upstream-error tests pass on the image's node too`, { skip: imageNodeSkip(), timeout: 600_000 }, async (t) => {
  const node = imageNode();
  assert.ok(node !== null, 'no node of the image\'s version: .ci/run names one in PE_EDGE_IMAGE_NODE');
  const files = ON_IMAGE_NODE.map((f) => path.join(DIST_TEST, f));
  // Without NODE_TEST_CONTEXT, which tells a test file it runs under this runner: the child is a runner of its own.
  const env = { ...process.env };
  delete env['NODE_TEST_CONTEXT'];
  const run = spawn(node, ['--test', '--test-concurrency=1', '--test-reporter=tap', ...files], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  run.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  run.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
  const code = await new Promise<number | null>((resolve) => run.once('close', resolve));
  const version = await new Promise<string>((resolve) => {
    const v = spawn(node, ['--version']);
    let text = '';
    v.stdout.setEncoding('utf8').on('data', (c: string) => (text += c));
    v.once('close', () => resolve(text.trim()));
  });
  const counts: string[] = out.match(/^# (tests|pass|fail) \d+$/gm) ?? [];
  t.diagnostic(`${version}: ${counts.join(', ')}`);
  const failures = out.split('\n').filter((l) => /^\s*not ok /.test(l));
  assert.equal(code, 0, `on node ${version}:\n${failures.join('\n')}\n${out.slice(-4000)}`);
  assert.ok(counts.includes('# fail 0') && !counts.includes('# pass 0'), counts.join(', '));
});
