// The events channel of `redisStorage` (<keyPrefix><resolver>:events) is read by every replica: a message there that
// is not one of ours (another program sharing the Redis, an older or newer pe-edge, a typo in redis-cli) must be
// ignored, not end the process. Before, `PUBLISH pe-edge:acme:le:events null` stopped every replica at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { CliProcess, freePort, TempConfigDir } from '../../support/cli-process.js';
import { httpGet } from '../../support/load-client.js';
import { RedisServer, redisTestsCanRun } from '../../support/redis-server.js';

if (redisTestsCanRun('redisStorage events')) {
  test('messages on the redisStorage events channel that are not pe-edge events are ignored: the replica keeps serving', { timeout: 60_000 }, async (t) => {
    const redis = await RedisServer.start();
    t.after(() => redis.stop());
    const dir = new TempConfigDir();
    const [web, api] = [await freePort(), await freePort()];
    dir.write('traefik.yml', [
      'entryPoints:',
      `  web: { address: "127.0.0.1:${web}" }`,
      `  traefik: { address: "127.0.0.1:${api}" }`,
      'api: { insecure: true }',
      'certificatesResolvers:',
      '  le:',
      '    acme:',
      '      email: ops@example.com',
      '      caServer: https://127.0.0.1:1/directory',
      '      httpChallenge: { entryPoint: web }',
      '      redisStorage:',
      `        endpoints: ["${redis.endpoint}"]`,
      'log: { level: INFO, format: json }',
      '',
    ].join('\n'));
    const proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path });
    t.after(async () => {
      await proc.stop();
      dir.remove();
    });
    await proc.waitListening(2, 15_000);

    const publisher = new Redis({ port: redis.port, host: '127.0.0.1' });
    t.after(() => publisher.disconnect());
    const channel = 'pe-edge:acme:le:events';
    const deadline = Date.now() + 10_000;
    while (Number(((await publisher.pubsub('NUMSUB', channel)) as unknown[])[1]) < 1) {
      assert.ok(Date.now() < deadline, 'the replica subscribes to its events channel');
      await new Promise((r) => setTimeout(r, 100));
    }
    const foreign = [
      'null',
      '5',
      '"certificate"',
      '[]',
      '{"kind":"http-01","action":"present"}',
      '{"kind":"http-01","action":"cleanUp","token":7}',
      '{"kind":"tls-alpn-01","action":"present","domain":"x.example.com","certPem":"not a PEM","keyPem":"not a PEM"}',
      '{"kind":"tls-alpn-01","action":"cleanUp"}',
      '{"kind":"certificate","key":{"a":1}}',
      '{"kind":"nothing we know"}',
    ];
    for (const message of foreign) {
      assert.equal(await publisher.publish(channel, message), 1, `the replica still listens before ${message}: ${proc.output().slice(-800)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1000));

    assert.equal(proc.exit, undefined, `pe-edge is still running: ${proc.output().slice(-800)}`);
    assert.equal((await httpGet(`http://127.0.0.1:${api}/api/overview`)).status, 200);
    // The well-formed TLS-ALPN-01 event whose PEM node cannot load is the one worth a line.
    const ignored = proc.messages('warn').filter((m) => m.includes('was ignored'));
    assert.equal(ignored.length, 1, ignored.join(' | '));
    assert.match(ignored[0] as string, /^an event on pe-edge:acme:le:events in Redis 127\.0\.0\.1:\d+ was ignored: /);
  });
}
