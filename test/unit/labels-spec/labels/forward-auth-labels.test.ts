// forwardAuth configured by Docker labels: the Authelia-style label set decodes, validates and builds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLabels } from '../../../../labels-spec/index.js';
import { middlewareFactory } from '../../../../proxy/middlewares/registry.js';
import { freshScope } from '../../../../proxy/middlewares/middleware-entry.js';

test('forwardAuth from labels: every option decodes to its typed value, with no warning, and the middleware builds', () => {
  const result = decodeLabels({
    'traefik.http.middlewares.authelia.forwardauth.address': 'http://authelia:9091/api/authz/forward-auth',
    'traefik.http.middlewares.authelia.forwardauth.trustforwardheader': 'true',
    'traefik.http.middlewares.authelia.forwardauth.authresponseheaders': 'Remote-User,Remote-Groups,Remote-Email,Remote-Name',
    'traefik.http.middlewares.authelia.forwardauth.authresponseheadersregex': '^Remote-',
    'traefik.http.middlewares.authelia.forwardauth.authrequestheaders': 'Accept,Cookie',
    'traefik.http.middlewares.authelia.forwardauth.addauthcookiestoresponse': 'authelia_session',
    'traefik.http.middlewares.authelia.forwardauth.headerfield': 'Remote-User',
    'traefik.http.middlewares.authelia.forwardauth.forwardbody': 'true',
    'traefik.http.middlewares.authelia.forwardauth.maxbodysize': '1024',
    'traefik.http.middlewares.authelia.forwardauth.preservelocationheader': 'true',
    'traefik.http.middlewares.authelia.forwardauth.preserverequestmethod': 'true',
    'traefik.http.middlewares.authelia.forwardauth.maxresponsebodysize': '4096',
    'traefik.http.middlewares.authelia.forwardauth.authsigninurl': 'https://auth.example.com/',
    'traefik.http.middlewares.authelia.forwardauth.tls.insecureskipverify': 'true',
  });
  assert.deepEqual(result.issues, []);
  const options = (result.config.http.middlewares.authelia as { forwardAuth: Record<string, unknown> }).forwardAuth;
  assert.deepEqual(options, {
    address: 'http://authelia:9091/api/authz/forward-auth',
    trustForwardHeader: true,
    authResponseHeaders: ['Remote-User', 'Remote-Groups', 'Remote-Email', 'Remote-Name'],
    authResponseHeadersRegex: '^Remote-',
    authRequestHeaders: ['Accept', 'Cookie'],
    addAuthCookiesToResponse: ['authelia_session'],
    headerField: 'Remote-User',
    forwardBody: true,
    maxBodySize: 1024,
    preserveLocationHeader: true,
    preserveRequestMethod: true,
    maxResponseBodySize: 4096,
    authSigninURL: 'https://auth.example.com/',
    tls: { insecureSkipVerify: true },
  });
  const factory = middlewareFactory('forwardAuth');
  assert.ok(factory !== undefined, 'forwardAuth is implemented');
  assert.equal(typeof factory(options, () => undefined, freshScope), 'function');
});

