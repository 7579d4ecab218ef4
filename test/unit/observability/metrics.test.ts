// The Prometheus metrics on fake exchanges: headerLabels series, Traefik v1's names and their switch, the two
// series stores agreeing, series of removed items dropped, the one 499 rule, and each family's --workers aggregator.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPrometheusMetrics, type PrometheusOptions } from '../../../proxy/observability/metrics.js';
import { promClientSeries } from '../../../proxy/observability/metric-series.js';
import { finalStatus } from '../../../proxy/observability/final-status.js';
import { fakeContext } from '../middlewares/fake-context.js';
import type { RequestSpec } from '../../support/request-context.js';

const DEFAULTS: PrometheusOptions = { addInternals: false, buckets: [0.1, 0.3, 1.2, 5], addEntryPointsLabels: true, addRoutersLabels: false, addServicesLabels: true, headerLabels: {} };

/** One exchange that ended with `status` (a head sent), or with none when status is null. */
function exchange(router: string, service: string, status: number | null, req: RequestSpec = {}): Parameters<ReturnType<typeof createPrometheusMetrics>['onRequestDone']>[0] {
  const { ctx } = fakeContext(req);
  ctx.routerName = router;
  ctx.serviceName = service;
  if (status !== null) ctx.res.sendHead(status, { 'content-length': '2' });
  return ctx;
}

/** Series lines (no comments), with the process defaults left out. */
async function lines(metrics: ReturnType<typeof createPrometheusMetrics>, prefix = 'traefik_'): Promise<string[]> {
  return (await metrics.registry.metrics()).split('\n').filter((l) => l.startsWith(prefix));
}

