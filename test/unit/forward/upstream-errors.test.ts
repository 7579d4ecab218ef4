import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyUpstreamError } from '../../../proxy/forward/upstream-errors.js';

/** An error as node's TLS client raises it, with OpenSSL's reason as its code. */
function tlsError(code: string): Error {
  return Object.assign(new Error(code), { code });
}

test("a TLS alert the server sent is a bad gateway (502), whichever OpenSSL's name for it: node 20's `sslv3 alert`, node 22's `ssl/tls alert`", () => {
  for (const code of [
    'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', // node 20, OpenSSL 3.0
    'ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE', // node 22.23, OpenSSL 3.5
    'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
    'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  ]) assert.equal(classifyUpstreamError(tlsError(code)).status, 502, code);
  // pe-edge's own refusal of the server's certificate stays 500, as in Traefik.
  assert.equal(classifyUpstreamError(tlsError('UNABLE_TO_VERIFY_LEAF_SIGNATURE')).status, 500);
});
