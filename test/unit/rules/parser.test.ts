import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRule, RuleSyntaxError } from '../../../proxy/rules/compile.js';
import { tokenize } from '../../../proxy/rules/lexer.js';
import { createNameResolver } from '../../../proxy/rules/matcher-names.js';
import { V3_MATCHERS } from '../../../proxy/rules/matchers.js';
import { parseRule, type RuleNode } from '../../../proxy/rules/parser.js';

const names = createNameResolver([...V3_MATCHERS.keys()]);

/** Compact, fully parenthesised rendering of the AST, to assert precedence. */
function show(node: RuleNode): string {
  switch (node.kind) {
    case 'matcher':
      return `${node.name}(${node.args.join(',')})`;
    case 'not':
      return `!${show(node.operand)}`;
    default:
      return `(${show(node.left)} ${node.kind === 'and' ? '&&' : '||'} ${show(node.right)})`;
  }
}

const shapes: readonly (readonly [string, string])[] = [
  ['Host(`a`) || Path(`/b`) && Method(`GET`)', '(Host(a) || (Path(/b) && Method(GET)))'],
  ['Host(`a`) && Path(`/b`) || Method(`GET`)', '((Host(a) && Path(/b)) || Method(GET))'],
  ['!Host(`a`) && Path(`/b`)', '(!Host(a) && Path(/b))'],
  ['!(Host(`a`) && Path(`/b`))', '!(Host(a) && Path(/b))'],
  // A chain of one operator is a balanced tree (the same matches in the same order): see the wide-rule test below.
  ['Host(`a`) || Host(`b`) || Host(`c`)', '(Host(a) || (Host(b) || Host(c)))'],
  ['Host(`a`) && Path(`/b`) && Method(`GET`) && Header(`k`, `v`)', '((Host(a) && Path(/b)) && (Method(GET) && Header(k,v)))'],
  ['  ( ( Host(`a`) ) )  ', 'Host(a)'],
  ['!!Host(`a`)', '!!Host(a)'],
  ['Header(`k`, `v`,)', 'Header(k,v)'],
  ['host(`a`) && PATHPREFIX(`/`) && Headerregexp(`k`, `v`)', '(Host(a) && (PathPrefix(/) && HeaderRegexp(k,v)))'],
];

for (const [rule, expected] of shapes) {
  test(`parses ${rule}`, () => assert.equal(show(parseRule(rule, names)), expected));
}

test('matcher names are accepted in exactly four spellings', () => {
  for (const ok of ['PathPrefix', 'pathprefix', 'PATHPREFIX', 'Pathprefix']) {
    assert.doesNotThrow(() => compileRule(`${ok}(\`/\`)`), ok);
  }
  for (const bad of ['pathPrefix', 'PathpRefix', 'PATHprefix']) {
    assert.throws(() => compileRule(`${bad}(\`/\`)`), /must be spelled PathPrefix, pathprefix, PATHPREFIX or Pathprefix/, bad);
  }
  assert.doesNotThrow(() => compileRule('host(`a.test`)'));
  assert.doesNotThrow(() => compileRule('CLIENTIP(`10.0.0.0/8`) && Clientip(`10.0.0.1`) && clientip(`::1`)'));
});

test('strings: raw backticks keep backslashes, double quotes take Go escapes', () => {
  const values = (rule: string): string[] => tokenize(rule).filter((t) => t.kind === 'string').map((t) => t.value);
  assert.deepEqual(values('f(`a\\nb`)'), ['a\\nb']);
  assert.deepEqual(values('f("a\\nb\\t\\\\\\"")'), ['a\nb\t\\"']);
  assert.deepEqual(values('f("\\x41\\101\\u00e9\\U0001F600")'), ['AAé😀']);
  assert.deepEqual(values('f("\\xc3\\xa9")'), ['é']);
  assert.deepEqual(values('f(`a\r\nb`)'), ['a\nb']);
});

