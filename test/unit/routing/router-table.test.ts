import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRule, type CompiledRule } from '../../../proxy/rules/compile.js';
import { compareRoutes, rulePriority } from '../../../proxy/rules/priority.js';
import { createRouterTable, type RouteDefinition } from '../../../proxy/routing/router-table.js';
import type { RequestContext } from '../../../proxy/http/request-context.js';
import { requestContext } from '../../support/request-context.js';

function route(name: string, rule: string, priority = 0): RouteDefinition<string> {
  return { name, priority: rulePriority(rule, priority), rule: compileRule(rule), value: name };
}

/** The reference: what Traefik does, a priority-sorted linear scan. */
function linearFind<T>(routes: readonly RouteDefinition<T>[], ctx: RequestContext): T | undefined {
  return [...routes].sort(compareRoutes).find((r) => r.rule.match(ctx))?.value;
}

test('seed: HostRegexp router with the longer rule beats Host router', () => {
  const table = createRouterTable([route('A', 'Host(`a.test`)'), route('B', 'HostRegexp(`^.+\\.test$`)')]);
  assert.equal(table.find(requestContext({ host: 'a.test' })), 'B');
});

test('explicit priority beats rule length', () => {
  const table = createRouterTable([route('A', 'Host(`a.test`)', 100), route('B', 'HostRegexp(`^.+\\.test$`)')]);
  assert.equal(table.find(requestContext({ host: 'a.test' })), 'A');
});

test('no matching router gives undefined', () => {
  const table = createRouterTable([route('A', 'Host(`a.test`)')]);
  assert.equal(table.find(requestContext({ host: 'b.test' })), undefined);
  assert.equal(table.find(requestContext({ host: '' })), undefined);
});

test('host-less routes serve hosts that have their own routes and hosts that do not', () => {
  const table = createRouterTable([
    route('api', 'Host(`a.test`) && PathPrefix(`/api`)'),
    route('fallback', 'PathPrefix(`/`)', 1),
    route('either', 'Host(`a.test`) || Host(`b.test`)', 50),
  ]);
  assert.equal(table.find(requestContext({ host: 'a.test', url: '/api/x' })), 'either');
  assert.equal(table.find(requestContext({ host: 'b.test', url: '/' })), 'either');
  assert.equal(table.find(requestContext({ host: 'c.test', url: '/' })), 'fallback');
});

// Property test: on random route sets the index returns exactly what the linear scan returns.
const HOSTS = ['a.test', 'b.test', 'c.test', 'd.test'];
const PATHS = ['/', '/x', '/x/y', '/z'];

function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomRule(rnd: () => number, depth = 0): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const r = rnd();
  if (depth < 2 && r < 0.25) return `(${randomRule(rnd, depth + 1)} && ${randomRule(rnd, depth + 1)})`;
  if (depth < 2 && r < 0.4) return `(${randomRule(rnd, depth + 1)} || ${randomRule(rnd, depth + 1)})`;
  if (depth < 2 && r < 0.45) return `!${randomRule(rnd, depth + 1)}`;
  if (r < 0.75) return `Host(\`${pick(HOSTS)}\`)`;
  if (r < 0.8) return 'HostRegexp(`^[ab]\\.`)';
  if (r < 0.9) return `PathPrefix(\`${pick(PATHS)}\`)`;
  return `Path(\`${pick(PATHS)}\`)`;
}

test('property: indexed lookup equals priority-sorted linear scan', () => {
  const rnd = mulberry32(12345);
  for (let round = 0; round < 300; round++) {
    const count = 1 + Math.floor(rnd() * 25);
    const routes: RouteDefinition<string>[] = [];
    for (let i = 0; i < count; i++) {
      const rule = randomRule(rnd);
      // Few distinct priorities so ties (broken by name) are exercised.
      const priority = rnd() < 0.5 ? 0 : 1 + Math.floor(rnd() * 3);
      routes.push(route(`r${i}`, rule, priority));
    }
    const merged = createRouterTable(routes);
    const lazy = createRouterTable(routes, { maxMergedEntries: 0 });
    for (const host of [...HOSTS, 'e.test', '']) {
      for (const url of PATHS) {
        const ctx = requestContext({ host, url });
        const expected = linearFind(routes, ctx);
        assert.equal(merged.find(ctx), expected, `round ${round} ${host}${url}`);
        assert.equal(lazy.find(ctx), expected, `round ${round} ${host}${url} (merge at lookup)`);
      }
    }
  }
});

test('hosts reported by a rule are the only hosts it can match', () => {
  const rnd = mulberry32(777);
  for (let i = 0; i < 500; i++) {
    const text = randomRule(rnd);
    const rule: CompiledRule = compileRule(text);
    if (rule.hosts === null) continue;
    for (const host of [...HOSTS, 'e.test']) {
      for (const url of PATHS) {
        if (!rule.hosts.includes(host)) assert.equal(rule.match(requestContext({ host, url })), false, `${text} on ${host}${url}`);
      }
    }
  }
});
