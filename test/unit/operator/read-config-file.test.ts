import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigFileError, lineOf, parseConfigText, readConfigFile } from '../../../operator/config-files/read-config-file.js';

const dynamicYaml = `# dynamic configuration
http:
  routers:
    web:
      rule: Host(\`a.test\`)
      entryPoints:
        - web
        - websecure
      rulle: oops
  services:
    app:
      loadBalancer:
        servers:
          - url: http://app1:80
          - url: http://app2:80
`;

const dynamicToml = `# dynamic configuration
[http.routers.web]
  rule = "Host(\`a.test\`)"
  entryPoints = ["web"]
  rulle = "oops"

[http.services.app.loadBalancer]
  [[http.services.app.loadBalancer.servers]]
    url = "http://app1:80"
  [[http.services.app.loadBalancer.servers]]
    url = "http://app2:80"
`;

const dynamicJson = `{
  "http": {
    "routers": {
      "web": { "rule": "Host(\`a.test\`)", "rulle": "oops" }
    }
  }
}
`;

describe('parseConfigText values', () => {
  it('YAML, TOML and JSON give the same plain object', () => {
    const yaml = parseConfigText(dynamicYaml, 'd.yml').value;
    const toml = parseConfigText(dynamicToml, 'd.toml').value;
    const json = parseConfigText(dynamicJson, 'd.json').value;
    assert.deepEqual(yaml, {
      http: {
        routers: { web: { rule: 'Host(`a.test`)', entryPoints: ['web', 'websecure'], rulle: 'oops' } },
        services: { app: { loadBalancer: { servers: [{ url: 'http://app1:80' }, { url: 'http://app2:80' }] } } },
      },
    });
    assert.deepEqual(toml, {
      http: {
        routers: { web: { rule: 'Host(`a.test`)', entryPoints: ['web'], rulle: 'oops' } },
        services: { app: { loadBalancer: { servers: [{ url: 'http://app1:80' }, { url: 'http://app2:80' }] } } },
      },
    });
    assert.deepEqual(json, { http: { routers: { web: { rule: 'Host(`a.test`)', rulle: 'oops' } } } });
  });

  it('an empty file is an empty object', () => {
    assert.deepEqual(parseConfigText('# nothing\n', 'e.yml').value, {});
  });

  it('YAML merge keys are applied', () => {
    const text = 'x: &base\n  a: 1\ny:\n  <<: *base\n  b: 2\n';
    const parsed = parseConfigText(text, 'm.yml');
    assert.deepEqual(parsed.value, { x: { a: 1 }, y: { a: 1, b: 2 } });
    assert.equal(parsed.lineOf(['y', 'a']), 2, 'a merged key is found where it is defined');
  });

  it('a file with {{ parses as is with a warning', () => {
    const parsed = parseConfigText('http:\n  routers:\n    web:\n      rule: "Host(`{{ env \\"X\\" }}`)"\n', 'tpl.yml');
    assert.equal(parsed.warnings.length, 1);
    assert.match(parsed.warnings[0] ?? '', /^tpl\.yml: .*templates .*not implemented yet/);
  });
});

describe('lineOf a key path', () => {
  const cases: { desc: string; text: string; file: string; path: (string | number)[]; line: number | undefined }[] = [
    { desc: 'YAML key', text: dynamicYaml, file: 'd.yml', path: ['http', 'routers', 'web', 'rulle'], line: 9 },
    { desc: 'YAML keys match case-insensitively', text: dynamicYaml, file: 'd.yml', path: ['HTTP', 'Routers', 'web', 'entrypoints'], line: 6 },
    { desc: 'YAML list item', text: dynamicYaml, file: 'd.yml', path: ['http', 'routers', 'web', 'entryPoints', 1], line: 8 },
    { desc: 'YAML item in a list of maps', text: dynamicYaml, file: 'd.yml', path: ['http', 'services', 'app', 'loadBalancer', 'servers', 1, 'url'], line: 15 },
    { desc: 'YAML missing key: deepest existing one', text: dynamicYaml, file: 'd.yml', path: ['http', 'routers', 'web', 'service'], line: 4 },
    { desc: 'YAML unknown root', text: dynamicYaml, file: 'd.yml', path: ['tcp'], line: undefined },
    { desc: 'TOML key in a table', text: dynamicToml, file: 'd.toml', path: ['http', 'routers', 'web', 'rulle'], line: 5 },
    { desc: 'TOML table header', text: dynamicToml, file: 'd.toml', path: ['http', 'routers', 'web'], line: 2 },
    { desc: 'TOML array of tables', text: dynamicToml, file: 'd.toml', path: ['http', 'services', 'app', 'loadBalancer', 'servers', 1, 'url'], line: 11 },
    { desc: 'TOML case-insensitive', text: dynamicToml, file: 'd.toml', path: ['http', 'routers', 'web', 'ENTRYPOINTS', 0], line: 4 },
    { desc: 'JSON key', text: dynamicJson, file: 'd.json', path: ['http', 'routers', 'web', 'rulle'], line: 4 },
  ];
  for (const c of cases) {
    it(c.desc, () => assert.equal(parseConfigText(c.text, c.file).lineOf(c.path), c.line));
  }
});

describe('parse errors carry file:line:column', () => {
  const cases: { desc: string; text: string; file: string; line: number; column: number; reason: RegExp }[] = [
    { desc: 'YAML bad indentation', text: 'http:\n  routers:\n    web:\n      rule: a\n     service: b\n', file: 'dynamic.yml', line: 5, column: 1, reason: /same column/ },
    { desc: 'YAML duplicate key', text: 'log:\n  level: INFO\n  level: DEBUG\n', file: 'traefik.yml', line: 3, column: 3, reason: /unique/ },
    { desc: 'YAML unclosed flow', text: 'a:\n  b: [1, 2\nc: 3\n', file: 'x.yaml', line: 3, column: 1, reason: /./ },
    { desc: 'top level not a map', text: '- a\n- b\n', file: 'l.yml', line: 1, column: 1, reason: /mapping/ },
    { desc: 'TOML syntax', text: 'a = 1\n[b\nc = 2\n', file: 't.toml', line: 2, column: 3, reason: /./ },
  ];
  for (const c of cases) {
    it(c.desc, () => {
      assert.throws(
        () => parseConfigText(c.text, c.file),
        (err: unknown) => {
          assert.ok(err instanceof ConfigFileError);
          assert.equal(err.file, c.file);
          assert.equal(err.line, c.line, err.message);
          assert.equal(err.column, c.column, err.message);
          assert.match(err.reason, c.reason);
          assert.ok(err.message.startsWith(`${c.file}:${c.line}:${c.column}: `), err.message);
          assert.ok(!err.message.includes('\n'), 'one line');
          return true;
        },
      );
    });
  }
});

describe('readConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pe-read-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file and keeps its lines', async () => {
    const file = join(dir, 'dynamic.yml');
    writeFileSync(file, dynamicYaml);
    const content = await readConfigFile(file);
    assert.equal(content.file, file);
    assert.equal(content.lineOf(['http', 'routers', 'web', 'rulle']), 9);
    assert.equal(lineOf(content, ['http', 'services', 'app']), 11);
    assert.equal(lineOf(file, ['http', 'services', 'app']), 11, 'by file path');
  });

  it('missing file and unknown extension are ConfigFileErrors', async () => {
    await assert.rejects(readConfigFile(join(dir, 'nope.yml')), /nope\.yml: file not found/);
    writeFileSync(join(dir, 'a.ini'), 'x=1');
    await assert.rejects(readConfigFile(join(dir, 'a.ini')), /unsupported file extension "\.ini"/);
  });
});