/** A series line with its labels sorted, `le` included, and the value kept: equal for both stores. */
function normalised(line: string): string {
  const m = /^([^{ ]+)(?:\{(.*)\})? (.*)$/.exec(line);
  if (m === null) return line;
  const labels = (m[2] ?? '').split(/,(?=[a-z_]+=)/).filter(Boolean).sort().join(',');
  const value = m[1]?.endsWith('_sum') ? 'sum' : m[3];
  return `${m[1]}{${labels}} ${value}`;
}

describe('prometheus metrics', () => {
  it('headerLabels: one requests series per header value, and no series without the header labels', async () => {
    const metrics = createPrometheusMetrics({ ...DEFAULTS, headerLabels: { tenant: 'X-Tenant' } });
    metrics.onRequestDone(exchange('r@file', 's@file', 200, { headers: [['X-Tenant', 'blue']] }));
    metrics.onRequestDone(exchange('r@file', 's@file', 200, { headers: [['X-Tenant', 'blue']] }));
    metrics.onRequestDone(exchange('r@file', 's@file', 200));
    const requests = (await lines(metrics)).filter((l) => /^traefik_(entrypoint|service|backend)_requests_total/.test(l));
    assert.deepEqual(requests, [
      'traefik_entrypoint_requests_total{code="200",entrypoint="web",method="GET",protocol="http",tenant="blue"} 2',
      'traefik_entrypoint_requests_total{code="200",entrypoint="web",method="GET",protocol="http",tenant=""} 1',
      'traefik_service_requests_total{code="200",method="GET",protocol="http",service="s@file",tenant="blue"} 2',
      'traefik_service_requests_total{code="200",method="GET",protocol="http",service="s@file",tenant=""} 1',
      'traefik_backend_requests_total{backend="s@file",code="200",method="GET",protocol="http",tenant="blue"} 2',
      'traefik_backend_requests_total{backend="s@file",code="200",method="GET",protocol="http",tenant=""} 1',
    ]);
    assert.ok((await lines(metrics)).includes('traefik_service_request_duration_seconds_count{code="200",method="GET",protocol="http",service="s@file"} 3'), 'the other families have no header labels');
  });

  it('compatibilityNames: false leaves Traefik v1\'s traefik_backend_* out', async () => {
    const metrics = createPrometheusMetrics({ ...DEFAULTS, compatibilityNames: false });
    metrics.onRequestDone(exchange('r@file', 's@file', 200));
    assert.equal((await lines(metrics, 'traefik_backend_')).length, 0);
    assert.equal((await lines(metrics, 'traefik_service_requests_total')).length, 1);
  });

  it('the plain store and prom-client\'s label children give the same series', async () => {
    const plain = createPrometheusMetrics({ ...DEFAULTS, addRoutersLabels: true });
    const children = createPrometheusMetrics({ ...DEFAULTS, addRoutersLabels: true, store: promClientSeries });
    for (const m of [plain, children]) {
      m.configApplied();
      m.serverUp('s@file', 'http://10.0.0.2', false);
      for (const status of [200, 200, 502, null]) m.onRequestDone(exchange('r@file', 's@file', status, { method: status === 502 ? 'POST' : 'GET' }));
    }
    const a = (await lines(plain)).filter((l) => !l.startsWith('traefik_config_last')).map(normalised).sort();
    const b = (await lines(children)).filter((l) => !l.startsWith('traefik_config_last')).map(normalised).sort();
    assert.ok(a.length > 40, `${a.length} lines`);
    assert.deepEqual(b, a);
  });

  it('retain drops the series of removed routers, services and servers, and keeps internal ones and entrypoints', async () => {
    const metrics = createPrometheusMetrics({ ...DEFAULTS, addRoutersLabels: true, addInternals: true });
    for (const [router, service] of [['keep@file', 'keep@file'], ['gone@file', 'gone@file'], ['api@internal', 'api@internal']]) metrics.onRequestDone(exchange(router as string, service as string, 200));
    metrics.serverUp('keep@file', 'http://10.0.0.2', true);
    metrics.serverUp('keep@file', 'http://10.0.0.3', true);
    metrics.retain({ routers: new Set(['keep@file']), services: new Set(['keep@file']), servers: new Map([['keep@file', new Set(['http://10.0.0.2'])]]) });
    const text = (await lines(metrics)).join('\n');
    assert.doesNotMatch(text, /gone@file/);
    assert.doesNotMatch(text, /10\.0\.0\.3/);
    assert.match(text, /traefik_service_server_up\{service="keep@file",url="http:\/\/10\.0\.0\.2"\} 1/);
    assert.match(text, /traefik_router_requests_total\{code="200",method="GET",protocol="http",router="keep@file",service="keep@file"\} 1/);
    assert.match(text, /router="api@internal"/);
    assert.match(text, /traefik_entrypoint_requests_total\{code="200",entrypoint="web",method="GET",protocol="http"\} 3/);
    // A removed name that comes back starts from zero.
    metrics.onRequestDone(exchange('gone@file', 'gone@file', 200));
    assert.ok((await lines(metrics)).includes('traefik_service_requests_total{code="200",method="GET",protocol="http",service="gone@file"} 1'));
  });

  it('an exchange that ended before any head is 499 for metrics, access log and circuit breaker alike (finalStatus)', async () => {
    assert.equal(finalStatus({ headersSent: false, statusCode: 200 }), 499);
    assert.equal(finalStatus({ headersSent: true, statusCode: 502 }), 502);
    const metrics = createPrometheusMetrics(DEFAULTS);
    metrics.onRequestDone(exchange('r@file', 's@file', null));
    assert.ok((await lines(metrics)).includes('traefik_service_requests_total{code="499",method="GET",protocol="http",service="s@file"} 1'));
  });

  it('--workers: each family says how workers add up (sum; max for reloads and certificates; min for server health)', async () => {
    const metrics = createPrometheusMetrics(DEFAULTS);
    metrics.onRequestDone(exchange('r@file', 's@file', 200));
    const aggregators = Object.fromEntries((await metrics.registry.getMetricsAsJSON()).map((f) => [f.name, f.aggregator]));
    assert.deepEqual(
      ['traefik_config_reloads_total', 'traefik_config_last_reload_success', 'traefik_config_reloads_failure_total', 'traefik_config_last_reload_failure', 'traefik_tls_certs_not_after', 'traefik_service_server_up', 'traefik_service_requests_total', 'traefik_backend_requests_total', 'traefik_backend_request_duration_seconds', 'traefik_entrypoint_request_duration_seconds'].map((n) => [n, aggregators[n]]),
      [['traefik_config_reloads_total', 'max'], ['traefik_config_last_reload_success', 'max'], ['traefik_config_reloads_failure_total', 'max'], ['traefik_config_last_reload_failure', 'max'], ['traefik_tls_certs_not_after', 'max'], ['traefik_service_server_up', 'min'], ['traefik_service_requests_total', 'sum'], ['traefik_backend_requests_total', 'sum'], ['traefik_backend_request_duration_seconds', 'sum'], ['traefik_entrypoint_request_duration_seconds', 'sum']],
    );
  });
});
