import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type FileProviderError, type FileSnapshot, startFileProvider } from '../../../operator/providers/file-provider.js';

type Event = { kind: 'snapshot'; snapshot: FileSnapshot; at: number } | { kind: 'error'; error: FileProviderError; at: number };

/** Collects what the provider hands over; `next` waits for the next one. */
class Recorder {
  readonly events: Event[] = [];
  #waiters: (() => void)[] = [];
  onSnapshot = (snapshot: FileSnapshot): void => this.#push({ kind: 'snapshot', snapshot, at: Date.now() });
  onError = (error: FileProviderError): void => this.#push({ kind: 'error', error, at: Date.now() });
  #push(e: Event): void {
    this.events.push(e);
    this.#waiters.splice(0).forEach((w) => w());
  }
  async next(timeoutMs = 1000): Promise<Event> {
    const seen = this.events.length;
    const deadline = Date.now() + timeoutMs;
    while (this.events.length === seen) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`nothing within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.events[seen] as Event;
  }
  /** Asserts that nothing arrives for a while. */
  async quiet(ms = 300): Promise<void> {
    const seen = this.events.length;
    await new Promise((r) => setTimeout(r, ms));
    assert.equal(this.events.length, seen, `unexpected: ${JSON.stringify(this.events.slice(seen).map((e) => e.kind))}`);
  }
}

const snapshotOf = (e: Event): FileSnapshot => {
  assert.equal(e.kind, 'snapshot', e.kind === 'error' ? e.error.message : '');
  return (e as { snapshot: FileSnapshot }).snapshot;
};
const errorOf = (e: Event): FileProviderError => {
  assert.equal(e.kind, 'error', 'expected an error');
  return (e as { error: FileProviderError }).error;
};
const routerYaml = (rule: string): string => `http:\n  routers:\n    web:\n      rule: ${rule}\n      service: app\n`;
const rulesOf = (s: FileSnapshot): unknown => (s.raw as { http: { routers: { web: { rule: string } } } }).http.routers.web.rule;

describe('file provider', () => {
  const root = mkdtempSync(join(tmpdir(), 'pe-fileprov-'));
  const controllers: AbortController[] = [];
  const start = (opts: { filename?: string; directory?: string; watch: boolean }, rec: Recorder) => {
    const ac = new AbortController();
    controllers.push(ac);
    return startFileProvider({ ...opts, onSnapshot: rec.onSnapshot, onError: rec.onError, signal: ac.signal });
  };
  after(() => {
    controllers.forEach((c) => c.abort());
    rmSync(root, { recursive: true, force: true });
  });

  it('an edit is applied well within a second; rewriting the same content is not news', async () => {
    const dir = join(root, 'edit');
    mkdirSync(dir);
    const file = join(dir, 'dynamic.yml');
    writeFileSync(file, routerYaml('Host(`a.test`)'));
    const rec = new Recorder();
    await start({ filename: file, watch: true }, rec);
    assert.equal(rulesOf(snapshotOf(rec.events[0] as Event)), 'Host(`a.test`)');

    const t0 = Date.now();
    writeFileSync(file, routerYaml('Host(`b.test`)'));
    const e = await rec.next(1000);
    assert.equal(rulesOf(snapshotOf(e)), 'Host(`b.test`)');
    assert.ok(e.at - t0 < 500, `applied after ${e.at - t0} ms`);

    writeFileSync(file, routerYaml('Host(`b.test`)'));
    writeFileSync(join(dir, 'other.yml'), 'x: 1\n'); // a neighbour is not this provider's file
    await rec.quiet();
  });

  it('a file emptied for a moment while rewritten in place is never applied empty; one left empty is, after 200 ms', async () => {
    const dir = join(root, 'emptied');
    mkdirSync(dir);
    const file = join(dir, 'dynamic.yml');
    writeFileSync(file, routerYaml('Host(`a.test`)'));
    const rec = new Recorder();
    await start({ filename: file, watch: true }, rec);
    // The writer truncates, then is away for 80 ms (a busy machine) before writing the new content.
    writeFileSync(file, '');
    setTimeout(() => writeFileSync(file, routerYaml('Host(`b.test`)')), 80);
    assert.equal(rulesOf(snapshotOf(await rec.next(1000))), 'Host(`b.test`)', 'the empty moment was not applied');

    const t0 = Date.now();
    writeFileSync(file, '');
    const emptied = snapshotOf(await rec.next(1000));
    assert.deepEqual(emptied.raw, {});
    assert.ok(Date.now() - t0 >= 200, 'an empty file is applied once it stayed empty');
  });

  it('invalid YAML on reload: onError with file:line, no snapshot; the fix is picked up', async () => {
    const dir = join(root, 'invalid');
    mkdirSync(dir);
    const file = join(dir, 'dynamic.yml');
    writeFileSync(file, routerYaml('Host(`a.test`)'));
    const rec = new Recorder();
    await start({ filename: file, watch: true }, rec);
    assert.equal(rec.events.length, 1);

    writeFileSync(file, 'http:\n  routers:\n    web:\n      rule: a\n     service: b\n');
    const error = errorOf(await rec.next());
    assert.equal(error.file, file);
    assert.equal(error.line, 5);
    assert.ok(error.message.startsWith(`${file}:5:`), error.message);
    await rec.quiet(150);
    assert.ok(rec.events.every((e, i) => i === 0 || e.kind === 'error'), 'no snapshot after the bad edit');

    writeFileSync(file, routerYaml('Host(`fixed.test`)'));
    let e = await rec.next();
    while (e.kind === 'error') e = await rec.next(); // a half-written file may be seen first
    assert.equal(rulesOf(snapshotOf(e)), 'Host(`fixed.test`)');
  });

  it('an atomic rename-replace, as editors save, is picked up', async () => {
    const dir = join(root, 'rename');
    mkdirSync(dir);
    const file = join(dir, 'dynamic.yml');
    writeFileSync(file, routerYaml('Host(`a.test`)'));
    const rec = new Recorder();
    await start({ filename: file, watch: true }, rec);
    for (const host of ['b', 'c']) {
      const tmp = join(dir, `.dynamic.yml.${host}.tmp`);
      writeFileSync(tmp, routerYaml(`Host(\`${host}.test\`)`));
      renameSync(tmp, file);
      assert.equal(rulesOf(snapshotOf(await rec.next())), `Host(\`${host}.test\`)`);
    }
  });

  it('directory mode: sub-directories, alphabetical order, first definition wins with a warning', async () => {
    const dir = join(root, 'dir');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'b.yml'), 'http:\n  routers:\n    web:\n      rule: Host(`b.test`)\n  services:\n    b: {}\n');
    writeFileSync(join(dir, 'a.yml'), 'http:\n  routers:\n    web:\n      rule: Host(`a.test`)\n');
    writeFileSync(join(dir, 'sub', 'c.TOML'), '[http.middlewares.strip.stripPrefix]\nprefixes = ["/c"]\n');
    writeFileSync(join(dir, 'notes.txt'), 'not config');
    const rec = new Recorder();
    await start({ directory: dir, watch: true }, rec);
    const s = snapshotOf(rec.events[0] as Event);
    assert.deepEqual(s.files, ['a.yml', 'b.yml', join('sub', 'c.TOML')].map((f) => join(dir, f)));
    assert.equal(rulesOf(s), 'Host(`a.test`)');
    assert.deepEqual(Object.keys((s.raw as { http: Record<string, object> }).http), ['routers', 'services', 'middlewares']);
    assert.deepEqual(s.warnings, ['router "web" in b.yml already configured in a.yml, skipping']);
    assert.deepEqual(s.locate(['http', 'routers', 'web', 'rule']), { file: join(dir, 'a.yml'), line: 4 });
    assert.deepEqual(s.locate(['http', 'services', 'b']), { file: join(dir, 'b.yml'), line: 6 });
    assert.deepEqual(s.locate(['http', 'middlewares', 'strip', 'stripPrefix', 'prefixes']), { file: join(dir, 'sub', 'c.TOML'), line: 2 });

    writeFileSync(join(dir, 'sub', 'd.yaml'), 'http:\n  services:\n    d: {}\n');
    const next = snapshotOf(await rec.next());
    assert.ok('d' in (next.raw as { http: { services: object } }).http.services, 'a new file in a sub-directory is read');
  });

  it('first load failure: with watch it is reported and watching goes on; without watch it rejects', async () => {
    const dir = join(root, 'first');
    mkdirSync(dir);
    const file = join(dir, 'dynamic.yml');
    writeFileSync(file, 'http: [\n');
    const rec = new Recorder();
    await start({ filename: file, watch: true }, rec);
    assert.equal(errorOf(rec.events[0] as Event).line, 2);
    writeFileSync(file, routerYaml('Host(`ok.test`)'));
    assert.equal(rulesOf(snapshotOf(await rec.next())), 'Host(`ok.test`)');

    await assert.rejects(start({ filename: file.replace('dynamic', 'missing'), watch: false }, new Recorder()), /missing\.yml: file not found/);
  });

  it('reload() (for SIGHUP) re-reads without a watcher', async () => {
    const dir = join(root, 'sighup');
    mkdirSync(dir);
    const file = join(dir, 'dynamic.toml');
    writeFileSync(file, '[http.routers.web]\nrule = "Host(`a.test`)"\n');
    const rec = new Recorder();
    const handle = await start({ filename: file, watch: false }, rec);
    writeFileSync(file, '[http.routers.web]\nrule = "Host(`b.test`)"\n');
    await rec.quiet(100);
    await handle.reload();
    assert.equal(rulesOf(snapshotOf(rec.events[1] as Event)), 'Host(`b.test`)');
  });
});
