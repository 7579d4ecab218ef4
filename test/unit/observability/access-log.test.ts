import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type AccessLogConfig, type AccessLogEntry, createAccessLog } from '../../../proxy/observability/access-log.js';

const entry: AccessLogEntry = {
  start: new Date('2026-11-25T14:00:00.120Z'),
  durationNs: 12_345_678,
  clientAddr: '10.0.0.1:52314',
  clientHost: '10.0.0.1',
  clientPort: 52314,
  method: 'GET',
  path: '/api/users?page=2',
  protocol: 'HTTP/1.1',
  host: 'app.example.com:8080',
  scheme: 'https',
  status: 200,
  size: 1234,
  referer: 'https://example.com/',
  userAgent: 'curl/8.5.0',
  requestCount: 7,
  routerName: 'web@docker',
  serviceName: 'app@docker',
  serviceUrl: 'http://172.18.0.3:80',
  originStatus: 200,
  originDurationNs: 10_000_000,
  originContentSize: 1234,
  retryAttempts: 0,
  tlsVersion: '1.3',
  tlsCipher: 'TLS_AES_128_GCM_SHA256',
};

/** Formats through createAccessLog with an in-memory sink. */
function lines(cfg: AccessLogConfig, entries: AccessLogEntry[]): string[] {
  const out: string[] = [];
  const log = createAccessLog(cfg, { sink: { write: (l: string) => out.push(l) } });
  assert.ok(log);
  entries.forEach((e) => log.log(e));
  return out;
}

describe('access log, common format', () => {
  const cases: { desc: string; cfg: AccessLogConfig; entry: AccessLogEntry; line: string }[] = [
    {
      desc: 'full entry; headers dropped by default',
      cfg: { format: 'common' },
      entry,
      line: '10.0.0.1 - - [25/Nov/2026:14:00:00 +0000] "GET /api/users?page=2 HTTP/1.1" 200 1234 "-" "-" 7 "web@docker" "http://172.18.0.3:80" 12ms\n',
    },
    {
      desc: 'headers kept, username present',
      cfg: { fields: { headers: { defaultMode: 'keep' } } },
      entry: { ...entry, username: 'alice' },
      line: '10.0.0.1 - alice [25/Nov/2026:14:00:00 +0000] "GET /api/users?page=2 HTTP/1.1" 200 1234 "https://example.com/" "curl/8.5.0" 7 "web@docker" "http://172.18.0.3:80" 12ms\n',
    },
    {
      desc: 'no router, no service (404): dashes',
      cfg: { format: 'common' },
      entry: { ...entry, routerName: undefined, serviceName: undefined, serviceUrl: undefined, status: 404, size: 19, durationNs: 999_999 },
      line: '10.0.0.1 - - [25/Nov/2026:14:00:00 +0000] "GET /api/users?page=2 HTTP/1.1" 404 19 "-" "-" 7 "-" "-" 0ms\n',
    },
    {
      desc: 'redacted header, dropped field',
      cfg: { fields: { names: { clienthost: 'drop' }, headers: { names: { 'user-agent': 'redact' } } } },
      entry,
      line: '- - - [25/Nov/2026:14:00:00 +0000] "GET /api/users?page=2 HTTP/1.1" 200 1234 "-" "REDACTED" 7 "web@docker" "http://172.18.0.3:80" 12ms\n',
    },
    {
      desc: 'genericCLF stops after the User-Agent',
      cfg: { format: 'genericCLF', fields: { headers: { defaultMode: 'keep' } } },
      entry,
      line: '10.0.0.1 - - [25/Nov/2026:14:00:00 +0000] "GET /api/users?page=2 HTTP/1.1" 200 1234 "https://example.com/" "curl/8.5.0"\n',
    },
    {
      desc: 'unknown format falls back to common',
      cfg: { format: 'clf' },
      entry,
      line: '10.0.0.1 - - [25/Nov/2026:14:00:00 +0000] "GET /api/users?page=2 HTTP/1.1" 200 1234 "-" "-" 7 "web@docker" "http://172.18.0.3:80" 12ms\n',
    },
  ];
  for (const c of cases) it(c.desc, () => assert.deepEqual(lines(c.cfg, [c.entry]), [c.line]));
});

