import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generate } from 'selfsigned';
import {
  AcmeStorage,
  AcmeStorageError,
  certificateNotAfter,
  parseTraefikKeyType,
  traefikKeyTypeName,
  type ResolverData,
} from '../../../operator/certificates/acme-storage.js';

const root = mkdtempSync(join(tmpdir(), 'pe-acme-storage-'));
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh directory per test, so file names stay simple. */
function dir(): string {
  const d = join(root, String(n++));
  mkdirSync(d);
  return d;
}

function writeMode(path: string, text: string, mode: number): void {
  writeFileSync(path, text, { mode });
  chmodSync(path, mode);
}

const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'sec1' }).toString();
const notAfter = new Date('2031-05-06T07:08:09Z');
let cert = { cert: '', private: '' };

before(async () => {
  const made = await generate([{ name: 'commonName', value: 'example.com' }], { keyType: 'ec', curve: 'P-256', notAfterDate: notAfter });
  cert = { cert: made.cert, private: made.private };
});

function sample(email = 'me@example.com'): ResolverData {
  return {
    account: {
      email,
      registration: { body: { status: 'valid', contact: [`mailto:${email}`] }, uri: 'https://acme-v02.api.letsencrypt.org/acme/acct/123' },
      privateKeyPem: rsaPem,
      keyType: '4096',
    },
    certificates: [
      { domain: { main: 'example.com', sans: ['www.example.com'] }, certificatePem: cert.cert, keyPem: cert.private, store: 'default' },
      { domain: { main: 'other.example.com', sans: [] }, certificatePem: cert.cert, keyPem: cert.private, store: 'default' },
    ],
  };
}

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

