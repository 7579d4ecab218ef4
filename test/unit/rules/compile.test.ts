import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRule, domainsOfRule, RuleSyntaxError } from '../../../proxy/rules/compile.js';
import { compareRoutes, rulePriority } from '../../../proxy/rules/priority.js';

/** hosts: the exact hosts a rule can only match, or null when another host could match. */
const hostCases: readonly (readonly [string, string[] | null])[] = [
  ['Host(`a`)', ['a']],
  ['Host(`A.Test.`)', ['a.test']],
  ['Host(`a`) && Path(`/x`)', ['a']],
  ['Path(`/x`) && Host(`a`)', ['a']],
  ['Host(`a`) || Host(`b`)', ['a', 'b']],
  ['(Host(`a`) || Host(`b`)) && PathPrefix(`/api`)', ['a', 'b']],
  ['Host(`a`) && Path(`/x`) || Host(`b`)', ['a', 'b']],
  ['Host(`a`) || Host(`a`)', ['a']],
  ['(Host(`a`) || Host(`b`)) && (Host(`b`) || Host(`c`))', ['b']],
  ['Host(`a`) && Host(`b`)', []],
  ['Host(`.`)', []],
  ['Host(`a`) && !Host(`b`)', ['a']],
  ['!!Host(`a`)', ['a']],
  ['!(!Host(`a`) || !Path(`/x`))', ['a']],
  ['PathPrefix(`/`)', null],
  ['Host(`a`) || Path(`/x`)', null],
  ['!Host(`a`)', null],
  ['!(Host(`a`) && Path(`/x`))', null],
  ['HostRegexp(`^a$`)', null],
  ['Host(`*.example.com`)', null],
  ['Host(`*`)', null],
  ['Host(`a`) || Host(`*.example.com`)', null],
  ['Host(`*.example.com`) && Host(`a.example.com`)', ['a.example.com']],
];

for (const [rule, hosts] of hostCases) {
  test(`hosts of ${rule}`, () => assert.deepEqual(compileRule(rule).hosts, hosts));
}

test('v2 hosts: Host and HostHeader list several names', () => {
  assert.deepEqual(compileRule('Host(`a`, `B.`) && Path(`/x`)', 'v2').hosts, ['a', 'b']);
  assert.deepEqual(compileRule('HostHeader(`a`) || Host(`c`)', 'v2').hosts, ['a', 'c']);
  assert.equal(compileRule('HostRegexp(`{x:[a-z]+}.a`)', 'v2').hosts, null);
});

const domainCases: readonly (readonly [string, string[]])[] = [
  ['Host(`A.test`)', ['a.test']],
  ['Host(`a.test`) || (Host(`b.test`) && !Host(`c.test`))', ['a.test', 'b.test', 'c.test']],
  ['HostRegexp(`^x`) && Host(`d.test`)', ['d.test']],
  ['PathPrefix(`/`)', []],
  ['host(`v3.test`) && Host(`x.test`, `y.test`)', ['v3.test', 'x.test', 'y.test']],
  ['Host(`*.example.com`)', ['*.example.com']],
];

for (const [rule, domains] of domainCases) {
  test(`domainsOfRule(${rule})`, () => assert.deepEqual(domainsOfRule(rule), domains));
}

test('domainsOfRule throws on syntax errors', () => {
  assert.throws(() => domainsOfRule("Host('a')"), RuleSyntaxError);
});

test('a compiled rule is reusable and keeps no per-request state', () => {
  const rule = compileRule('PathRegexp(`^/a`) && QueryRegexp(`x`, `1`)');
  assert.equal(rule.match.length, 1);
  assert.equal(rule.hosts, null);
});

const priorities: readonly (readonly [string, number | undefined, number])[] = [
  ['Host(`a.test`)', undefined, 14],
  ['HostRegexp(`^.+\\.test$`)', undefined, 24],
  ['Host(`whoami-demo`)', 0, 19],
  ['Host(`a.test`) &&  Path(`/`)', undefined, 28],
  ['Path(`/é`)', undefined, 11],
  ['Host(`a.test`)', 7, 7],
  ['Host(`a.test`)', -5, -5],
];

for (const [rule, given, expected] of priorities) {
  test(`priority of ${rule} with ${String(given)} is ${expected}`, () => assert.equal(rulePriority(rule, given), expected));
}

test('comparator: higher priority first, then name', () => {
  const routes = [
    { name: 'b', priority: 10 },
    { name: 'a', priority: 10 },
    { name: 'c', priority: 30 },
    { name: 'd', priority: 1 },
  ];
  assert.deepEqual(
    [...routes].sort(compareRoutes).map((r) => r.name),
    ['c', 'a', 'b', 'd'],
  );
});
