// decode(encode(x)) deep-equals x (style anchor 19): the encoder used by compose generation
// writes labels the decoder reads back to the same configuration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLabels, encodeLabels, LabelEncodeError, validateDynamicConfig, type DynamicConfig, type ServerLabels } from '../../../../labels-spec/index.js';

function yaml(raw: unknown): DynamicConfig {
  const { config, issues } = validateDynamicConfig(raw);
  assert.deepEqual(issues, [], 'fixture must be valid');
  return config;
}

const table: { desc: string; config: DynamicConfig; servers?: Record<string, ServerLabels> }[] = [
  {
    desc: 'routers with rule, entrypoints, middlewares, tls certresolver and domains, priority',
    config: yaml({
      http: {
        routers: {
          web: { rule: 'Host(`a.example.com`) && PathPrefix(`/api`)', entryPoints: ['web', 'websecure'], middlewares: ['auth@file', 'hdr'], priority: 100, service: 'app' },
          Secure: { rule: 'Host(`b`)', tls: { certResolver: 'le', domains: [{ main: 'b.com', sans: ['www.b.com'] }, { main: 'c.com' }] } },
          plain: { rule: 'Host(`c`)', tls: {} },
        },
      },
    }),
  },
  {
    desc: 'services with server port, passhostheader, healthcheck, sticky cookie',
    config: yaml({
      http: {
        services: {
          app: {
            loadBalancer: {
              passHostHeader: false,
              healthCheck: { path: '/health', interval: '10s', timeout: '3s', headers: { 'X-Probe': 'yes' } },
              sticky: { cookie: { name: 'pe_session', secure: true, httpOnly: true, sameSite: 'lax', maxAge: 3600 } },
              responseForwarding: { flushInterval: '1m30s' },
            },
          },
          bare: { loadBalancer: {} },
          sticky: { loadBalancer: { sticky: { cookie: {} } } },
        },
      },
    }),
    servers: { app: { port: 3000, scheme: 'https', weight: 2 }, bare: { port: 80 } },
  },
  {
    desc: 'a service with middlewares (Traefik v3.7: traefik.http.services.<s>.middlewares)',
    config: yaml({ http: { services: { guarded: { middlewares: ['auth@file', 'hdr'], loadBalancer: {} } } } }),
    servers: { guarded: { port: 80 } },
  },
  {
    desc: 'middlewares of several types',
    config: yaml({
      http: {
        middlewares: {
          hdr: { headers: { customRequestHeaders: { 'X-Foo': 'bar' }, customResponseHeaders: { 'X-Robots-Tag': 'noindex', Server: '' }, frameDeny: true, stsSeconds: 31536000 } },
          rl: { rateLimit: { average: 100, period: '1m', burst: 50, sourceCriterion: { ipStrategy: { depth: 1 } } } },
          auth: { basicAuth: { users: ['u:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/', 'v:$2y$05$abc'], realm: 'pe' } },
          https: { redirectScheme: { scheme: 'https', permanent: true } },
          gz: { compress: {} },
          strip: { stripPrefix: { prefixes: ['/api', '/v1'] } },
          cb: { circuitBreaker: { expression: 'NetworkErrorRatio() > 0.30', fallbackDuration: '30s' } },
          retry: { retry: { attempts: 3, initialInterval: '100ms' } },
          ips: { ipAllowList: { sourceRange: ['10.0.0.0/8', '192.168.0.0/16'] } },
          errs: { errors: { status: ['500-599'], service: 'errors', query: '/{status}.html' } },
        },
      },
    }),
  },
  {
    desc: 'the default TLS store',
    config: yaml({ tls: { stores: { default: { defaultGeneratedCert: { resolver: 'le', domain: { main: 'example.com', sans: ['www.example.com'] } } } } } }),
  },
];

for (const c of table) {
  test(`round trip: ${c.desc}`, () => {
    const labels = encodeLabels(c.config, c.servers);
    for (const key of Object.keys(labels)) assert.equal(key.startsWith('traefik.'), true);
    const decoded = decodeLabels(labels);
    assert.deepEqual(decoded.issues, []);
    assert.deepEqual(decoded.config, c.config);
    assert.deepEqual(decoded.servers, c.servers ?? {});
  });
}

test('encode: Traefik spelling (lower-case keys, names as written, comma-joined lists, defaults left out)', () => {
  const labels = encodeLabels(
    yaml({ http: { routers: { Web: { rule: 'Host(`a`)', entryPoints: ['web', 'websecure'] } }, services: { app: { loadBalancer: {} } } } }),
    { app: { port: 8080 } },
  );
  assert.deepEqual(labels, {
    'traefik.http.routers.Web.entrypoints': 'web,websecure',
    'traefik.http.routers.Web.rule': 'Host(`a`)',
    'traefik.http.services.app.loadbalancer.server.port': '8080',
  });
});

test('encode: configuration labels cannot carry is an error naming the label', () => {
  const config = yaml({ http: { services: { s: { loadBalancer: { servers: [{ url: 'http://a:80' }] } } } } });
  assert.throws(() => encodeLabels(config), (err: unknown) => err instanceof LabelEncodeError && err.label === 'traefik.http.services.s.loadbalancer.servers');
  const weighted = yaml({ http: { services: { w: { weighted: { services: [{ name: 'a' }] } } } } });
  assert.throws(() => encodeLabels(weighted), LabelEncodeError);
});