describe('AcmeStorage', () => {
  it('round trip: what is saved is loaded', async () => {
    const file = join(dir(), 'acme.json');
    const storage = new AcmeStorage(file);
    await storage.save('le', sample());
    assert.deepEqual(await storage.load('le'), sample());
    assert.deepEqual(await storage.load('other'), { account: null, certificates: [] });
  });

  it('writes Traefik\'s fields: PKCS#1 DER account key, base64 PEM certificate and key, omitempty sans', async () => {
    const file = join(dir(), 'acme.json');
    await new AcmeStorage(file).save('le', sample());
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.endsWith('\n'), 'MarshalIndent writes no trailing newline');
    const json: unknown = JSON.parse(text);
    assert.deepEqual(json, {
      le: {
        Account: {
          Email: 'me@example.com',
          Registration: { body: { status: 'valid', contact: ['mailto:me@example.com'] }, uri: 'https://acme-v02.api.letsencrypt.org/acme/acct/123' },
          PrivateKey: b64(createPrivateKey(rsaPem).export({ format: 'der', type: 'pkcs1' })),
          KeyType: '4096',
        },
        Certificates: [
          { domain: { main: 'example.com', sans: ['www.example.com'] }, certificate: b64(cert.cert), key: b64(cert.private), Store: 'default' },
          { domain: { main: 'other.example.com' }, certificate: b64(cert.cert), key: b64(cert.private), Store: 'default' },
        ],
      },
    });
  });

  it('an EC account key is stored as SEC1 DER and read back', async () => {
    const file = join(dir(), 'acme.json');
    const storage = new AcmeStorage(file);
    const data = sample();
    if (data.account) data.account.privateKeyPem = ecPem;
    await storage.save('le', data);
    assert.ok(readFileSync(file, 'utf8').includes(b64(createPrivateKey(ecPem).export({ format: 'der', type: 'sec1' }))));
    assert.equal((await storage.load('le')).account?.privateKeyPem, ecPem);
  });

  it('reads a file written by Traefik, and writes the same data back byte for byte', async () => {
    const file = join(dir(), 'acme.json');
    const accountDer = b64(createPrivateKey(rsaPem).export({ format: 'der', type: 'pkcs1' }));
    // As Traefik's json.MarshalIndent(.., "", "  ") writes it: keys sorted, Go's & escape, no newline.
    const traefik = `{
  "le": {
    "Account": {
      "Email": "ops@example.com",
      "Registration": {
        "body": {
          "status": "valid",
          "contact": [
            "mailto:ops@example.com"
          ]
        },
        "uri": "https://acme-v02.api.letsencrypt.org/acme/acct/987?a=1\\u0026b=2"
      },
      "PrivateKey": "${accountDer}",
      "KeyType": "4096"
    },
    "Certificates": [
      {
        "domain": {
          "main": "example.com",
          "sans": [
            "www.example.com"
          ]
        },
        "certificate": "${b64(cert.cert)}",
        "key": "${b64(cert.private)}",
        "Store": "default"
      }
    ]
  },
  "staging": {
    "Account": null,
    "Certificates": null
  }
}`;
    writeMode(file, traefik, 0o600);
    const storage = new AcmeStorage(file);
    const le = await storage.load('le');
    assert.equal(le.account?.email, 'ops@example.com');
    assert.equal(le.account?.keyType, '4096');
    assert.deepEqual(le.account?.registration, {
      body: { status: 'valid', contact: ['mailto:ops@example.com'] },
      uri: 'https://acme-v02.api.letsencrypt.org/acme/acct/987?a=1&b=2',
    });
    assert.equal(createPrivateKey(le.account?.privateKeyPem ?? '').asymmetricKeyType, 'rsa');
    assert.deepEqual(le.certificates, [{ domain: { main: 'example.com', sans: ['www.example.com'] }, certificatePem: cert.cert, keyPem: cert.private, store: 'default' }]);
    assert.equal(certificateNotAfter(le.certificates[0]?.certificatePem ?? '').getTime(), notAfter.getTime());
    assert.deepEqual(await storage.load('staging'), { account: null, certificates: [] });

    await storage.save('le', le);
    assert.equal(readFileSync(file, 'utf8'), traefik);
  });

  it('reads field names case-insensitively, as Go does, and drops entries without certificate or key', async () => {
    const file = join(dir(), 'acme.json');
    const entry = { account: { email: 'a@b.c' }, certificates: [
      { domain: { main: 'ok.example' }, certificate: b64(cert.cert), key: b64(cert.private) },
      { domain: { main: 'nokey.example' }, certificate: b64(cert.cert), key: '' },
      { domain: { main: 'nocert.example' }, key: b64(cert.private) },
    ] };
    writeMode(file, JSON.stringify({ le: entry }), 0o600);
    const data = await new AcmeStorage(file).load('le');
    assert.equal(data.account?.email, 'a@b.c');
    assert.deepEqual(data.certificates.map((c) => [c.domain.main, c.store]), [['ok.example', 'default']]);
  });

  it('two resolvers share one file; each save keeps the other entry', async () => {
    const file = join(dir(), 'acme.json');
    const a = new AcmeStorage(file);
    const b = new AcmeStorage(file);
    await b.save('zeta', sample('z@example.com'));
    await a.save('alpha', sample('a@example.com'));
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(file, 'utf8'))), ['alpha', 'zeta'], 'Go sorts map keys');
    await a.save('alpha', { account: null, certificates: [] });
    assert.deepEqual(await a.load('alpha'), { account: null, certificates: [] });
    assert.deepEqual(await a.load('zeta'), sample('z@example.com'));
    assert.deepEqual(await b.load('zeta'), sample('z@example.com'));
  });

  it('concurrent saves from two objects on one path (one relative) all land', async () => {
    const d = dir();
    const file = join(d, 'acme.json');
    const a = new AcmeStorage(file);
    const b = new AcmeStorage(relative(process.cwd(), file));
    const saves: Promise<void>[] = [];
    for (let i = 0; i < 8; i++) {
      saves.push(a.save(`a${i}`, sample(`a${i}@example.com`)));
      saves.push(b.save(`b${i}`, sample(`b${i}@example.com`)));
    }
    await Promise.all(saves);
    const names = Object.keys(JSON.parse(readFileSync(file, 'utf8')));
    assert.equal(names.length, 16);
    for (let i = 0; i < 8; i++) assert.equal((await b.load(`a${i}`)).account?.email, `a${i}@example.com`);
    assert.deepEqual(readdirSync(d), ['acme.json'], 'no temp file is left behind');
  });

  it('a missing file is created empty with mode 0600 on load; a save creates it 0600 too', async () => {
    const d = dir();
    const loaded = join(d, 'loaded.json');
    assert.deepEqual(await new AcmeStorage(loaded).load('le'), { account: null, certificates: [] });
    assert.equal(statSync(loaded).mode & 0o777, 0o600);
    assert.equal(statSync(loaded).size, 0);
    const saved = join(d, 'saved.json');
    await new AcmeStorage(saved).save('le', sample());
    assert.equal(statSync(saved).mode & 0o777, 0o600);
  });

  it('an empty file is no data', async () => {
    const file = join(dir(), 'acme.json');
    writeMode(file, '', 0o600);
    assert.deepEqual(await new AcmeStorage(file).load('le'), { account: null, certificates: [] });
  });

  for (const mode of [0o644, 0o640, 0o604]) {
    it(`refuses a file with mode ${mode.toString(8)} in Traefik's words, on load and on save`, async () => {
      const file = join(dir(), 'acme.json');
      writeMode(file, '{}', mode);
      const storage = new AcmeStorage(file);
      const refusal = (err: unknown): boolean => {
        assert.ok(err instanceof AcmeStorageError);
        assert.equal(err.message, `permissions ${mode.toString(8)} for ${file} are too open, please use 600`);
        return true;
      };
      await assert.rejects(storage.load('le'), refusal);
      await assert.rejects(storage.save('le', sample()), refusal);
      assert.equal(readFileSync(file, 'utf8'), '{}');
    });
  }

  it('names the file as configured, like Traefik: the default relative acme.json', async () => {
    const d = dir();
    writeMode(join(d, 'acme.json'), '{}', 0o644);
    const cwd = process.cwd();
    process.chdir(d);
    try {
      await assert.rejects(new AcmeStorage('acme.json').load('le'), { message: 'permissions 644 for acme.json are too open, please use 600' });
    } finally {
      process.chdir(cwd);
    }
  });

  const corrupt: { desc: string; text: string; reason: RegExp }[] = [
    { desc: 'not JSON', text: '{"le": {', reason: /not JSON/ },
    { desc: 'not an object', text: '[1, 2]', reason: /expected an object keyed by resolver name/ },
    { desc: 'Certificates not a list', text: '{"le": {"Certificates": "x"}}', reason: /"le"\.Certificates: expected a list/ },
    { desc: 'key not base64', text: '{"le": {"Certificates": [{"key": "not base64!"}]}}', reason: /"le"\.Certificates\[0\]\.key: expected base64 text/ },
    { desc: 'another resolver\'s entry is broken', text: '{"le": null, "x": {"Account": {"Email": 5}}}', reason: /"x"\.Account\.Email: expected a string/ },
    { desc: 'account key unreadable', text: `{"le": {"Account": {"PrivateKey": "${b64('junk')}"}}}`, reason: /PrivateKey: not a PKCS#1, SEC1 or PKCS#8 private key/ },
  ];
  for (const c of corrupt) {
    it(`a corrupt file (${c.desc}) is moved aside and reported, never overwritten`, async () => {
      const d = dir();
      const file = join(d, 'acme.json');
      writeMode(file, c.text, 0o600);
      const storage = new AcmeStorage(file);
      let movedTo = '';
      await assert.rejects(storage.load('le'), (err: unknown) => {
        assert.ok(err instanceof AcmeStorageError);
        movedTo = err.movedTo ?? '';
        assert.match(movedTo, /acme\.json\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/);
        assert.ok(err.message.startsWith(`${file} is corrupt (`), err.message);
        assert.match(err.message, c.reason);
        assert.ok(err.message.endsWith(`; it was moved to ${movedTo}`), err.message);
        return true;
      });
      assert.equal(readFileSync(movedTo, 'utf8'), c.text);
      assert.equal(existsSync(file), false);
      assert.deepEqual(await storage.load('le'), { account: null, certificates: [] });
      await storage.save('le', sample());
      assert.equal(readFileSync(movedTo, 'utf8'), c.text);
    });
  }

  it('a save over a corrupt file moves it aside and refuses, so nothing is lost', async () => {
    const file = join(dir(), 'acme.json');
    writeMode(file, 'garbage', 0o600);
    await assert.rejects(new AcmeStorage(file).save('le', sample()), (err: unknown) => err instanceof AcmeStorageError && err.movedTo !== undefined && readFileSync(err.movedTo, 'utf8') === 'garbage');
    assert.equal(existsSync(file), false);
  });
});

describe('certificate helpers', () => {
  it('certificateNotAfter reads the leaf of a bundle; junk throws', () => {
    assert.equal(certificateNotAfter(cert.cert + cert.cert).toISOString(), notAfter.toISOString());
    assert.throws(() => certificateNotAfter('not a certificate'));
  });

  it('Traefik keyType names map to lego strings and back', () => {
    const pairs = [['EC256', 'P256'], ['EC384', 'P384'], ['RSA2048', '2048'], ['RSA4096', '4096'], ['RSA8192', '8192']] as const;
    for (const [traefik, lego] of pairs) {
      assert.equal(parseTraefikKeyType(traefik), lego);
      assert.equal(traefikKeyTypeName(lego), traefik);
    }
    assert.equal(parseTraefikKeyType('rsa4096'), undefined, 'Traefik\'s switch is exact; unknown falls back to RSA4096 in the caller');
    assert.equal(traefikKeyTypeName('P521'), undefined);
  });
});
