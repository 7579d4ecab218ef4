// The dashboard on api@internal, routed as Traefik routes it: dashboard@internal on entrypoint traefik with
// api.insecure (`/` → 301 /dashboard/), else a user router to api@internal (`/` → 302 <X-Forwarded-Prefix>/dashboard/),
// behind that router's basicAuth: no page, asset or API answer without credentials. Every answer sends the CSP.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { test, type TestContext } from 'node:test';
import { DashboardInsights } from '../../../proxy/api/dashboard/insights.js';
import { DASHBOARD_CSP } from '../../../proxy/api/dashboard/dashboard.js';
import type { ApiInput, BuildInput } from '../../../proxy/runtime/build-input.js';
import { buildInput, startProxy } from '../../support/proxy-fixture.js';
import { validateDynamicConfig } from '../../../labels-spec/index.js';

const api = (insecure: boolean, dashboard: boolean, insights: DashboardInsights | null = null): ApiInput => ({
  insecure,
  version: '9.9.9',
  startDate: '2024-01-01T00:00:00.000Z',
  entryPoints: { web: { address: '127.0.0.1:0' }, traefik: { address: '127.0.0.1:0' } },
  features: { tracing: '', metrics: '', accessLog: false },
  providers: ['File'],
  dashboard,
  insights,
});

const USERS = [`admin:{SHA}${createHash('sha1').update('s3cret').digest('base64')}`];
const AUTH = `Basic ${Buffer.from('admin:s3cret').toString('base64')}`;

function input(apiInput: ApiInput): BuildInput {
  return {
    ...buildInput({
      entryPoints: { web: { address: '127.0.0.1:0' }, traefik: { address: '127.0.0.1:0' } },
      http: {
        routers: {
          'dashboard@file': { rule: 'Host(`dash.test`)', service: 'api@internal', middlewares: ['auth'], entryPoints: ['web'] },
        },
        middlewares: { 'auth@file': validateDynamicConfig({ http: { middlewares: { auth: { basicAuth: { users: USERS } } } } }).config.http.middlewares['auth'] as Record<string, unknown> },
      },
    }),
    api: apiInput,
  };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw GET (fetch would follow redirects and decode gzip). */
function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('latin1') }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function started(t: TestContext, i: BuildInput): Promise<{ web: number; traefik: number }> {
  const proxy = await startProxy(i);
  t.after(() => proxy.close(0));
  return { web: proxy.port('web'), traefik: proxy.port('traefik') };
}

test('api.insecure: `/` on entrypoint traefik → 301 /dashboard/ on the same host; the page, its files, the CSP', async (t) => {
  const { traefik } = await started(t, input(api(true, true)));
  const root = await get(traefik, '/');
  assert.equal(root.status, 301);
  assert.equal(root.headers.location, `http://127.0.0.1:${traefik}/dashboard/`);
  // Traefik's dashboard_redirect@internal is a permanent redirectRegex: the status text as body, no type; 308 but for GET.
  assert.equal(root.body, 'Moved Permanently');
  assert.equal(root.headers['content-type'], undefined);
  assert.equal((await get(traefik, '/', {}, 'HEAD')).status, 308);
  const page = await get(traefik, '/dashboard/');
  assert.equal(page.status, 200);
  assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(page.headers['content-security-policy'], DASHBOARD_CSP);
  assert.match(DASHBOARD_CSP, /script-src 'self'/);
  assert.doesNotMatch(DASHBOARD_CSP, /unsafe-inline|unsafe-eval/);
  assert.match(page.body, /<script src="app\.js" defer><\/script>/);
  for (const [file, type] of [['app.js', 'text/javascript; charset=utf-8'], ['app.css', 'text/css; charset=utf-8'], ['favicon.svg', 'image/svg+xml']]) {
    const r = await get(traefik, `/dashboard/${file}`);
    assert.equal(r.status, 200, file);
    assert.equal(r.headers['content-type'], type);
    assert.equal(r.headers['content-security-policy'], DASHBOARD_CSP);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
  }
  const gz = await get(traefik, '/dashboard/app.js', { 'accept-encoding': 'gzip, br' });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  const again = await get(traefik, '/dashboard/app.js', { 'if-none-match': String(gz.headers.etag) });
  assert.equal(again.status, 304);
  assert.equal((await get(traefik, '/dashboard/nope.js')).status, 404);
  assert.equal((await get(traefik, '/dashboard')).status, 404, 'the trailing slash is mandatory, as in Traefik');
  assert.equal((await get(traefik, '/dashboard/', {}, 'POST')).status, 405);
  assert.equal((await get(traefik, '/api/version')).status, 200, 'the API keeps its paths');
});

