// `pe-edge compose generate -o FILE` as a user runs it: an existing compose file is never replaced silently, and the
// production file keeps /metrics (no authentication) off the host's public interfaces.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { runCli, TempConfigDir } from '../../support/cli-process.js';

describe('pe-edge compose generate -o', () => {
  const dirs: TempConfigDir[] = [];
  after(() => dirs.forEach((d) => d.remove()));
  const tempDir = (): TempConfigDir => {
    const dir = new TempConfigDir();
    dirs.push(dir);
    return dir;
  };

  it('writes the file, not stdout; the production file publishes 8082 on 127.0.0.1 only and says how Prometheus reaches it', async () => {
    const dir = tempDir();
    const res = await runCli(['compose', 'generate', '--dashboard-from-env', '-o', 'docker-compose.prod.yml'], { cwd: dir.path });
    assert.equal(res.code, 0, res.stderr.join('\n'));
    assert.deepEqual(res.stdout, []);
    assert.deepEqual(res.stderr, ['wrote docker-compose.prod.yml']);
    const text = readFileSync(dir.file('docker-compose.prod.yml'), 'utf8');
    const edge = (parse(text) as { services: Record<string, { ports: string[] }> }).services['pe-edge'];
    assert.deepEqual(edge?.ports.filter((p) => p.endsWith(':8082')), ['127.0.0.1:8082:8082']);
    assert.match(text, /^# .*scrapes pe-edge:8082 over pixelated-network/m);
  });

  it('refuses an existing file (exit 1, file untouched, no password told) unless --force', async () => {
    const dir = tempDir();
    const mine = dir.write('docker-compose.prod.yml', 'services: {} # my edits\n');
    const refused = await runCli(['compose', 'generate', '--output=docker-compose.prod.yml'], { cwd: dir.path });
    assert.equal(refused.code, 1);
    assert.deepEqual(refused.stdout, []);
    assert.equal(refused.stderr.length, 1, refused.stderr.join('\n'));
    assert.match(refused.stderr[0] ?? '', /docker-compose\.prod\.yml already exists; not overwriting it \(add --force/);
    assert.equal(readFileSync(mine, 'utf8'), 'services: {} # my edits\n');

    const forced = await runCli(['compose', 'generate', '-o', 'docker-compose.prod.yml', '--force'], { cwd: dir.path });
    assert.equal(forced.code, 0, forced.stderr.join('\n'));
    assert.match(forced.stderr.join('\n'), /password \S+ — store it now/);
    assert.match(readFileSync(mine, 'utf8'), /^# Pixelated Empathy behind pe-edge/);
  });

  it('a file that cannot be written tells no password (a password for nothing is worth nothing)', async () => {
    const dir = tempDir();
    const res = await runCli(['compose', 'generate', '-o', dir.file('no-such-dir/docker-compose.prod.yml')], { cwd: dir.path });
    assert.notEqual(res.code, 0);
    assert.match(res.stderr.join('\n'), /cannot write .*no-such-dir/);
    assert.doesNotMatch(res.stderr.join('\n'), /password/);
  });

  it('--force without -o is a usage error', async () => {
    const dir = tempDir();
    const res = await runCli(['compose', 'generate', '--force'], { cwd: dir.path });
    assert.equal(res.code, 2);
    assert.match(res.stderr.join('\n'), /--force only applies with -o\/--output FILE/);
  });
});
