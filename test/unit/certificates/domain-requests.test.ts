import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deleteUnnecessaryDomains, planCertificateRequests, unableToObtain, wildcardWithoutDnsChallenge, type PlannedRouter, type PlannedTcpRouter } from '../../../operator/certificates/domain-requests.js';
import type { BuildInput } from '../../../proxy/runtime/build-input.js';

const entryPoints: BuildInput['entryPoints'] = {
  web: { address: ':80' },
  websecure: { address: ':443', http: { tls: { certResolver: 'le' } } },
};

function plan(routers: Record<string, PlannedRouter>, resolvers = ['le', 'other'], tcp: Record<string, PlannedTcpRouter> = {}) {
  return planCertificateRequests({ http: new Map(Object.entries(routers)), tcp: new Map(Object.entries(tcp)) }, entryPoints, new Set(resolvers));
}

const http = (name: string) => ({ protocol: 'http', name }) as const;
const tcp = (name: string) => ({ protocol: 'tcp', name }) as const;

test('the Host values of a rule make one certificate, the first one its subject, lower-cased', () => {
  const { requests, problems } = plan({
    'app@docker': { rule: 'Host(`Example.com`) || (Host(`www.example.com`) && PathPrefix(`/x`)) || HostRegexp(`.+`)', tls: { certResolver: 'le' }, using: ['websecure'] },
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(requests, [{ resolver: 'le', domains: { main: 'example.com', sans: ['www.example.com'] }, routers: [http('app@docker')] }]);
});

test('tls.domains wins over the rule; each entry is one certificate', () => {
  const { requests } = plan({
    'a@file': { rule: 'Host(`ignored.test`)', tls: { certResolver: 'le', domains: [{ main: 'a.test', sans: ['b.test'] }, { main: '*.c.test' }] }, using: ['websecure'] },
  });
  assert.deepEqual(requests.map((r) => r.domains), [{ main: 'a.test', sans: ['b.test'] }, { main: '*.c.test', sans: [] }]);
});

test('routers asking for the same set share one request; a router without its own tls takes its entrypoint\'s resolver', () => {
  const { requests } = plan({
    'one@docker': { rule: 'Host(`same.test`)', tls: { certResolver: 'le' }, using: ['websecure'] },
    'two@docker': { rule: 'Host(`same.test`)', tls: undefined, using: ['websecure'] },
    'plain@docker': { rule: 'Host(`plain.test`)', tls: undefined, using: ['web'] },
    'norule@docker': { rule: 'PathPrefix(`/`)', tls: { certResolver: 'le' }, using: ['websecure'] },
  });
  assert.deepEqual(requests, [{ resolver: 'le', domains: { main: 'same.test', sans: [] }, routers: [http('one@docker'), http('two@docker')] }]);
});

test('a double wildcard is reported, naming the router; an unknown resolver orders nothing (the build warns on the router)', () => {
  const { requests, problems } = plan({
    'x@file': { rule: 'Host(`x.test`)', tls: { certResolver: 'nope' }, using: ['websecure'] },
    'y@file': { rule: 'Host(`y.test`)', tls: { certResolver: 'le', domains: [{ main: '*.*.y.test' }] }, using: ['websecure'] },
    'z@file': { rule: 'Host(`Z.test.`)', tls: { certResolver: 'le' }, using: ['websecure'] },
  });
  assert.deepEqual(problems.map((p) => p.router), [http('y@file')]);
  assert.match(problems[0]?.message ?? '', /\*\.\*/);
  assert.deepEqual(requests.map((r) => r.domains), [{ main: 'z.test', sans: [] }]);
});

test('Traefik\'s deleteUnnecessaryDomains: duplicates, names listed earlier and names under a wildcard main are dropped', () => {
  assert.deepEqual(
    deleteUnnecessaryDomains([
      { main: 'a.test', sans: ['b.test'] },
      { main: 'a.test', sans: ['b.test'] },
      { main: 'b.test', sans: ['c.test'] },
      { main: '*.w.test', sans: [] },
      { main: 'x.w.test', sans: ['y.w.test'] },
      { main: 'deep.x.w.test', sans: [] },
    ]),
    [
      { main: 'a.test', sans: ['b.test'] },
      { main: 'c.test', sans: [] },
      { main: '*.w.test', sans: [] },
      { main: 'deep.x.w.test', sans: [] },
    ],
  );
});

test('a wildcard needs dnsChallenge: the reason in the words the runtime logs and pe-edge check reports', () => {
  assert.equal(wildcardWithoutDnsChallenge('le', ['*.shop.test', 'shop.test'], true), undefined);
  assert.equal(wildcardWithoutDnsChallenge('le', ['shop.test', 'www.shop.test'], false), undefined);
  const reason = wildcardWithoutDnsChallenge('le', ['shop.test', '*.shop.test'], false);
  assert.equal(reason, 'wildcard domain *.shop.test requires a DNS-01 challenge (dnsChallenge), which resolver "le" does not configure');
  assert.equal(unableToObtain(['shop.test', '*.shop.test'], reason ?? ''), `Unable to obtain ACME certificate for domains "shop.test,*.shop.test": ${reason ?? ''}`);
});

test('a TCP router asks for the HostSNI values of its rule, lower-cased, passthrough or not; `*` and HostSNIRegexp name nothing', () => {
  const { requests, problems } = plan({}, ['le'], {
    'db@docker': { rule: 'HostSNI(`DB.example.com`) || (HostSNI(`replica.example.com`) && ClientIP(`10.0.0.0/8`)) || HostSNIRegexp(`^.+\\.test$`)', tls: { certResolver: 'le' } },
    'pass@file': { rule: 'HostSNI(`pass.example.com`)', tls: { certResolver: 'le', passthrough: true } },
    'any@file': { rule: 'HostSNI(`*`)', tls: { certResolver: 'le' } },
    'regexp@file': { rule: 'HostSNIRegexp(`^db-[0-9]+\\.example\\.com$`)', tls: { certResolver: 'le' } },
    'plain@file': { rule: 'HostSNI(`plain.example.com`)', tls: undefined },
    'broken@file': { rule: 'HostSNI(`x.example.com`', tls: { certResolver: 'le' } },
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(requests, [
    { resolver: 'le', domains: { main: 'db.example.com', sans: ['replica.example.com'] }, routers: [tcp('db@docker')] },
    { resolver: 'le', domains: { main: 'pass.example.com', sans: [] }, routers: [tcp('pass@file')] },
  ]);
});

test('a TCP router\'s tls.domains win over its rule; its entrypoint\'s http.tls never applies; an HTTP and a TCP router asking for the same names share one request', () => {
  const { requests } = plan(
    { 'web@docker': { rule: 'Host(`shared.test`)', tls: { certResolver: 'le' }, using: ['websecure'] } },
    ['le'],
    {
      'web@docker': { rule: 'HostSNI(`shared.test`)', tls: { certResolver: 'le' } },
      'listed@file': { rule: 'HostSNI(`ignored.test`)', tls: { certResolver: 'le', domains: [{ main: 'a.test', sans: ['b.test'] }, { main: 'a.test', sans: ['b.test'] }] } },
      'none@file': { rule: 'HostSNI(`none.test`)', tls: { options: 'modern' } },
    },
  );
  assert.deepEqual(requests, [
    { resolver: 'le', domains: { main: 'shared.test', sans: [] }, routers: [http('web@docker'), tcp('web@docker')] },
    { resolver: 'le', domains: { main: 'a.test', sans: ['b.test'] }, routers: [tcp('listed@file')] },
  ]);
});

test('a TCP router\'s bad domain is reported naming it as a TCP router; an unknown resolver orders nothing', () => {
  const { requests, problems } = plan({}, ['le'], {
    'dbl@file': { rule: 'HostSNI(`*.*.db.test`)', tls: { certResolver: 'le' } },
    'fqdn@file': { rule: 'HostSNI(`Fqdn.test.`)', tls: { certResolver: 'le' } },
    'unknown@file': { rule: 'HostSNI(`u.test`)', tls: { certResolver: 'nope' } },
  });
  assert.deepEqual(problems.map((p) => p.router), [tcp('dbl@file')]);
  assert.match(problems[0]?.message ?? '', /ACME does not allow '\*\.\*' wildcard domain/);
  assert.deepEqual(requests.map((r) => r.domains), [{ main: 'fqdn.test', sans: [] }]);
});