describe('access log, json format', () => {
  it("Traefik's field names, durations in ns, level/msg/time, keys in Go map order", () => {
    const [line] = lines({ format: 'json', fields: { headers: { names: { Referer: 'keep' } } } }, [entry]);
    assert.ok(line?.endsWith('\n'));
    const record = JSON.parse(line ?? '') as Record<string, unknown>;
    assert.deepEqual(Object.keys(record), [
      'ClientAddr', 'ClientHost', 'ClientPort', 'ClientUsername', 'DownstreamContentSize', 'DownstreamStatus', 'Duration',
      'GzipRatio', 'OriginContentSize', 'OriginDuration', 'OriginStatus', 'Overhead', 'RequestAddr', 'RequestContentSize',
      'RequestCount', 'RequestHost', 'RequestMethod', 'RequestPath', 'RequestPort', 'RequestProtocol', 'RequestScheme',
      'RetryAttempts', 'RouterName', 'ServiceAddr', 'ServiceName', 'ServiceURL', 'StartLocal', 'StartUTC', 'TLSCipher',
      'TLSVersion', 'level', 'msg', 'request_Referer', 'time',
    ]);
    const { StartLocal, time, ...rest } = record;
    assert.match(String(StartLocal), /^2026-11-2\dT\d\d:\d\d:00\.12(Z|[+-]\d\d:\d\d)$/);
    assert.match(String(time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(rest, {
      ClientAddr: '10.0.0.1:52314', ClientHost: '10.0.0.1', ClientPort: '52314', ClientUsername: '-',
      DownstreamContentSize: 1234, DownstreamStatus: 200, Duration: 12_345_678, GzipRatio: 1,
      OriginContentSize: 1234, OriginDuration: 10_000_000, OriginStatus: 200, Overhead: 2_345_678,
      RequestAddr: 'app.example.com:8080', RequestContentSize: 0, RequestCount: 7, RequestHost: 'app.example.com',
      RequestMethod: 'GET', RequestPath: '/api/users?page=2', RequestPort: '8080', RequestProtocol: 'HTTP/1.1',
      RequestScheme: 'https', RetryAttempts: 0, RouterName: 'web@docker', ServiceAddr: '172.18.0.3:80',
      ServiceName: 'app@docker', ServiceURL: 'http://172.18.0.3:80', StartUTC: '2026-11-25T14:00:00.12Z',
      TLSCipher: 'TLS_AES_128_GCM_SHA256', TLSVersion: '1.3', level: 'info', msg: '', request_Referer: 'https://example.com/',
    });
  });

  it('absent values are left out; a host without port has RequestPort "-"', () => {
    const bare: AccessLogEntry = { ...entry, host: 'a.test', routerName: undefined, serviceName: undefined, serviceUrl: undefined, originStatus: undefined, originDurationNs: undefined, originContentSize: undefined, tlsVersion: undefined, tlsCipher: undefined, start: new Date('2026-01-01T00:00:00Z') };
    const record = JSON.parse(lines({ format: 'json', fields: { names: { StartLocal: 'drop' } } }, [bare])[0] ?? '') as Record<string, unknown>;
    for (const absent of ['RouterName', 'ServiceName', 'ServiceURL', 'ServiceAddr', 'OriginStatus', 'OriginDuration', 'TLSVersion', 'StartLocal', 'request_User-Agent']) {
      assert.ok(!(absent in record), absent);
    }
    assert.equal(record.RequestHost, 'a.test');
    assert.equal(record.RequestPort, '-');
    assert.equal(record.StartUTC, '2026-01-01T00:00:00Z');
    assert.equal(record.Overhead, entry.durationNs);
  });
});

describe('access log filters (OR-ed)', () => {
  const requests: AccessLogEntry[] = [
    { ...entry, status: 200, durationNs: 5e6, retryAttempts: 0 },
    { ...entry, status: 302, durationNs: 5e6, retryAttempts: 0 },
    { ...entry, status: 404, durationNs: 5e6, retryAttempts: 0 },
    { ...entry, status: 200, durationNs: 5e6, retryAttempts: 2 },
    { ...entry, status: 200, durationNs: 150e6, retryAttempts: 0 },
    { ...entry, status: 503, durationNs: 100e6, retryAttempts: 0 },
  ];
  const cases: { desc: string; filters: AccessLogConfig['filters']; logged: number[] }[] = [
    { desc: 'no filters: everything', filters: undefined, logged: [0, 1, 2, 3, 4, 5] },
    { desc: 'empty filters: everything', filters: { statusCodes: [], retryAttempts: false, minDuration: 0 }, logged: [0, 1, 2, 3, 4, 5] },
    { desc: 'status codes and ranges', filters: { statusCodes: ['404', '300-302', '500-599'] }, logged: [1, 2, 5] },
    { desc: 'retries only', filters: { retryAttempts: true }, logged: [3] },
    { desc: 'slower than minDuration (strictly)', filters: { minDuration: 100 }, logged: [4] },
    { desc: 'OR of all three', filters: { statusCodes: ['404'], retryAttempts: true, minDuration: 100 }, logged: [2, 3, 4] },
  ];
  for (const c of cases) {
    it(c.desc, () => {
      const out = lines({ format: 'json', filters: c.filters }, requests.map((r, i) => ({ ...r, requestCount: i })));
      assert.deepEqual(out.map((l) => (JSON.parse(l) as { RequestCount: number }).RequestCount), c.logged);
    });
  }
  it('a bad range is refused at creation', () => {
    assert.throws(() => createAccessLog({ filters: { statusCodes: ['2xx'] } }), /accessLog\.filters\.statusCodes: "2xx" is not a status code/);
  });
  it('reads ranges as the errors middleware does, blanks around the numbers allowed', () => {
    const out = lines({ format: 'json', filters: { statusCodes: [' 400 - 404 '] } }, requests.map((r, i) => ({ ...r, requestCount: i })));
    assert.deepEqual(out.map((l) => (JSON.parse(l) as { DownstreamStatus: number }).DownstreamStatus), [404]);
  });
});

describe('access log file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pe-accesslog-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('appends lines to filePath (directories created) and flushes on close', async () => {
    const file = join(dir, 'logs', 'access.log');
    const log = createAccessLog({ filePath: file, format: 'common' });
    assert.ok(log);
    for (let i = 0; i < 100; i++) log.log({ ...entry, requestCount: i });
    await log.close();
    const written = readFileSync(file, 'utf8').split('\n');
    assert.equal(written.length, 101);
    assert.match(written[99] ?? '', / 99 "web@docker" /);
  });

  it('no accessLog section: no access log', () => {
    assert.equal(createAccessLog(undefined), null);
  });
});

