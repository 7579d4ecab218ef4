import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeFlags, parseFlags } from '../../../operator/static-config/flags.js';

describe('parseFlags', () => {
  const cases: { desc: string; argv: string[]; values?: Record<string, unknown>; configFile?: string; errors?: RegExp[] }[] = [
    {
      desc: 'dotted keys become nested objects, spelling kept',
      argv: ['--entryPoints.web.address=:8080', '--providers.file.filename=dyn.yml', '--log.level=DEBUG'],
      values: { entryPoints: { web: { address: ':8080' } }, providers: { file: { filename: 'dyn.yml' } }, log: { level: 'DEBUG' } },
    },
    { desc: 'bare flag is true', argv: ['--ping'], values: { ping: true } },
    { desc: '=true on a section is true', argv: ['--entrypoints.websecure.http.tls=true'], values: { entrypoints: { websecure: { http: { tls: true } } } } },
    { desc: '=false is false', argv: ['--api.insecure=false'], values: { api: { insecure: false } } },
    {
      desc: 'lists stay strings for the validator to split',
      argv: ['--entryPoints.web.forwardedHeaders.trustedIPs=127.0.0.1,10.0.0.0/8'],
      values: { entryPoints: { web: { forwardedHeaders: { trustedIPs: '127.0.0.1,10.0.0.0/8' } } } },
    },
    { desc: 'value after a space, as paerser reads it', argv: ['--entryPoints.web.address', ':80', '--ping'], values: { entryPoints: { web: { address: ':80' } }, ping: true } },
    { desc: 'value keeps further = signs', argv: ['--providers.docker.constraints=Label(`a`,`b=c`)'], values: { providers: { docker: { constraints: 'Label(`a`,`b=c`)' } } } },
    { desc: 'configFile is separated out', argv: ['--configFile=/etc/x.yml', '--ping'], configFile: '/etc/x.yml', values: { ping: true } },
    { desc: 'configfile in lower case too', argv: ['--configfile', 'a.toml'], configFile: 'a.toml', values: {} },
    {
      desc: 'keys differing only in case meet in one object, first spelling kept',
      argv: ['--entryPoints.web.address=:80', '--entrypoints.web.asDefault=true'],
      values: { entryPoints: { web: { address: ':80', asDefault: true } } },
    },
    { desc: 'bare section then sub-key', argv: ['--ping', '--ping.entryPoint=ops'], values: { ping: { entryPoint: 'ops' } } },
    { desc: 'sub-key then bare section', argv: ['--ping.entryPoint=ops', '--ping'], values: { ping: { entryPoint: 'ops' } } },
    { desc: 'single dash accepted', argv: ['-log.level=INFO'], values: { log: { level: 'INFO' } } },
    { desc: 'empty name', argv: ['--=x'], errors: [/bad flag syntax: --=x/] },
    { desc: 'empty segment', argv: ['--a..b=1'], errors: [/bad flag syntax: --a\.\.b=1/] },
    { desc: 'trailing dot', argv: ['--a.=1'], errors: [/bad flag syntax: --a\.=1/] },
    { desc: 'positional argument', argv: ['serve'], errors: [/unexpected argument "serve"/] },
    { desc: 'value on a section', argv: ['--log.level=INFO', '--log=x'], errors: [/--log=x: "log" is a section/] },
    { desc: 'sub-key under a scalar', argv: ['--log=x', '--log.level=INFO'], errors: [/--log.level=INFO: "log" already has the value "x"/] },
  ];
  for (const c of cases) {
    it(c.desc, () => {
      const parsed = parseFlags(c.argv);
      if (c.values) assert.deepEqual(parsed.values, c.values);
      assert.equal(parsed.configFile, c.configFile);
      assert.equal(parsed.errors.length, c.errors?.length ?? 0, parsed.errors.join('; '));
      c.errors?.forEach((re, i) => assert.match(parsed.errors[i] ?? '', re));
    });
  }
});

describe('mergeFlags', () => {
  const cases: { desc: string; file: Record<string, unknown>; flags: Record<string, unknown>; expect: Record<string, unknown> }[] = [
    {
      desc: 'flag overrides, file spelling kept, other keys untouched',
      file: { entryPoints: { web: { address: ':80' }, websecure: { address: ':443' } }, log: { level: 'ERROR' } },
      flags: { entrypoints: { web: { Address: ':8080' } } },
      expect: { entryPoints: { web: { address: ':8080' }, websecure: { address: ':443' } }, log: { level: 'ERROR' } },
    },
    { desc: 'new keys added with the flag spelling', file: {}, flags: { ping: true, log: { level: 'DEBUG' } }, expect: { ping: true, log: { level: 'DEBUG' } } },
    { desc: 'true keeps a configured section', file: { ping: { entryPoint: 'ops' } }, flags: { ping: true }, expect: { ping: { entryPoint: 'ops' } } },
    { desc: 'object replaces an empty section', file: { api: null }, flags: { api: { insecure: true } }, expect: { api: { insecure: true } } },
    { desc: 'string replaces a list', file: { a: { ips: ['1.1.1.1'] } }, flags: { A: { ips: '2.2.2.2' } }, expect: { a: { ips: '2.2.2.2' } } },
  ];
  for (const c of cases) {
    it(c.desc, () => {
      const before = structuredClone(c.file);
      assert.deepEqual(mergeFlags(c.file, c.flags), c.expect);
      assert.deepEqual(c.file, before, 'the file config is not mutated');
    });
  }
});
