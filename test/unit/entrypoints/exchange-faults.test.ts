import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExchangeFault } from '../../../proxy/http/exchange-fault.js';
import { handleRequest, serveRoute, type EntryPointContext } from '../../../proxy/entrypoints/request-entry.js';
import { createPrometheusMetrics } from '../../../proxy/observability/metrics.js';
import { RecordingResponse } from '../../support/recording-response.js';
import { requestContext } from '../../support/request-context.js';

const entryPoint = (faults: (f: ExchangeFault) => void): EntryPointContext => ({
  name: 'web', getRuntime: () => { throw new Error('not used'); }, writeTimeout: 0, readTimeout: 0, trustAll: false, trusted: null, notAppendForwardedFor: false, underscoreHeaders: 'keep',
  onDone: null, faults, sanitizePath: true, deniedEscapes: null,
});

test('a router whose handler throws costs that request a 500 and one fault report naming the router', () => {
  const reported: ExchangeFault[] = [];
  const ep = entryPoint((f) => reported.push(f));
  const res = new RecordingResponse();
  const ctx = { ...requestContext(), res, faults: ep.faults };
  serveRoute(ep, ctx, { name: 'api@file', tlsOptions: null, handler: () => { throw new TypeError('boom'); } });
  assert.equal(res.statusCode, 500);
  assert.equal(res.body, 'Internal Server Error\n');
  assert.equal(reported.length, 1);
  assert.deepEqual({ ...reported[0], error: reported[0]?.error.message }, { entryPoint: 'web', router: 'api@file', stage: 'handler', error: 'boom' });
});

test('a throw after the answer started cuts the exchange instead of writing a second head', () => {
  const reported: ExchangeFault[] = [];
  const ep = entryPoint((f) => reported.push(f));
  const res = new RecordingResponse();
  const ctx = { ...requestContext(), res, faults: ep.faults };
  serveRoute(ep, ctx, { name: 'stream@file', tlsOptions: null, handler: (c) => { c.res.sendHead(200, {}); throw new Error('late'); } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.clientGone, true, 'the exchange was cut');
  assert.equal(reported.length, 1);
});

test('faults are counted in pe_edge_exchange_faults_total by entrypoint, router and stage', async () => {
  const metrics = createPrometheusMetrics({ buckets: [0.1], addEntryPointsLabels: true, addRoutersLabels: false, addServicesLabels: false, headerLabels: {}, addInternals: false });
  metrics.exchangeFault({ entryPoint: 'web', router: 'api@file', stage: 'response', error: new Error('x') });
  metrics.exchangeFault({ entryPoint: 'web', router: 'api@file', stage: 'response', error: new Error('y') });
  const text = await metrics.registry.metrics();
  assert.match(text, /pe_edge_exchange_faults_total\{entrypoint="web",router="api@file",stage="response"\} 2/);
});

test('a throw before routing (node:http and HTTP/2 fronts) costs that exchange and one fault report, never the process', () => {
  // getRuntime throws here: a stand-in for any bug between the front and the router's chain. Called from node's
  // 'request' or 'stream' event, an uncaught throw would end the process.
  const reported: ExchangeFault[] = [];
  const ep: EntryPointContext = { ...entryPoint((f) => reported.push(f)), getRuntime: () => { throw new Error('routing bug'); } };
  const res = new RecordingResponse();
  assert.doesNotThrow(() => handleRequest(ep, requestContext().req, res, null, null, true));
  assert.equal(res.clientGone, true, 'the exchange was cut');
  assert.equal(reported.length, 1);
  assert.deepEqual({ ...reported[0], error: reported[0]?.error.message }, { entryPoint: 'web', router: '', stage: 'front', error: 'routing bug' });
});