test('api.dashboard: false: no dashboard, the API only', async (t) => {
  const { traefik } = await started(t, input(api(true, false)));
  assert.equal((await get(traefik, '/')).status, 404);
  assert.equal((await get(traefik, '/dashboard/')).status, 404);
  assert.equal((await get(traefik, '/api/version')).status, 200);
});

test('without api.insecure nothing is on entrypoint traefik; a user router with basicAuth: 401 for everything without credentials', async (t) => {
  const { web, traefik } = await started(t, input(api(false, true)));
  assert.equal((await get(traefik, '/dashboard/')).status, 404);
  for (const path of ['/', '/dashboard/', '/dashboard/app.js', '/dashboard/app.css', '/api/rawdata', '/api/pe-edge/timeseries', '/api/pe-edge/changes']) {
    const r = await get(web, path, { host: 'dash.test' });
    assert.equal(r.status, 401, path);
    assert.equal(r.headers['content-security-policy'], undefined, `${path}: nothing of the dashboard's answer`);
    assert.doesNotMatch(r.body, /uPlot|<html|routers|bucketSeconds/, path);
  }
  const wrong = await get(web, '/dashboard/', { host: 'dash.test', authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}` });
  assert.equal(wrong.status, 401);
  const root = await get(web, '/', { host: 'dash.test', authorization: AUTH });
  assert.equal(root.status, 302);
  assert.equal(root.headers.location, '/dashboard/');
  assert.equal(root.body, '<a href="/dashboard/">Found</a>.\n\n', "Go's http.Redirect body");
  assert.equal(root.headers['content-type'], 'text/html; charset=utf-8');
  const forged = await get(web, '/', { host: 'dash.test', authorization: AUTH, 'x-forwarded-prefix': '/edge/' });
  assert.equal(forged.headers.location, '/dashboard/', "an untrusted client's X-Forwarded-Prefix is dropped, as Traefik's entrypoint drops it");
  const page = await get(web, '/dashboard/', { host: 'dash.test', authorization: AUTH });
  assert.equal(page.status, 200);
  assert.equal(page.headers['content-security-policy'], DASHBOARD_CSP);
});

test('the dashboard under a path prefix: `/` redirects under the prefix stripPrefix removed (X-Forwarded-Prefix), never under a URL', async (t) => {
  const base = input(api(false, true));
  const middlewares = validateDynamicConfig({ http: { middlewares: {
    strip: { stripPrefix: { prefixes: ['/edge'] } },
    elsewhere: { headers: { customRequestHeaders: { 'X-Forwarded-Prefix': '//evil.example' } } },
  } } }).config.http.middlewares;
  const { web } = await started(t, {
    ...base,
    http: {
      ...base.http,
      routers: {
        ...base.http.routers,
        'edge@file': { rule: 'Host(`dash.test`) && PathPrefix(`/edge/`)', service: 'api@internal', middlewares: ['strip', 'auth'], entryPoints: ['web'] },
        'other@file': { rule: 'Host(`other.test`)', service: 'api@internal', middlewares: ['elsewhere', 'auth'], entryPoints: ['web'] },
      },
      middlewares: { ...base.http.middlewares, 'strip@file': middlewares['strip'] as Record<string, unknown>, 'elsewhere@file': middlewares['elsewhere'] as Record<string, unknown> },
    },
  });
  const prefixed = await get(web, '/edge/', { host: 'dash.test', authorization: AUTH });
  assert.equal(prefixed.status, 302);
  assert.equal(prefixed.headers.location, '/edge/dashboard/');
  const elsewhere = await get(web, '/', { host: 'other.test', authorization: AUTH });
  assert.equal(elsewhere.headers.location, '/dashboard/', 'a prefix that is not a plain path is not followed');
});

test('an ipAllowList in front of the basicAuth, as the seed suggests: a client outside the range gets 403 even with credentials', async (t) => {
  const withAllowList = (sourceRange: string[]): BuildInput => {
    const base = input(api(false, true));
    const middlewares = validateDynamicConfig({ http: { middlewares: { office: { ipAllowList: { sourceRange } } } } }).config.http.middlewares;
    return {
      ...base,
      http: {
        ...base.http,
        routers: { 'dashboard@file': { rule: 'Host(`dash.test`)', service: 'api@internal', middlewares: ['office', 'auth'], entryPoints: ['web'] } },
        middlewares: { ...base.http.middlewares, 'office@file': middlewares['office'] as Record<string, unknown> },
      },
    };
  };
  const outside = await started(t, withAllowList(['10.0.0.0/8']));
  for (const path of ['/dashboard/', '/api/rawdata']) {
    const r = await get(outside.web, path, { host: 'dash.test', authorization: AUTH });
    assert.equal(r.status, 403, path);
    assert.doesNotMatch(r.body, /uPlot|<html|routers/, path);
  }
  const inside = await started(t, withAllowList(['127.0.0.1/32']));
  assert.equal((await get(inside.web, '/dashboard/', { host: 'dash.test' })).status, 401, 'inside the range, the password is still asked');
  assert.equal((await get(inside.web, '/dashboard/', { host: 'dash.test', authorization: AUTH })).status, 200);
});

test('/api/overview counts the configuration problems no item carries: every replica left out for a label error', async (t) => {
  const insights = new DashboardInsights();
  const leftOut = (replica: string) => [
    { provider: 'docker', severity: 'error' as const, container: replica, message: `container ${replica}: label "traefik.http.routers.web.rulle": unknown key; did you mean "rule"?` },
    { provider: 'docker', severity: 'error' as const, container: replica, message: `container ${replica} left out: 1 label error(s)` },
  ];
  insights.changes.applied([], { cause: 'docker sync' }, [...leftOut('shop-web-1'), ...leftOut('shop-web-2'),
    { provider: 'docker', severity: 'warning', container: 'shop-api-1', message: 'container shop-api-1: label "traefik.wrong.label": not configuration' }]);
  const { traefik } = await started(t, input(api(true, true, insights)));
  const overview = JSON.parse((await get(traefik, '/api/overview')).body) as { http: { routers: unknown }; problems: unknown };
  assert.deepEqual(overview.problems, { errors: 4, warnings: 1 });
  assert.deepEqual(overview.http.routers, { total: 1, warnings: 0, errors: 0 }, 'Traefik\'s sections count items only');
  const changes = JSON.parse((await get(traefik, '/api/pe-edge/changes')).body) as { problems: unknown[] };
  assert.equal(changes.problems.length, 5, 'the same list the dashboard shows');
});

test('/api/pe-edge/: timeseries, changes, certificates, containers from the process\'s insights', async (t) => {
  const insights = new DashboardInsights();
  insights.traffic.record('web@file', 'app@file', 12, 200);
  insights.traffic.record('web@file', 'app@file', 40, 503);
  insights.changes.applied([{ kind: 'router', name: 'web@file', status: 'disabled', errors: ['middleware "autth@file" does not exist'], usedBy: [], using: [] }], { cause: 'file' },
    [{ provider: 'file', severity: 'error', message: 'dynamic.yml:3: http.routers.x.rulle: unknown key; did you mean "rule"?' }]);
  insights.serverContainers = new Map([['http://10.0.0.2:80', 'app-1']]);
  const { traefik } = await started(t, input(api(true, true, insights)));
  const series = JSON.parse((await get(traefik, '/api/pe-edge/timeseries')).body) as { bucketSeconds: number; routers: Record<string, { requests: number[]; errors: number[] }> };
  assert.equal(series.bucketSeconds, 10);
  assert.equal(series.routers['web@file']?.requests.at(-1), 2);
  assert.equal(series.routers['web@file']?.errors.at(-1), 1);
  const changes = JSON.parse((await get(traefik, '/api/pe-edge/changes')).body) as { changes: { failed: { errors: string[] }[] }[]; problems: { message: string }[] };
  assert.deepEqual(changes.changes[0]?.failed[0]?.errors, ['middleware "autth@file" does not exist']);
  assert.match(changes.problems[0]?.message ?? '', /did you mean "rule"/);
  const certs = JSON.parse((await get(traefik, '/api/pe-edge/certificates')).body) as { default: boolean; notAfter: string }[];
  assert.equal(certs.length, 1);
  assert.equal(certs[0]?.default, true);
  assert.ok(Date.parse(certs[0]?.notAfter ?? '') > Date.now());
  assert.deepEqual(JSON.parse((await get(traefik, '/api/pe-edge/containers')).body), { 'http://10.0.0.2:80': 'app-1' });
  assert.equal((await get(traefik, '/api/pe-edge/nope')).status, 404);
});
