// examples/monitoring: promtool accepts the alert rules and their unit tests (every alert firing and not
// firing), Prometheus accepts its configuration, and every metric the rules and the Grafana dashboard name is
// one pe-edge exports. promtool comes from Debian's `prometheus` package (.ci/run installs it); without it the
// promtool tests skip loudly, except under CI=true, where a missing promtool fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { createPrometheusMetrics } from '../../../proxy/observability/metrics.js';

// dist/test/unit/monitoring -> repository root
const ROOT = resolve(fileURLToPath(import.meta.url), '../../../../..');
const DIR = join(ROOT, 'examples/monitoring');
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));

function promtool(t: { skip: (message: string) => void }): string | null {
  if (PROMTOOL !== undefined) return PROMTOOL;
  if (process.env['CI'] === 'true') assert.fail('promtool not found (Debian package prometheus): CI must install it (.ci/run)');
  process.stderr.write('\n*** SKIPPING promtool tests: promtool not found (apt-get install -y prometheus) ***\n\n');
  t.skip('promtool not found');
  return null;
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd }, (err, stdout, stderr) => done({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, out: stdout + stderr }));
  });
}

test('promtool check rules: alerts.yml is valid', async (t) => {
  const bin = promtool(t);
  if (bin === null) return;
  const r = await run(bin, ['check', 'rules', 'alerts.yml'], DIR);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /SUCCESS: 6 rules found/);
});

test('promtool test rules: each alert fires on its case and stays quiet on the other', async (t) => {
  const bin = promtool(t);
  if (bin === null) return;
  const r = await run(bin, ['test', 'rules', 'alerts.test.yml'], DIR);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /SUCCESS/);
  // Every alert has a case where it fires and one where it does not.
  const tests = (parse(await readFile(join(DIR, 'alerts.test.yml'), 'utf8')) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] }).tests;
  const cases = tests.flatMap((c) => c.alert_rule_test);
  const rules = (parse(await readFile(join(DIR, 'alerts.yml'), 'utf8')) as { groups: { rules: { alert: string }[] }[] }).groups.flatMap((g) => g.rules);
  for (const { alert } of rules) {
    assert.ok(cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0), `${alert} is tested firing`);
    assert.ok(cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0), `${alert} is tested not firing`);
  }
});

test('promtool check config: prometheus.yml (with its rule file beside it) is valid and scrapes pe-edge:8082', async (t) => {
  const text = await readFile(join(DIR, 'prometheus.yml'), 'utf8');
  const config = parse(text) as { rule_files: string[]; scrape_configs: { metrics_path: string; static_configs: { targets: string[] }[] }[] };
  assert.deepEqual(config.rule_files, ['/etc/prometheus/alerts.yml'], 'the path the compose profile mounts alerts.yml at');
  assert.deepEqual(config.scrape_configs[0]?.static_configs[0]?.targets, ['pe-edge:8082'], "the seed's metrics entrypoint");
  assert.equal(config.scrape_configs[0]?.metrics_path, '/metrics');
  const bin = promtool(t);
  if (bin === null) return;
  const dir = await mkdtemp(join(tmpdir(), 'pe-prometheus-'));
  try {
    await copyFile(join(DIR, 'alerts.yml'), join(dir, 'alerts.yml'));
    await writeFile(join(dir, 'prometheus.yml'), text.replace('/etc/prometheus/alerts.yml', join(dir, 'alerts.yml')));
    const r = await run(bin, ['check', 'config', 'prometheus.yml'], dir);
    assert.equal(r.code, 0, r.out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Every family name pe-edge can export (all scopes on), histograms with their _bucket, _sum and _count. */
async function exportedNames(): Promise<Set<string>> {
  const metrics = createPrometheusMetrics({ addInternals: false, buckets: [0.1, 0.3, 1.2, 5], addEntryPointsLabels: true, addRoutersLabels: true, addServicesLabels: true, headerLabels: {}, compatibilityNames: true });
  const names = new Set<string>();
  for (const family of await metrics.registry.getMetricsAsJSON()) {
    names.add(family.name);
    for (const suffix of ['_bucket', '_sum', '_count']) names.add(family.name + suffix);
  }
  return names;
}

/** Metric names in PromQL text: identifiers of pe-edge's, Traefik's, node's and the process's families. */
function namesIn(promql: string): string[] {
  return [...promql.matchAll(/\b((?:traefik|pe_edge|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1] as string);
}

test('the alert rules and the Grafana dashboard name only metrics pe-edge exports, the seed\'s four among them', async () => {
  const exported = await exportedNames();
  const rules = (parse(await readFile(join(DIR, 'alerts.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);
  for (const rule of rules) {
    const names = namesIn(rule.expr);
    assert.ok(names.length > 0, rule.alert);
    for (const name of names) assert.ok(exported.has(name), `${rule.alert}: ${name} is not exported`);
  }
  const dashboard = JSON.parse(await readFile(join(DIR, 'grafana-dashboard.json'), 'utf8')) as { uid: string; panels: { type: string; title: string; targets?: { expr: string }[] }[] };
  assert.equal(dashboard.uid, 'pe-edge');
  const used = new Set<string>();
  for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
    assert.ok((panel.targets ?? []).length > 0, `panel "${panel.title}" has a query`);
    for (const target of panel.targets ?? []) {
      for (const name of namesIn(target.expr)) {
        assert.ok(exported.has(name), `panel "${panel.title}": ${name} is not exported`);
        used.add(name);
      }
    }
  }
  for (const name of ['traefik_entrypoint_requests_total', 'traefik_entrypoint_request_duration_seconds_bucket', 'traefik_backend_requests_total', 'traefik_backend_request_duration_seconds_bucket', 'traefik_tls_certs_not_after', 'traefik_service_server_up']) {
    assert.ok(exported.has(name), `${name} exported`);
  }
  for (const name of ['traefik_backend_requests_total', 'traefik_backend_request_duration_seconds_bucket', 'traefik_service_requests_total', 'traefik_tls_certs_not_after']) assert.ok(used.has(name), `the dashboard shows ${name}`);
});
