import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseAlpn } from '../../../proxy/entrypoints/https-server.js';

const TRAEFIK_DEFAULT = ['h2', 'http/1.1', 'acme-tls/1'];

test('ALPN follows the server\'s order, as Go\'s crypto/tls does', () => {
  assert.equal(chooseAlpn(TRAEFIK_DEFAULT, ['http/1.1', 'h2']), 'h2');
  assert.equal(chooseAlpn(TRAEFIK_DEFAULT, ['http/1.1']), 'http/1.1');
  assert.equal(chooseAlpn(['http/1.1', 'h2'], ['h2', 'http/1.1']), 'http/1.1', 'alpnProtocols [http/1.1, h2] prefers HTTP/1.1');
});

test('alpnProtocols without h2 never negotiates HTTP/2; an h2-only list still serves HTTP/1.1 clients (Go\'s fallback)', () => {
  assert.equal(chooseAlpn(['http/1.1'], ['h2', 'http/1.1']), 'http/1.1');
  assert.equal(chooseAlpn(['http/1.1'], ['h2']), undefined);
  assert.equal(chooseAlpn(['h2'], ['http/1.1']), 'http/1.1');
});

test('acme-tls/1 and unknown protocols are refused here (TLS-ALPN-01 is answered before the HTTPS server)', () => {
  assert.equal(chooseAlpn(TRAEFIK_DEFAULT, ['acme-tls/1']), undefined);
  assert.equal(chooseAlpn(TRAEFIK_DEFAULT, ['spdy/3']), undefined);
});