describe('access log, json headers mode', () => {
  const heads: AccessLogEntry = {
    ...entry,
    requestHeaders: { host: 'app.example.com', authorization: 'Basic YTpi', cookie: 'pe_session=abc', 'x-request-id': 'r1', referer: 'https://example.com/', ':path': '/h2-only' },
    downstreamHeaders: { 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'], 'content-length': 1234 },
  };
  const headerFields = (cfg: AccessLogConfig): Record<string, unknown> => {
    const record = JSON.parse(lines({ format: 'json', ...cfg }, [heads])[0] ?? '{}') as Record<string, unknown>;
    return Object.fromEntries(Object.entries(record).filter(([k]) => k.startsWith('request_') || k.startsWith('downstream_')));
  };

  it('defaultMode keep: every request and response header, Authorization, Cookie and Set-Cookie REDACTED (pe-edge\'s default)', () => {
    assert.deepEqual(headerFields({ fields: { headers: { defaultMode: 'keep' } } }), {
      request_Authorization: 'REDACTED',
      request_Cookie: 'REDACTED',
      request_Host: 'app.example.com',
      request_Referer: 'https://example.com/',
      'request_X-Request-Id': 'r1',
      'downstream_Content-Length': '1234',
      'downstream_Content-Type': 'text/plain',
      'downstream_Set-Cookie': 'REDACTED',
    });
  });

  it('headers.names keeps a credential header when the user asks (as Traefik would keep it anyway)', () => {
    const fields = headerFields({ fields: { headers: { defaultMode: 'keep', names: { Authorization: 'keep', 'set-cookie': 'keep', 'X-Request-Id': 'drop' } } } });
    assert.equal(fields['request_Authorization'], 'Basic YTpi');
    assert.equal(fields['downstream_Set-Cookie'], 'a=1,b=2', 'repeated values joined by commas');
    assert.equal(fields['request_Cookie'], 'REDACTED');
    assert.equal(fields['request_X-Request-Id'], undefined);
  });

  it('defaultMode drop (Traefik\'s default): only the named headers; keys stay in Go\'s byte order', () => {
    const out = lines({ format: 'json', fields: { headers: { names: { 'User-Agent': 'redact', 'X-Request-Id': 'keep' } } } }, [heads])[0] ?? '';
    const record = JSON.parse(out) as Record<string, unknown>;
    assert.equal(record['request_X-Request-Id'], 'r1');
    assert.equal(record['request_User-Agent'], undefined, 'no User-Agent in this request');
    assert.equal(record['request_Authorization'], undefined);
    assert.deepEqual(Object.keys(record), Object.keys(record).sort());
    assert.deepEqual(headerFields({}), {});
  });
});

describe('access log, bufferingSize', () => {
  const at = (path: string): AccessLogEntry => ({ ...entry, path });
  const buffered = (bufferingSize: number) => {
    const writes: string[] = [];
    const log = createAccessLog({ format: 'common', bufferingSize }, { sink: { write: (l: string) => writes.push(l) } });
    assert.ok(log);
    return { log, writes };
  };
  const paths = (write: string | undefined) => [...(write ?? '').matchAll(/"GET (\S+) HTTP/g)].map((m) => m[1]);

  it('0 (the default) writes each line as its request ends', () => {
    const { log, writes } = buffered(0);
    log.log(at('/a'));
    assert.deepEqual(writes.map(paths), [['/a']]);
  });

  it('lines wait in memory and go out together once the event loop is free', async () => {
    const { log, writes } = buffered(10);
    log.log(at('/a'));
    log.log(at('/b'));
    assert.deepEqual(writes, [], 'nothing written while requests are being handled');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(writes.map(paths), [['/a', '/b']]);
  });

  it('at most bufferingSize lines wait: the one that fills the buffer writes them all at once', () => {
    const { log, writes } = buffered(2);
    for (const p of ['/a', '/b', '/c']) log.log(at(p));
    assert.deepEqual(writes.map(paths), [['/a', '/b']]);
  });

  it('closing the log writes what waits', async () => {
    const { log, writes } = buffered(10);
    log.log(at('/last'));
    await log.close();
    assert.deepEqual(writes.map(paths), [['/last']]);
  });
});
