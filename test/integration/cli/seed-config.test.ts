// The shipped seed traefik.yml + dynamic.yml, as a Traefik user has them: pe-edge reads them
// unchanged (only addresses and the file path are rewritten for a loopback test).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CliProcess, freePort, repoRoot, TempConfigDir } from '../../support/cli-process.js';
import { httpGet } from '../../support/load-client.js';

describe('the seed traefik.yml and dynamic.yml', () => {
  let dir: TempConfigDir | undefined;
  let proc: CliProcess | undefined;
  after(async () => {
    await proc?.stop();
    dir?.remove();
  });

  it('start without configuration errors, build every seed router, redirect web to websecure, nothing reported as not implemented', async () => {
    const root = repoRoot();
    const seed = readFileSync(join(root, 'traefik.yml'), 'utf8');
    const [web, websecure, metrics, noCa] = [await freePort(), await freePort(), await freePort(), await freePort()];
    dir = new TempConfigDir();
    // Never Let's Encrypt from a test: the resolver's CA is a loopback port nothing listens on, its storage a temp file.
    const acme = `storage: ${JSON.stringify(dir.file('acme.json'))}\n      caServer: https://127.0.0.1:${noCa}/directory`;
    const rewritten = seed
      .replace('storage: /letsencrypt/acme.json', acme)
      .replace('address: ":80"', `address: "127.0.0.1:${web}"`)
      .replace('address: ":443"', `address: "127.0.0.1:${websecure}"`)
      .replace('address: ":8082"', `address: "127.0.0.1:${metrics}"`)
      .replace('filename: /etc/traefik/dynamic.yml', `filename: ${JSON.stringify(join(root, 'dynamic.yml'))}`);
    for (const changed of [acme, `127.0.0.1:${web}`, `127.0.0.1:${websecure}`, `127.0.0.1:${metrics}`, join(root, 'dynamic.yml')]) {
      assert.ok(rewritten.includes(changed), `the seed still has the line rewritten to ${changed}`);
    }
    dir.write('traefik.yml', rewritten);
    proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
    await proc.waitListening(3);
    await proc.waitForLine('configuration applied');
    assert.deepEqual(proc.stderr, [], 'no configuration error on stderr');

    const redirect = await httpGet(`http://127.0.0.1:${web}/login?next=1`, { host: 'pixelated-empathy.com' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.location, `https://pixelated-empathy.com:${websecure}/login?next=1`);
    const ping = await httpGet(`http://127.0.0.1:${web}/ping`);
    assert.equal(ping.status, 200, 'ping on web answers before the redirect');

    const warnings = proc.messages('warn');
    const errors = proc.messages('error');
    assert.deepEqual(warnings.filter((m) => /metrics/.test(m) && /not implemented yet/.test(m)), [], 'metrics.prometheus is implemented');
    const scrape = await httpGet(`http://127.0.0.1:${metrics}/metrics`);
    assert.equal(scrape.status, 200, '/metrics answers on the seed\'s metrics entrypoint');
    assert.match(scrape.body, /^traefik_config_reloads_total \d+$/m);
    const notImplemented = warnings.filter((m) => /not implemented yet/.test(m));
    assert.deepEqual(notImplemented, [], 'everything the seed uses is implemented, the dashboard included');
    // The letsencrypt resolver is in use: it asks its CA for the seed's hosts (here, nothing answers).
    await proc.waitForLine('Ordering ACME certificate', 10_000);
    await proc.waitForLine(/Unable to obtain ACME certificate for domains .*did not answer/, 30_000);
    // Every middleware of the seed (rateLimit, headers, compress, circuitBreaker, retry) is implemented:
    // its routers are built without any error, and nothing is a parse error.
    const aboutRouters = [...errors, ...warnings].filter((m) => /(router|middleware) "[^"]+@file"/.test(m));
    assert.deepEqual(aboutRouters, [], 'the seed routers and middlewares build cleanly');
    for (const m of [...errors, ...warnings]) {
      assert.doesNotMatch(m, /unknown key|did you mean|cannot parse|syntax error|required/i, `not a configuration error: ${m}`);
    }
  });
});
