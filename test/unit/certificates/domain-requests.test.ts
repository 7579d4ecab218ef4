import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deleteUnnecessaryDomains, planCertificateRequests, unableToObtain, wildcardWithoutDnsChallenge, type PlannedRouter } from '../../../operator/certificates/domain-requests.js';
import type { BuildInput } from '../../../proxy/runtime/build-input.js';

const entryPoints: BuildInput['entryPoints'] = {
  web: { address: ':80' },
  websecure: { address: ':443', http: { tls: { certResolver: 'le' } } },
};

function plan(routers: Record<string, PlannedRouter>, resolvers = ['le', 'other']) {
  return planCertificateRequests(new Map(Object.entries(routers)), entryPoints, new Set(resolvers));
}

test('the Host values of a rule make one certificate, the first one its subject, lower-cased', () => {
  const { requests, problems } = plan({
    'app@docker': { rule: 'Host(`Example.com`) || (Host(`www.example.com`) && PathPrefix(`/x`)) || HostRegexp(`.+`)', tls: { certResolver: 'le' }, using: ['websecure'] },
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(requests, [{ resolver: 'le', domains: { main: 'example.com', sans: ['www.example.com'] }, routers: ['app@docker'] }]);
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
  assert.deepEqual(requests, [{ resolver: 'le', domains: { main: 'same.test', sans: [] }, routers: ['one@docker', 'two@docker'] }]);
});

test('a double wildcard is reported, naming the router; an unknown resolver orders nothing (the build warns on the router)', () => {
  const { requests, problems } = plan({
    'x@file': { rule: 'Host(`x.test`)', tls: { certResolver: 'nope' }, using: ['websecure'] },
    'y@file': { rule: 'Host(`y.test`)', tls: { certResolver: 'le', domains: [{ main: '*.*.y.test' }] }, using: ['websecure'] },
    'z@file': { rule: 'Host(`Z.test.`)', tls: { certResolver: 'le' }, using: ['websecure'] },
  });
  assert.deepEqual(problems.map((p) => p.router), ['y@file']);
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
