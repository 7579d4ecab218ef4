// Traefik's Docker naming and the seed: service names from compose labels or the container name, and the
// default rule from Traefik's defaultRule template.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RULE_TEMPLATE, defaultRuleFor, normalize, serviceNameOf } from '../../../../labels-spec/index.js';

const normalizeCases: [string, string][] = [
  ['whoami_demo', 'whoami-demo'],
  ['/my_app.1', 'my-app-1'],
  ['--a..b--', 'a-b'],
  ['Ünïcode_名前', 'Ünïcode-名前'],
  ['', ''],
];
for (const [input, expected] of normalizeCases) {
  test(`normalize(${JSON.stringify(input)}) = ${JSON.stringify(expected)}`, () => assert.equal(normalize(input), expected));
}

const serviceNames: { desc: string; input: Parameters<typeof serviceNameOf>[0]; expected: string }[] = [
  { desc: 'compose project demo, service whoami', input: { composeProject: 'demo', composeService: 'whoami', containerName: '/demo-whoami-1' }, expected: 'whoami-demo' },
  { desc: 'no compose labels: the container name', input: { containerName: '/my_app.1' }, expected: 'my-app-1' },
  { desc: 'only one compose label: the container name', input: { composeProject: 'demo', containerName: '/solo' }, expected: 'solo' },
  { desc: 'empty compose labels count as absent', input: { composeProject: '', composeService: 'x', containerName: 'c1' }, expected: 'c1' },
];
for (const c of serviceNames) {
  test(`serviceNameOf: ${c.desc}`, () => assert.equal(serviceNameOf(c.input), c.expected));
}

const data = { Name: 'whoami-demo', ContainerName: '/demo-whoami-1', Labels: { 'app.domain': 'example.com' } };
const rules: { template: string; expected: string | RegExp }[] = [
  { template: DEFAULT_RULE_TEMPLATE, expected: 'Host(`whoami-demo`)' },
  { template: 'Host(`{{ .Name }}.example.com`)', expected: 'Host(`whoami-demo.example.com`)' },
  { template: 'Host(`{{ .ContainerName }}`)', expected: 'Host(`demo-whoami-1`)' },
  { template: 'Host(`{{ normalize .ContainerName }}.local`)', expected: 'Host(`demo-whoami-1.local`)' },
  { template: 'Host(`{{ index .Labels "app.domain" }}`)', expected: 'Host(`example.com`)' },
  { template: 'Host(`{{ index .Labels "missing" }}`)', expected: 'Host(``)' },
  { template: 'Host(`{{- .Name -}}`)', expected: 'Host(`whoami-demo`)' },
  { template: 'Host(`{{ .Name | upper }}`)', expected: /^unsupported template syntax "\{\{ \.Name \| upper \}\}" in defaultRule template "Host\(`\{\{ \.Name \| upper \}\}`\)"/ },
  { template: 'Host(`{{ .Name`)', expected: /^unbalanced/ },
];
for (const c of rules) {
  test(`defaultRuleFor(${c.template})`, () => {
    const rule = defaultRuleFor(c.template, data);
    if (typeof c.expected === 'string') assert.equal(rule, c.expected);
    else {
      assert.equal(typeof rule, 'object');
      assert.match(typeof rule === 'object' ? rule.error : '', c.expected);
    }
  });
}

test('seed: compose project demo, service whoami, only traefik.enable=true gives rule Host(`whoami-demo`)', () => {
  const name = serviceNameOf({ composeProject: 'demo', composeService: 'whoami', containerName: '/demo-whoami-1' });
  assert.equal(defaultRuleFor(DEFAULT_RULE_TEMPLATE, { Name: name, ContainerName: 'demo-whoami-1', Labels: {} }), 'Host(`whoami-demo`)');
});
