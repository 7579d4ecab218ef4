import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../../operator/logging/logger.js';

function capture(cfg: Parameters<typeof createLogger>[0]): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, log: createLogger(cfg, { sink: { write: (l: string) => lines.push(l) } }) };
}

describe('createLogger', () => {
  it('common: time, level abbreviation, message, sorted key=value', () => {
    const { lines, log } = capture({ level: 'INFO', format: 'common' });
    log.info({ router: 'web@file', count: 2, note: 'two words' }, 'router added');
    log.debug('not shown at INFO');
    log.error({ err: new Error('boom here') }, 'failed');
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ INF router added count=2 note="two words" router=web@file\n$/);
    assert.match(lines[1] ?? '', /^\S+ ERR failed error="boom here"\n$/);
  });

  it('json: level label, RFC3339 time, message key as Traefik', () => {
    const { lines, log } = capture({ level: 'debug', format: 'json' });
    log.debug({ provider: 'file' }, 'reloaded');
    const record = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    assert.deepEqual(Object.keys(record), ['level', 'time', 'provider', 'message']);
    assert.equal(record.level, 'debug');
    assert.equal(record.message, 'reloaded');
    assert.match(String(record.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  const levels: { level: string | undefined; enabled: string }[] = [
    { level: undefined, enabled: 'error' },
    { level: 'TRACE', enabled: 'trace' },
    { level: 'Warn', enabled: 'warn' },
    { level: 'PANIC', enabled: 'fatal' },
  ];
  for (const c of levels) {
    it(`level ${c.level ?? '(default)'} -> ${c.enabled}`, () => assert.equal(capture({ level: c.level }).log.level, c.enabled));
  }

  it('an unknown level falls back to ERROR and says so', () => {
    const { lines, log } = capture({ level: 'LOUD' });
    assert.equal(log.level, 'error');
    assert.match(lines[0] ?? '', /ERR Unspecified or invalid log level.* logLevel=LOUD/);
  });
});