/** [rule, column, message fragment]: errors point at the offending column. */
const errors: readonly (readonly [string, number, RegExp])[] = [
  ["Host('a.test')", 6, /^column 6: single-quoted strings are not allowed; use backticks$/],
  ['PathPrefix(`/` && Host(`a`))', 16, /^column 16: expected '\)' after PathPrefix argument$/],
  ['PathPrefix(`/api`', 18, /expected '\)' after PathPrefix argument/],
  ['Host(`a`) Path(`/`)', 11, /expected '&&' or '\|\|' between matchers/],
  ['Hots(`a`)', 1, /unknown matcher Hots; did you mean Host\?/],
  ['Host(`a`) && PathPrefx(`/`)', 14, /did you mean PathPrefix\?/],
  ['Headers(`a`, `b`)', 1, /Headers is a v2 matcher only; did you mean Header\?/],
  ['HostHeader(`a`)', 1, /HostHeader is a v2 matcher only; did you mean Host\?/],
  ['Host(a.test)', 6, /expected a string argument for Host, got a.test; wrap values in backticks/],
  ['Host`a`', 5, /expected '\(' after matcher name Host/],
  ['(Host(`a`)', 11, /expected '\)' to close '\(' opened at column 1/],
  ['Host(`a`))', 10, /unmatched '\)'/],
  ['Host(`a`) &', 11, /unexpected '&'; did you mean '&&'\?/],
  ['Host(`a`) &&', 13, /unexpected end of rule/],
  ['', 1, /empty rule/],
  ['Host(`a)', 6, /unterminated backtick string/],
  ['Host("a)', 6, /unterminated double-quoted string/],
  ['Host("\\q")', 7, /unknown escape sequence \\q/],
  ['Host(`a`) && `b`', 14, /bare string/],
  ['Host()', 1, /^column 1: no args for matcher Host$/],
  ['Path(`/`) && Host(``)', 14, /^column 14: empty args for matcher Host$/],
  ['Host(`a`, `b`)', 1, /unexpected number of parameters for matcher Host; got 2, expected 1 argument/],
  ['Query(`a`, `b`, `c`)', 1, /got 3, expected 1 or 2 arguments/],
  ['Host(`exämple.com`)', 1, /non-ASCII/],
  ['HostRegexp(`ä`)', 1, /non-ASCII/],
  ['Host(`a.*.com`)', 1, /invalid wildcard/],
  ['Path(`api`)', 1, /Path: path "api" does not start with a '\/'/],
  ['PathPrefix(`api`)', 1, /does not start with a '\/'/],
  ['PathRegexp(`(`)', 1, /PathRegexp: invalid regexp/],
  ['ClientIP(`10.0.0.300`)', 1, /ClientIP: invalid IP or CIDR/],
  ['ClientIP(`10.0.0.0/33`)', 1, /invalid CIDR prefix/],
  ['Host(`a`) && 42', 14, /expected a matcher such as Host\(`example.com`\), got '42'/],
  ['Host(`a`) && Path(/x)', 19, /expected a string argument for Path, got \/x; wrap values in backticks/],
];

for (const [rule, column, message] of errors) {
  test(`error: ${JSON.stringify(rule)}`, () => {
    assert.throws(
      () => compileRule(rule),
      (err: unknown) => {
        assert.ok(err instanceof RuleSyntaxError, String(err));
        assert.equal(err.column, column, err.message);
        assert.match(err.message, message);
        return true;
      },
    );
  });
}

test('a rule of 20,000 Host matchers joined by || (a generated allow-list) compiles, its router has every host, and its tree is 15 levels deep at most', () => {
  const count = 20_000;
  const rule = Array.from({ length: count }, (_, i) => `Host(\`h${i}.test\`)`).join(' || ');
  // A chain nested a level per operand ran V8 out of stack in the parser, compile and every request's match.
  const compiled = compileRule(rule);
  assert.equal(compiled.hosts?.length, count);
  assert.deepEqual([compiled.hosts?.[0], compiled.hosts?.[count - 1]], ['h0.test', `h${count - 1}.test`]);
  let depth = 0;
  const measure = (node: RuleNode, level: number): void => {
    depth = Math.max(depth, level);
    if (node.kind === 'or' || node.kind === 'and') {
      measure(node.left, level + 1);
      measure(node.right, level + 1);
    }
  };
  measure(parseRule(rule, names), 0);
  assert.ok(depth <= 15, `depth ${depth}`);
  const wide = `Path(\`/a\`) && ${Array.from({ length: count }, (_, i) => `Header(\`x-${i}\`, \`1\`)`).join(' && ')}`;
  assert.ok(compileRule(wide).hosts === null);
});

test('parentheses and ! nested past 1,000 levels are refused with the column of the one too many; 1,000 are taken', () => {
  const nested = (levels: number): string => `${'('.repeat(levels)}Host(\`a\`)${')'.repeat(levels)}`;
  assert.deepEqual(compileRule(nested(1000)).hosts, ['a']);
  assert.deepEqual(compileRule(`${'!'.repeat(1000)}Host(\`a\`)`).hosts, ['a']);
  const before = 'Host(`b`) || ';
  for (const [rule, column] of [[nested(5000), 1001], [`${'!'.repeat(20_000)}Host(\`a\`)`, 1001], [before + nested(1001), before.length + 1001]] as const) {
    assert.throws(() => compileRule(rule), (err: unknown) => {
      assert.ok(err instanceof RuleSyntaxError, String(err));
      assert.equal(err.reason, "nested more than 1000 levels deep (parentheses and '!')");
      assert.equal(err.column, column);
      return true;
    });
  }
});
