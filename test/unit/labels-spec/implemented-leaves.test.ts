import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { nodeOf, type LabelNode } from '../../../labels-spec/labels/label-tree.js';
import { middlewareRegistry } from '../../../labels-spec/dynamic/middlewares/registry.js';
import { serviceCommon, serviceRegistry, type Service } from '../../../labels-spec/dynamic/services/index.js';
import { routerSchema } from '../../../labels-spec/dynamic/routers.js';
import { middlewareOptionsNotImplemented, serversTransportOptionsNotImplemented, serviceOptionsNotImplemented, tcpServersTransportOptionsNotImplemented } from '../../../labels-spec/dynamic/unimplemented-options.js';
import { serversTransportSchema, type ServersTransport } from '../../../labels-spec/dynamic/servers-transports.js';
import type { Middleware } from '../../../labels-spec/dynamic/middlewares/index.js';
import { tcpMiddlewareRegistry, tcpRouterSchema, tcpServersTransportSchema, tcpServiceRegistry, udpRouterSchema, udpServiceRegistry, type TcpServersTransport } from '../../../labels-spec/dynamic/tcp/index.js';
import { middlewareFactory } from '../../../proxy/middlewares/registry.js';
import { repoRoot } from '../../support/cli-process.js';

// Every leaf of the dynamic schemas (middleware and service options) that pe-edge accepts and does not warn about
// as "not implemented" (labels-spec/dynamic/unimplemented-options.ts) must be read by the runtime. The proof of a
// leaf is a test that sets it and asserts what a user would notice: `file` holds that test, `evidence` is its title
// (or its table row's name) and the file must also spell the option's key. A new schema leaf without a proof fails
// here, by name; a leaf nobody has proven yet is listed in NO_PROOF_YET and reported as a todo, never passed silently.

interface Proof { file: string; evidence: string }

const MW = 'test/integration/middlewares/';
const UMW = 'test/unit/middlewares/';
const SVC = 'test/integration/services/';
const PX = 'test/integration/proxy/';
const TCP = 'test/integration/tcp/tcp-routing.test.ts';
const TCP_OPT = 'test/integration/tcp/tcp-options.test.ts';
const TCP_HC = 'test/integration/tcp/tcp-health-check.test.ts';
const UDP = 'test/integration/udp/udp-routing.test.ts';
const RL_REDIS = 'test/integration/middlewares/rate-limit-redis.test.ts';
const RL_REDIS_TLS = 'test/integration/middlewares/rate-limit-redis-tls.test.ts';
const p = (file: string, evidence: string): Proof => ({ file, evidence });

const PROOFS: Readonly<Record<string, Proof>> = {
  'middlewares.addPrefix.prefix': p(`${MW}add-prefix.test.ts`, 'seed: addPrefix{prefix: /v1}'),
  'middlewares.basicAuth.users': p(`${UMW}basic-auth.test.ts`, 'inline users win duplicates'),
  'middlewares.basicAuth.usersFile': p(`${UMW}basic-auth.test.ts`, 'basicAuth: usersFile lines'),
  'middlewares.basicAuth.realm': p(`${UMW}basic-auth.test.ts`, 'basicAuth: realm in the challenge'),
  'middlewares.basicAuth.headerField': p(`${UMW}basic-auth.test.ts`, 'basicAuth: headerField names the user upstream'),
  'middlewares.basicAuth.removeHeader': p(`${UMW}basic-auth.test.ts`, 'removeHeader drops Authorization'),
  'middlewares.digestAuth.users': p(`${MW}digest-auth.test.ts`, 'the htdigest user passes with the right password'),
  'middlewares.digestAuth.headerField': p(`${MW}digest-auth.test.ts`, 'the htdigest user passes with the right password'),
  'middlewares.digestAuth.usersFile': p(`${MW}digest-auth.test.ts`, 'digestAuth reads an htdigest usersFile'),
  'middlewares.digestAuth.realm': p(`${MW}digest-auth.test.ts`, 'digestAuth reads an htdigest usersFile (made by htdigest when installed), a custom realm'),
  'middlewares.digestAuth.removeHeader': p(`${MW}digest-auth.test.ts`, 'a custom realm, and removeHeader'),
  'middlewares.passTLSClientCert.pem': p(`${MW}pass-tls-client-cert.test.ts`, 'pem and info headers from the client certificate'),
  'middlewares.passTLSClientCert.info.notAfter': p(`${UMW}pass-tls-client-cert.test.ts`, 'minimal certificate, some fields'),
  'middlewares.passTLSClientCert.info.notBefore': p(`${UMW}pass-tls-client-cert.test.ts`, 'minimal certificate, some fields'),
  'middlewares.passTLSClientCert.info.sans': p(`${UMW}pass-tls-client-cert.test.ts`, 'minimal certificate, some fields'),
  'middlewares.passTLSClientCert.info.serialNumber': p(`${UMW}pass-tls-client-cert.test.ts`, 'minimal certificate, some fields'),
  'middlewares.passTLSClientCert.info.subject.country': p(`${UMW}pass-tls-client-cert.test.ts`, 'complete certificate, every field'),
  'middlewares.passTLSClientCert.info.subject.province': p(`${UMW}pass-tls-client-cert.test.ts`, 'complete certificate, every field'),
  'middlewares.passTLSClientCert.info.subject.locality': p(`${UMW}pass-tls-client-cert.test.ts`, 'complete certificate, every field'),
  'middlewares.passTLSClientCert.info.subject.organization': p(`${UMW}pass-tls-client-cert.test.ts`, 'complete certificate, every field'),
  'middlewares.passTLSClientCert.info.subject.organizationalUnit': p(`${UMW}pass-tls-client-cert.test.ts`, 'complete certificate, every field'),
  'middlewares.passTLSClientCert.info.subject.commonName': p(`${UMW}pass-tls-client-cert.test.ts`, 'complete certificate, every field'),
  'middlewares.passTLSClientCert.info.subject.serialNumber': p(`${UMW}pass-tls-client-cert.test.ts`, 'complete certificate, every field'),
  'middlewares.passTLSClientCert.info.subject.domainComponent': p(`${UMW}pass-tls-client-cert.test.ts`, 'complete certificate, every field'),
  'middlewares.passTLSClientCert.info.issuer.country': p(`${UMW}pass-tls-client-cert.test.ts`, 'complete certificate, every field'),
  'middlewares.passTLSClientCert.info.issuer.province': p(`${UMW}pass-tls-client-cert.test.ts`, 'complete certificate, every field'),
  'middlewares.passTLSClientCert.info.issuer.locality': p(`${UMW}pass-tls-client-cert.test.ts`, 'complete certificate, every field'),
  'middlewares.passTLSClientCert.info.issuer.organization': p(`${UMW}pass-tls-client-cert.test.ts`, 'complete certificate, every field'),
  'middlewares.passTLSClientCert.info.issuer.commonName': p(`${UMW}pass-tls-client-cert.test.ts`, 'complete certificate, every field'),
  'middlewares.passTLSClientCert.info.issuer.serialNumber': p(`${UMW}pass-tls-client-cert.test.ts`, 'complete certificate, every field'),
  'middlewares.passTLSClientCert.info.issuer.domainComponent': p(`${UMW}pass-tls-client-cert.test.ts`, 'complete certificate, every field'),
  'middlewares.buffering.maxRequestBodyBytes': p(`${MW}buffering.test.ts`, 'a spooled request over maxRequestBodyBytes answers 413'),
  'middlewares.buffering.memRequestBodyBytes': p(`${MW}buffering.test.ts`, 'a request body above memRequestBodyBytes is spooled'),
  'middlewares.buffering.maxResponseBodyBytes': p(`${MW}buffering.test.ts`, 'maxResponseBodyBytes answers 500 for a larger response'),
  'middlewares.buffering.memResponseBodyBytes': p(`${MW}buffering.test.ts`, 'a response above memResponseBodyBytes is spooled'),
  'middlewares.buffering.retryExpression': p('test/unit/labels-spec/implemented-leaves.test.ts', 'buffering.retryExpression is refused by the runtime'),
  'middlewares.circuitBreaker.expression': p(`${MW}circuit-breaker.test.ts`, 'circuitBreaker with the Pixelated Empathy expression trips on 5xx'),
  'middlewares.circuitBreaker.checkPeriod': p(`${UMW}circuit-breaker.test.ts`, 'evaluated at most once per checkPeriod'),
  'middlewares.circuitBreaker.fallbackDuration': p(`${UMW}circuit-breaker.test.ts`, 'fallback for fallbackDuration, ramp during recovery'),
  'middlewares.circuitBreaker.recoveryDuration': p(`${UMW}circuit-breaker.test.ts`, 'fallback for fallbackDuration, ramp during recovery'),
  'middlewares.circuitBreaker.responseCode': p(`${MW}circuit-breaker.test.ts`, 'trips on 5xx answers and answers responseCode'),
  'middlewares.compress.excludedContentTypes': p(`${MW}compress.test.ts`, 'compress: excluded and included content types'),
  'middlewares.compress.includedContentTypes': p(`${MW}compress.test.ts`, 'compress: excluded and included content types'),
  'middlewares.compress.minResponseBodyBytes': p(`${MW}compress.test.ts`, 'minResponseBodyBytes is honoured'),
  'middlewares.compress.encodings': p(`${MW}compress.test.ts`, 'compress: encodings [zstd] only never fails a request'),
  'middlewares.compress.defaultEncoding': p(`${MW}compress.test.ts`, 'compress: defaultEncoding answers requests without Accept-Encoding'),
  'middlewares.contentType.autoDetect': p(`${UMW}redirect-regex.test.ts`, 'contentType: {} and autoDetect false pass the request through unchanged'),
  'middlewares.encodedCharacters.allowEncodedSlash': p('test/integration/proxy/sanitize-path.test.ts', 'encodedCharacters.allowEncodedSlash: false answers 400'),
  'middlewares.errors.status': p(`${MW}errors.test.ts`, 'errors: a 500 in the range is replaced by the page'),
  'middlewares.errors.service': p(`${MW}errors.test.ts`, 'errors: a 500 in the range is replaced by the page'),
  'middlewares.errors.query': p(`${MW}errors.test.ts`, '{url} and {originalStatus}'),
  'middlewares.errors.statusRewrites': p(`${MW}errors.test.ts`, 'errors: statusRewrites to 204 sends the head alone'),
  'middlewares.errors.errorRequestHeaders': p(`${MW}errors.test.ts`, 'errors: errorRequestHeaders lists the headers the page request carries'),
  'middlewares.forwardAuth.address': p(`${MW}forward-auth.test.ts`, 'a relative Location is resolved against the address'),
  'middlewares.forwardAuth.tls.ca': p(`${MW}forward-auth-tls.test.ts`, 'forwardAuth tls.ca: an https auth server signed by that CA is trusted'),
  'middlewares.forwardAuth.tls.cert': p(`${MW}forward-auth-tls.test.ts`, 'forwardAuth tls.cert/key: mutual TLS'),
  'middlewares.forwardAuth.tls.key': p(`${MW}forward-auth-tls.test.ts`, 'forwardAuth tls.cert/key: mutual TLS'),
  'middlewares.forwardAuth.tls.insecureSkipVerify': p(`${MW}forward-auth-tls.test.ts`, 'forwardAuth tls.insecureSkipVerify: an auth server whose CA is unknown is still used'),
  'middlewares.forwardAuth.tls.caOptional': p(`${MW}forward-auth-tls.test.ts`, 'forwardAuth tls.caOptional (deprecated) is warned about and changes nothing'),
  'middlewares.forwardAuth.trustForwardHeader': p(`${MW}forward-auth.test.ts`, 'forwardAuth trustForwardHeader, unset / false / true'),
  'middlewares.forwardAuth.authResponseHeaders': p(`${MW}forward-auth.test.ts`, 'with authResponseHeaders (and regex) replacing'),
  'middlewares.forwardAuth.authResponseHeadersRegex': p(`${MW}forward-auth.test.ts`, 'with authResponseHeaders (and regex) replacing'),
  'middlewares.forwardAuth.authRequestHeaders': p(`${MW}forward-auth.test.ts`, 'forwardAuth: authRequestHeaders sends only the listed headers'),
  'middlewares.forwardAuth.addAuthCookiesToResponse': p(`${MW}forward-auth.test.ts`, 'forwardAuth addAuthCookiesToResponse: the auth cookies named replace'),
  'middlewares.forwardAuth.headerField': p(`${MW}forward-auth.test.ts`, 'forwardAuth headerField: the access log names the user'),
  'middlewares.forwardAuth.forwardBody': p(`${MW}forward-auth.test.ts`, 'forwardAuth forwardBody: the auth server gets the body'),
  'middlewares.forwardAuth.maxBodySize': p(`${MW}forward-auth.test.ts`, 'over maxBodySize ⇒ 401, nobody asked'),
  'middlewares.forwardAuth.preserveLocationHeader': p(`${MW}forward-auth.test.ts`, 'preserveLocationHeader keeps it as sent'),
  'middlewares.forwardAuth.preserveRequestMethod': p(`${MW}forward-auth.test.ts`, 'forwardAuth preserveRequestMethod: the auth request has the client'),
  'middlewares.forwardAuth.maxResponseBodySize': p(`${MW}forward-auth.test.ts`, 'forwardAuth maxResponseBodySize: an auth answer over it'),
  'middlewares.forwardAuth.authSigninURL': p(`${MW}forward-auth.test.ts`, 'forwardAuth authSigninURL: a 401 from the auth server becomes a 302'),
  'middlewares.grpcWeb.allowOrigins': p(`${MW}grpc-web.test.ts`, 'grpcWeb CORS: a refused origin gets a 200 preflight without any Allow header'),
  'middlewares.headers.customRequestHeaders': p(`${UMW}headers.test.ts`, 'headers: customRequestHeaders sets, replaces and deletes'),
  'middlewares.headers.customResponseHeaders': p(`${UMW}headers.test.ts`, 'customResponseHeaders overrides the backend'),
  'middlewares.headers.accessControlAllowCredentials': p(`${UMW}headers.test.ts`, 'CORS: listed origin echoed, credentials, expose headers, Vary appended'),
  'middlewares.headers.accessControlAllowHeaders': p(`${UMW}headers.test.ts`, 'headers: CORS preflight is answered 200 and not forwarded (seed)'),
  'middlewares.headers.accessControlAllowMethods': p(`${UMW}headers.test.ts`, 'headers: CORS preflight is answered 200 and not forwarded (seed)'),
  'middlewares.headers.accessControlAllowOriginList': p(`${UMW}headers.test.ts`, 'CORS: listed origin echoed, credentials, expose headers, Vary appended'),
  'middlewares.headers.accessControlAllowOriginListRegex': p(`${UMW}headers.test.ts`, 'CORS: regex match echoes the Origin'),
  'middlewares.headers.accessControlExposeHeaders': p(`${UMW}headers.test.ts`, 'CORS: listed origin echoed, credentials, expose headers, Vary appended'),
  'middlewares.headers.accessControlMaxAge': p(`${MW}headers.test.ts`, 'accessControlMaxAge: 0 set explicitly is sent'),
  'middlewares.headers.addVaryHeader': p(`${UMW}headers.test.ts`, 'CORS: listed origin echoed, credentials, expose headers, Vary appended'),
  'middlewares.headers.allowedHosts': p(`${MW}headers.test.ts`, 'allowedHosts: other host gets 500 Bad Host'),
  'middlewares.headers.hostsProxyHeaders': p(`${UMW}headers.test.ts`, 'hostsProxyHeaders from a trusted peer'),
  'middlewares.headers.sslProxyHeaders': p(`${UMW}headers.test.ts`, 'sslProxyHeaders from a trusted peer make the request SSL'),
  'middlewares.headers.stsSeconds': p(`${UMW}headers.test.ts`, 'STS on a TLS request'),
  'middlewares.headers.stsIncludeSubdomains': p(`${MW}headers.test.ts`, 'Pixelated Empathy headers: Server and X-Powered-By hidden, security headers shown'),
  'middlewares.headers.stsPreload': p(`${MW}headers.test.ts`, 'Pixelated Empathy headers: Server and X-Powered-By hidden, security headers shown'),
  'middlewares.headers.forceSTSHeader': p(`${MW}headers.test.ts`, 'Pixelated Empathy headers: Server and X-Powered-By hidden, security headers shown'),
  'middlewares.headers.frameDeny': p(`${UMW}headers.test.ts`, 'customFrameOptionsValue wins over frameDeny'),
  'middlewares.headers.customFrameOptionsValue': p(`${UMW}headers.test.ts`, 'customFrameOptionsValue wins over frameDeny'),
  'middlewares.headers.contentTypeNosniff': p(`${MW}headers.test.ts`, 'Pixelated Empathy headers: Server and X-Powered-By hidden, security headers shown'),
  'middlewares.headers.browserXssFilter': p(`${UMW}headers.test.ts`, 'customBrowserXSSValue wins'),
  'middlewares.headers.customBrowserXSSValue': p(`${UMW}headers.test.ts`, 'customBrowserXSSValue wins'),
  'middlewares.headers.contentSecurityPolicy': p(`${MW}headers.test.ts`, 'Pixelated Empathy headers: Server and X-Powered-By hidden, security headers shown'),
  'middlewares.headers.contentSecurityPolicyReportOnly': p(`${UMW}headers.test.ts`, 'CSP report-only and permissions policy'),
  'middlewares.headers.publicKey': p(`${UMW}headers.test.ts`, 'publicKey only over SSL'),
  'middlewares.headers.referrerPolicy': p(`${MW}headers.test.ts`, 'Pixelated Empathy headers: Server and X-Powered-By hidden, security headers shown'),
  'middlewares.headers.permissionsPolicy': p(`${UMW}headers.test.ts`, 'CSP report-only and permissions policy'),
  'middlewares.headers.isDevelopment': p(`${UMW}headers.test.ts`, 'isDevelopment disables the check'),
  'middlewares.headers.featurePolicy': p(`${UMW}headers.test.ts`, 'headers: deprecated options are accepted and do nothing'),
  'middlewares.headers.sslRedirect': p(`${UMW}headers.test.ts`, 'headers: deprecated options are accepted and do nothing'),
  'middlewares.headers.sslHost': p(`${UMW}headers.test.ts`, 'headers: deprecated options are accepted and do nothing'),
  'middlewares.inFlightReq.amount': p(`${MW}in-flight-req.test.ts`, 'amount 1: a second request from the same Host while one is in flight gets 429'),
  'middlewares.inFlightReq.sourceCriterion.requestHeaderName': p(`${MW}in-flight-req.test.ts`, 'amount 2 by header: two in flight per header value'),
  'middlewares.ipAllowList.sourceRange': p(`${UMW}ip-allow-list.test.ts`, 'sourceRange matching, as Traefik ip.Checker'),
  'middlewares.ipAllowList.ipStrategy.depth': p(`${MW}ip-allow-list.test.ts`, 'ipStrategy depth 1 reads X-Forwarded-For from a trusted peer only'),
  'middlewares.ipAllowList.ipStrategy.excludedIPs': p(`${MW}ip-allow-list.test.ts`, 'ipStrategy excludedIPs skips our own proxies in X-Forwarded-For'),
  'middlewares.ipAllowList.ipStrategy.ipv6Subnet': p(`${UMW}client-ip-strategy.test.ts`, 'ipv6Subnet gives the first address of the network'),
  'middlewares.rateLimit.average': p(`${MW}rate-limit.test.ts`, 'average 1 burst 1: a back-to-back second request is refused'),
  'middlewares.rateLimit.period': p(`${MW}rate-limit.test.ts`, 'Pixelated Empathy: average 100 per 1m burst 50'),
  'middlewares.rateLimit.burst': p(`${MW}rate-limit.test.ts`, 'average 1 burst 1: a back-to-back second request is refused'),
  'middlewares.rateLimit.redis.endpoints': p(RL_REDIS, 'two pe-edge processes sharing one Redis admit average 10 per 10m burst 10 once in total'),
  'middlewares.rateLimit.redis.username': p(RL_REDIS, 'two pe-edge processes sharing one Redis admit average 10 per 10m burst 10 once in total'),
  'middlewares.rateLimit.redis.password': p(RL_REDIS, 'two pe-edge processes sharing one Redis admit average 10 per 10m burst 10 once in total'),
  'middlewares.rateLimit.redis.db': p(RL_REDIS, 'two pe-edge processes sharing one Redis admit average 10 per 10m burst 10 once in total'),
  'middlewares.rateLimit.redis.readTimeout': p(RL_REDIS, 'a Redis that stops answering holds a request no longer than readTimeout'),
  'middlewares.rateLimit.redis.tls.ca': p(RL_REDIS_TLS, 'rateLimit.redis.tls: mutual TLS with ca, cert and key'),
  'middlewares.rateLimit.redis.tls.cert': p(RL_REDIS_TLS, 'rateLimit.redis.tls: mutual TLS with ca, cert and key'),
  'middlewares.rateLimit.redis.tls.key': p(RL_REDIS_TLS, 'rateLimit.redis.tls: mutual TLS with ca, cert and key'),
  'middlewares.rateLimit.redis.tls.insecureSkipVerify': p(RL_REDIS_TLS, 'insecureSkipVerify without the CA; an unverified Redis is a 500'),
  'middlewares.rateLimit.redis.dialTimeout': p(RL_REDIS_TLS, 'is given up after dialTimeout'),
  'middlewares.rateLimit.sourceCriterion.requestHeaderName': p(`${MW}rate-limit.test.ts`, 'sources are counted apart: by client IP by default, by a header or by Host when asked'),
  'middlewares.rateLimit.sourceCriterion.requestHost': p(`${MW}rate-limit.test.ts`, 'sources are counted apart: by client IP by default, by a header or by Host when asked'),
  'middlewares.redirectRegex.regex': p(`${MW}redirect-regex.test.ts`, 'redirectRegex: matched on scheme://host:port/uri'),
  'middlewares.redirectRegex.replacement': p(`${MW}redirect-regex.test.ts`, 'redirectRegex: matched on scheme://host:port/uri'),
  'middlewares.redirectRegex.permanent': p(`${MW}redirect-regex.test.ts`, 'redirectRegex permanent: GET ⇒ 301, PUT ⇒ 308'),
  'middlewares.redirectRegex.statusCode': p(`${UMW}redirect-regex.test.ts`, 'v3.7 statusCode wins over permanent'),
  'middlewares.redirectScheme.permanent': p(`${MW}redirect-regex.test.ts`, 'redirectScheme forcePermanentRedirect (v3.6): 308 for GET and POST, even with permanent: false'),
  'middlewares.redirectScheme.forcePermanentRedirect': p(`${MW}redirect-regex.test.ts`, 'redirectScheme forcePermanentRedirect (v3.6)'),
  'middlewares.replacePath.path': p(`${MW}replace-path.test.ts`, 'seed: replacePath{path: /x}'),
  'middlewares.replacePathRegex.regex': p(`${MW}replace-path.test.ts`, 'replacePathRegex: capture groups rewrite the escaped path'),
  'middlewares.replacePathRegex.replacement': p(`${MW}replace-path.test.ts`, 'replacePathRegex: capture groups rewrite the escaped path'),
  'middlewares.retry.attempts': p(`${MW}retry.test.ts`, 'retry{attempts: 3} with one dead and one live server'),
  'middlewares.retry.initialInterval': p(`${MW}retry.test.ts`, 'retry: a single server that starts during the backoff is tried again and answers'),
  'middlewares.stripPrefix.prefixes': p(`${MW}strip-prefix.test.ts`, 'seed: stripPrefix{prefixes: [/api]}'),
  'middlewares.stripPrefix.forceSlash': p(`${MW}strip-prefix.test.ts`, 'stripPrefix forceSlash (deprecated) honoured when true'),
  'middlewares.stripPrefixRegex.regex': p(`${UMW}strip-prefix.test.ts`, 'v3.6: matched on the decoded path'),
  'services.loadBalancer.servers[].url': p('test/integration/proxy/load-balancing.test.ts', 'equal weights rotate strictly across app1, app2, app3'),
  'services.loadBalancer.servers[].weight': p('test/integration/proxy/load-balancing.test.ts', 'weights 3:1 give 3 and 1 of every 4 requests'),
  'services.loadBalancer.passHostHeader': p('test/integration/proxy/forwarding.test.ts', 'passHostHeader: false sends the server host'),
  'services.loadBalancer.serversTransport': p('test/integration/proxy/upstream-http1.test.ts', 'serversTransport.maxConnsPerHost bounds the connections to one server'),
  'services.loadBalancer.responseForwarding.flushInterval': p('test/integration/proxy/flush-interval.test.ts', 'a known-length body written in 10 pieces 100 ms apart arrives in about one batch'),
  'services.loadBalancer.healthCheck.path': p(`${SVC}sticky-and-health.test.ts`, 'a server failing its health check gets no traffic'),
  'services.loadBalancer.healthCheck.interval': p(`${SVC}health-check-options.test.ts`, 'comes back long before `interval`'),
  'services.loadBalancer.healthCheck.unhealthyInterval': p(`${SVC}health-check-options.test.ts`, 'unhealthyInterval: a DOWN server is probed on its own interval'),
  'services.loadBalancer.healthCheck.followRedirects': p(`${SVC}health-check-options.test.ts`, 'method, status and followRedirects decide what a probe accepts'),
  'services.loadBalancer.healthCheck.method': p(`${SVC}health-check-options.test.ts`, 'method, status and followRedirects decide what a probe accepts'),
  'services.loadBalancer.healthCheck.status': p(`${SVC}health-check-options.test.ts`, 'method, status and followRedirects decide what a probe accepts'),
  'services.loadBalancer.healthCheck.mode': p('test/integration/proxy/grpc.test.ts', 'healthCheck.mode grpc: a NOT_SERVING server is taken out (503) and comes back once SERVING'),
  'services.loadBalancer.passiveHealthCheck.failureWindow': p(`${SVC}balancer-strategies.test.ts`, 'and back after failureWindow'),
  'services.loadBalancer.passiveHealthCheck.maxFailedAttempts': p(`${SVC}balancer-strategies.test.ts`, 'passiveHealthCheck: a server failing maxFailedAttempts times is taken out'),
  'services.loadBalancer.sticky.cookie.name': p('test/unit/services/sticky-cookie.test.ts', 'explicit cookie names are sanitized like Go'),
  'services.loadBalancer.strategy': p(`${SVC}balancer-strategies.test.ts`, 'p2c: under concurrency the slow server gets fewer requests'),
  'services.weighted.services[].name': p('test/integration/proxy/load-balancing.test.ts', 'a weighted service 3:1 over two loadBalancer services (canary) splits 6 and 2 of 8'),
  'services.weighted.services[].weight': p('test/integration/proxy/load-balancing.test.ts', 'a weighted service 3:1 over two loadBalancer services (canary) splits 6 and 2 of 8'),
  'services.mirroring.service': p(`${SVC}mirroring.test.ts`, 'percent 50 mirrors exactly every other request'),
  'services.mirroring.mirrors[].name': p(`${SVC}mirroring.test.ts`, 'percent 50 mirrors exactly every other request'),
  'services.mirroring.mirrors[].percent': p(`${SVC}mirroring.test.ts`, 'percent 50 mirrors exactly every other request'),
  'services.mirroring.mirrorBody': p(`${SVC}mirroring.test.ts`, 'mirrorBody false: mirrors get the method and headers with an empty body'),
  'services.mirroring.maxBodySize': p(`${SVC}mirroring.test.ts`, 'over maxBodySize the main request still gets all of it'),
  'services.failover.service': p(`${SVC}failover.test.ts`, 'failover serves the fallback while the main service'),
  'services.failover.fallback': p(`${SVC}failover.test.ts`, 'failover serves the fallback while the main service'),
  'services.failover.errors.status': p(`${SVC}failover-errors.test.ts`, 'failover.errors: an answer in status goes to the fallback'),
  'services.failover.errors.maxRequestBodyBytes': p(`${SVC}failover-errors.test.ts`, 'a larger body is refused with 413 before the main service sees it'),
  'services.highestRandomWeight.services[].name': p(`${SVC}highest-random-weight.test.ts`, 'each client IP goes to the child service Traefik would pick (names as written, weights)'),
  'services.highestRandomWeight.services[].weight': p(`${SVC}highest-random-weight.test.ts`, 'a child of weight 0 is never picked'),
  'middlewares.chain.middlewares': p(`${MW}add-prefix.test.ts`, 'chain{middlewares: [a, b]} runs a then b'),
  'middlewares.encodedCharacters.allowEncodedBackSlash': p(`${UMW}encoded-characters.test.ts`, 'allowEncodedBackSlash lets %5C through'),
  'middlewares.encodedCharacters.allowEncodedNullCharacter': p(`${UMW}encoded-characters.test.ts`, 'allowEncodedNullCharacter lets %00 through'),
  'middlewares.encodedCharacters.allowEncodedSemicolon': p(`${UMW}encoded-characters.test.ts`, 'allowEncodedSemicolon lets %3B through'),
  'middlewares.encodedCharacters.allowEncodedPercent': p(`${UMW}encoded-characters.test.ts`, 'allowEncodedPercent lets %25 through'),
  'middlewares.encodedCharacters.allowEncodedQuestionMark': p(`${UMW}encoded-characters.test.ts`, 'allowEncodedQuestionMark lets %3F through'),
  'middlewares.encodedCharacters.allowEncodedHash': p(`${UMW}encoded-characters.test.ts`, 'allowEncodedHash lets %23 through'),
  'middlewares.headers.sslTemporaryRedirect': p(`${UMW}headers.test.ts`, 'headers: deprecated options are accepted and do nothing'),
  'middlewares.headers.sslForceHost': p(`${UMW}headers.test.ts`, 'headers: deprecated options are accepted and do nothing'),
  'middlewares.inFlightReq.sourceCriterion.ipStrategy.depth': p(`${MW}in-flight-req.test.ts`, 'ipStrategy.depth 2 counts by "b" of "a, b, c"'),
  'middlewares.inFlightReq.sourceCriterion.ipStrategy.excludedIPs': p(`${MW}in-flight-req.test.ts`, 'ipStrategy.excludedIPs counts by the rightmost address not excluded'),
  'middlewares.inFlightReq.sourceCriterion.ipStrategy.ipv6Subnet': p(`${MW}in-flight-req.test.ts`, 'ipStrategy.ipv6Subnet 64 counts by the /64'),
  'middlewares.inFlightReq.sourceCriterion.requestHost': p(`${MW}in-flight-req.test.ts`, 'inFlightReq sourceCriterion.requestHost: true counts by Host with its port'),
  'middlewares.ipAllowList.rejectStatusCode': p(`${MW}ip-allow-list.test.ts`, 'rejectStatusCode 404'),
  'middlewares.ipWhiteList.sourceRange': p(`${MW}ip-allow-list.test.ts`, 'ipWhiteList alias refuses with 403'),
  'middlewares.ipWhiteList.ipStrategy.depth': p(`${MW}ip-allow-list.test.ts`, 'ipWhiteList ipStrategy.depth 2 takes the second address from the right'),
  'middlewares.ipWhiteList.ipStrategy.excludedIPs': p(`${MW}ip-allow-list.test.ts`, 'ipWhiteList ipStrategy.excludedIPs skips the listed proxies'),
  'middlewares.ipWhiteList.ipStrategy.ipv6Subnet': p(`${MW}ip-allow-list.test.ts`, 'ipWhiteList ipStrategy.ipv6Subnet 64 checks the first address of the /64'),
  'middlewares.rateLimit.sourceCriterion.ipStrategy.depth': p(`${MW}rate-limit.test.ts`, 'ipStrategy.depth 2 keys on "b" of "a, b, c"'),
  'middlewares.rateLimit.sourceCriterion.ipStrategy.excludedIPs': p(`${MW}rate-limit.test.ts`, 'ipStrategy.excludedIPs keys on the rightmost address not excluded'),
  'middlewares.rateLimit.sourceCriterion.ipStrategy.ipv6Subnet': p(`${MW}rate-limit.test.ts`, 'ipStrategy.ipv6Subnet 64 keys on the /64'),
  'middlewares.redirectScheme.scheme': p(`${MW}redirect-regex.test.ts`, 'redirectScheme scheme and port: Location takes both'),
  'middlewares.redirectScheme.port': p(`${MW}redirect-regex.test.ts`, 'redirectScheme scheme and port: Location takes both'),
  'services.loadBalancer.servers[].preservePath': p('test/integration/proxy/forwarding.test.ts', 'servers[].preservePath: the server URL'),
  'services.loadBalancer.healthCheck.scheme': p(`${SVC}health-check-options.test.ts`, 'scheme and port: the probe goes to the port and over the scheme asked for'),
  'services.loadBalancer.healthCheck.port': p(`${SVC}health-check-options.test.ts`, 'scheme and port: the probe goes to the port and over the scheme asked for'),
  'services.loadBalancer.healthCheck.hostname': p(`${SVC}health-check-options.test.ts`, 'hostname and headers: the probe carries the Host and the headers asked for'),
  'services.loadBalancer.healthCheck.headers': p(`${SVC}health-check-options.test.ts`, 'hostname and headers: the probe carries the Host and the headers asked for'),
  'services.loadBalancer.healthCheck.timeout': p(`${SVC}health-check-options.test.ts`, 'timeout: a probe answered later than `timeout` marks the server DOWN'),
  'services.loadBalancer.sticky.cookie.secure': p(`${SVC}sticky-and-health.test.ts`, 'loadBalancer sticky.cookie secure, httpOnly, sameSite, maxAge, path and domain make the Set-Cookie attributes'),
  'services.loadBalancer.sticky.cookie.httpOnly': p(`${SVC}sticky-and-health.test.ts`, 'loadBalancer sticky.cookie secure, httpOnly, sameSite, maxAge, path and domain make the Set-Cookie attributes'),
  'services.loadBalancer.sticky.cookie.sameSite': p(`${SVC}sticky-and-health.test.ts`, 'loadBalancer sticky.cookie secure, httpOnly, sameSite, maxAge, path and domain make the Set-Cookie attributes'),
  'services.loadBalancer.sticky.cookie.maxAge': p(`${SVC}sticky-and-health.test.ts`, 'loadBalancer sticky.cookie secure, httpOnly, sameSite, maxAge, path and domain make the Set-Cookie attributes'),
  'services.loadBalancer.sticky.cookie.path': p(`${SVC}sticky-and-health.test.ts`, 'loadBalancer sticky.cookie secure, httpOnly, sameSite, maxAge, path and domain make the Set-Cookie attributes'),
  'services.loadBalancer.sticky.cookie.domain': p(`${SVC}sticky-and-health.test.ts`, 'loadBalancer sticky.cookie secure, httpOnly, sameSite, maxAge, path and domain make the Set-Cookie attributes'),
  'services.weighted.sticky.cookie.name': p(`${SVC}sticky-and-health.test.ts`, 'weighted sticky.cookie name, secure, httpOnly, sameSite, maxAge, path and domain make the Set-Cookie'),
  'services.weighted.sticky.cookie.secure': p(`${SVC}sticky-and-health.test.ts`, 'weighted sticky.cookie name, secure, httpOnly, sameSite, maxAge, path and domain make the Set-Cookie'),
  'services.weighted.sticky.cookie.httpOnly': p(`${SVC}sticky-and-health.test.ts`, 'weighted sticky.cookie name, secure, httpOnly, sameSite, maxAge, path and domain make the Set-Cookie'),
  'services.weighted.sticky.cookie.sameSite': p(`${SVC}sticky-and-health.test.ts`, 'weighted sticky.cookie name, secure, httpOnly, sameSite, maxAge, path and domain make the Set-Cookie'),
  'services.weighted.sticky.cookie.maxAge': p(`${SVC}sticky-and-health.test.ts`, 'weighted sticky.cookie name, secure, httpOnly, sameSite, maxAge, path and domain make the Set-Cookie'),
  'services.weighted.sticky.cookie.path': p(`${SVC}sticky-and-health.test.ts`, 'weighted sticky.cookie name, secure, httpOnly, sameSite, maxAge, path and domain make the Set-Cookie'),
  'services.middlewares': p(`${SVC}service-middlewares.test.ts`, 'service middlewares: a basicAuth on the service guards it from every router that sends requests to it'),
  'routers.parentRefs': p('test/integration/proxy/multi-layer-routing.test.ts', 'headers choose the child router'),
  'services.weighted.sticky.cookie.domain': p(`${SVC}sticky-and-health.test.ts`, 'weighted sticky.cookie name, secure, httpOnly, sameSite, maxAge, path and domain make the Set-Cookie'),
  'serversTransports.serverName': p(`${PX}upstream-tls.test.ts`, 'trusted through rootCAs (+ serverName)'),
  'serversTransports.rootCAs': p(`${PX}upstream-tls.test.ts`, 'trusted through rootCAs (+ serverName)'),
  'serversTransports.insecureSkipVerify': p(`${PX}upstream-tls.test.ts`, 'or not checked with insecureSkipVerify'),
  'serversTransports.certificates[].certFile': p(`${PX}servers-transport-client-certificate.test.ts`, 'the backend that requires a client certificate gets the first one listed'),
  'serversTransports.certificates[].keyFile': p(`${PX}servers-transport-client-certificate.test.ts`, 'the backend that requires a client certificate gets the first one listed'),
  'serversTransports.maxIdleConnsPerHost': p(`${PX}upstream-http1.test.ts`, 'maxIdleConnsPerHost caps the kept connections as Go does'),
  'serversTransports.maxConnsPerHost': p(`${PX}upstream-http1.test.ts`, 'serversTransport.maxConnsPerHost bounds the connections to one server'),
  'serversTransports.forwardingTimeouts.responseHeaderTimeout': p(`${PX}forwarding.test.ts`, 'responseHeaderTimeout exceeded answers 504 Gateway Timeout'),
  'serversTransports.forwardingTimeouts.readIdleTimeout': p(`${PX}h2-upstreams.test.ts`, 'readIdleTimeout and pingTimeout: a connection whose server stops answering is PINGed, then closed'),
  'serversTransports.forwardingTimeouts.pingTimeout': p(`${PX}h2-upstreams.test.ts`, 'readIdleTimeout and pingTimeout: a connection whose server stops answering is PINGed, then closed'),
  'serversTransports.disableHTTP2': p(`${PX}h2-upstreams.test.ts`, 'disableHTTP2 on the serversTransport keeps them on HTTP/1.1'),
  'serversTransports.peerCertURI': p(`${PX}h2-upstreams.test.ts`, 'peerCertURI: the server certificate must carry that URI among its SANs'),
  'serversTransports.minVersion': p(`${PX}servers-transport-tls-versions.test.ts`, 'serversTransports minVersion, maxVersion and cipherSuites: what pe-edge offers decides'),
  'serversTransports.maxVersion': p(`${PX}servers-transport-tls-versions.test.ts`, 'serversTransports minVersion, maxVersion and cipherSuites: what pe-edge offers decides'),
  'serversTransports.cipherSuites': p(`${PX}servers-transport-tls-versions.test.ts`, 'serversTransports minVersion, maxVersion and cipherSuites: what pe-edge offers decides'),
  'tcp.routers.rule': p(TCP, 'TLS termination routes by SNI to two plain TCP backends'),
  'tcp.routers.ruleSyntax': p(TCP_OPT, 'ruleSyntax v2: HostSNI with two domains routes both (v3 refuses the rule)'),
  'tcp.routers.entryPoints': p(TCP, 'HostSNI(`*`) on a dedicated entrypoint'),
  'tcp.routers.middlewares': p(TCP, 'ipAllowList closes a connection from outside its sourceRange'),
  'tcp.routers.service': p(TCP, 'HostSNI(`*`) on a dedicated entrypoint'),
  'tcp.routers.priority': p(TCP_OPT, 'priority: of two HostSNI(`*`) routers the one with the higher priority serves'),
  'tcp.routers.tls.passthrough': p(TCP, 'TLS passthrough: the client sees the backend'),
  'tcp.routers.tls.certResolver': p('test/integration/acme/automatic-https.test.ts', 'a TCP router with tls.certResolver: its HostSNI gets a trusted certificate'),
  'tcp.routers.tls.domains[].main': p('test/unit/certificates/domain-requests.test.ts', 'tls.domains win over its rule'),
  'tcp.routers.tls.domains[].sans': p('test/unit/certificates/domain-requests.test.ts', 'tls.domains win over its rule'),
  'tcp.routers.tls.options': p(TCP_OPT, 'tls.options on a terminating TCP router: minVersion VersionTLS13 refuses a TLS 1.2 client'),
  'tcp.services.loadBalancer.servers[].address': p(TCP, 'HostSNI(`*`) on a dedicated entrypoint'),
  'tcp.services.loadBalancer.servers[].tls': p(TCP_OPT, 'rootCAs and serverName verify a tls: true server'),
  'tcp.services.loadBalancer.serversTransport': p(TCP, 'terminationDelay: after the client half-closes'),
  'tcp.services.loadBalancer.proxyProtocol.version': p(TCP_OPT, 'deprecated loadBalancer.terminationDelay and proxyProtocol apply when no serversTransport is named'),
  'tcp.services.loadBalancer.terminationDelay': p(TCP_OPT, 'deprecated loadBalancer.terminationDelay and proxyProtocol apply when no serversTransport is named'),
  'tcp.services.loadBalancer.healthCheck.port': p(TCP_HC, 'port: the probe goes to the health port, not the traffic port'),
  'tcp.services.loadBalancer.healthCheck.send': p(TCP_HC, 'send and expect: a server answering the wrong payload is DOWN'),
  'tcp.services.loadBalancer.healthCheck.expect': p(TCP_HC, 'send and expect: a server answering the wrong payload is DOWN'),
  'tcp.services.loadBalancer.healthCheck.interval': p(TCP_HC, 'interval: a server that stops answering right is found DOWN at the next probe'),
  'tcp.services.loadBalancer.healthCheck.unhealthyInterval': p(TCP_HC, 'once it answers right it is UP and served again (unhealthyInterval)'),
  'tcp.services.loadBalancer.healthCheck.timeout': p(TCP_HC, 'timeout: a health port that accepts and stays silent is DOWN after `timeout`'),
  'tcp.services.weighted.services[].name': p(TCP_OPT, 'weighted services: weights 3 and 1 share eight connections 6 and 2'),
  'tcp.services.weighted.services[].weight': p(TCP_OPT, 'weighted services: weights 3 and 1 share eight connections 6 and 2'),
  'tcp.middlewares.inFlightConn.amount': p(TCP, 'inFlightConn: a client over `amount` open connections is closed'),
  'tcp.middlewares.ipAllowList.sourceRange': p(TCP, 'ipAllowList closes a connection from outside its sourceRange'),
  'tcp.middlewares.ipWhiteList.sourceRange': p(TCP_OPT, 'ipWhiteList (the deprecated name of ipAllowList) closes a connection from outside its sourceRange'),
  'tcp.serversTransports.dialTimeout': p(TCP_OPT, 'dialTimeout: a server that never completes the handshake closes the client after dialTimeout'),
  'tcp.serversTransports.dialKeepAlive': p(TCP_OPT, 'dialKeepAlive: the connection to the server carries TCP keep-alive probes'),
  'tcp.serversTransports.proxyProtocol.version': p(TCP, 'serversTransport proxyProtocol: the server reads a PROXY header'),
  'tcp.serversTransports.terminationDelay': p(TCP, 'terminationDelay: after the client half-closes'),
  'tcp.serversTransports.tls.serverName': p(TCP_OPT, 'rootCAs without serverName: verified against 127.0.0.1, refused'),
  'tcp.serversTransports.tls.insecureSkipVerify': p(TCP_HC, 'a tls: true server is probed over TLS with its serversTransport: UP when the transport trusts it'),
  'tcp.serversTransports.tls.rootCAs': p(TCP_OPT, 'serverName without rootCAs: untrusted, refused'),
  'tcp.serversTransports.tls.certificates[].certFile': p(TCP_OPT, 'certificates: the client certificate is offered'),
  'tcp.serversTransports.tls.certificates[].keyFile': p(TCP_OPT, 'certificates: the client certificate is offered'),
  'tcp.serversTransports.tls.peerCertURI': p(TCP_OPT, 'peerCertURI not among the SANs'),
  'udp.routers.entryPoints': p('test/integration/api/udp-api.test.ts', 'a TCP entrypoint does not exist for a UDP router; no entryPoints means every UDP one'),
  'udp.routers.service': p(UDP, 'UDP echo through pe-edge, balanced over two backends'),
  'udp.services.loadBalancer.servers[].address': p(UDP, 'UDP echo through pe-edge, balanced over two backends'),
  'udp.services.weighted.services[].name': p(UDP, 'weighted services: weights 3 and 1 over nested load balancers share eight sessions'),
  'udp.services.weighted.services[].weight': p(UDP, 'weighted services: weights 3 and 1 over nested load balancers share eight sessions'),
};

/** Implemented leaves no test proves yet (each reported as a todo). Prove one, then move it to PROOFS. */
const NO_PROOF_YET: readonly string[] = [
  'serversTransports.forwardingTimeouts.dialTimeout', 'serversTransports.forwardingTimeouts.idleConnTimeout',
  // Deprecated in Traefik's ClientTLS and without effect there (client authentication is the server's choice): parsed, unused.
  'middlewares.rateLimit.redis.tls.caOptional',
];

/**
 * TCP and UDP leaves (issue 13), read by the TCP proxy (proxy/tcp/) and the UDP proxy (proxy/udp/), less those warned
 * about as not implemented (serversTransports tls.spiffe). The label
 * decoding of every one of them is proven apart by test/unit/labels-spec/labels/decode-tcp-udp.test.ts.
 */
function tcpUdpLeaves(): string[] {
  const out: string[] = [];
  const walk = (prefix: string, schema: z.ZodTypeAny): void => void leaves(nodeOf(schema), prefix, out);
  walk('tcp.routers', tcpRouterSchema);
  for (const [type, schema] of Object.entries(tcpServiceRegistry)) walk(`tcp.services.${type}`, schema);
  for (const [type, schema] of Object.entries(tcpMiddlewareRegistry)) walk(`tcp.middlewares.${type}`, schema);
  walk('tcp.serversTransports', tcpServersTransportSchema);
  walk('udp.routers', udpRouterSchema);
  for (const [type, schema] of Object.entries(udpServiceRegistry)) walk(`udp.services.${type}`, schema);
  return out.filter((leaf) => !warnedTcpNotImplemented(leaf));
}

/** `{a: {b: 'set'}}` for the keys `a.b[].c` below a section's item: set down to the first list. */
function setAt(keys: readonly string[]): Record<string, unknown> {
  const [first = '', ...rest] = keys;
  if (first.endsWith('[]') || rest.length === 0) return { [first.replace('[]', '')]: 'set' };
  return { [first]: setAt(rest) };
}

/** A TCP serversTransport leaf warned about as not implemented when set (labels-spec/dynamic/unimplemented-options.ts). */
function warnedTcpNotImplemented(leaf: string): boolean {
  const parts = leaf.split('.');
  const item = setAt(parts.slice(2));
  if (leaf.startsWith('tcp.serversTransports.')) return tcpServersTransportOptionsNotImplemented(item as unknown as TcpServersTransport, [], 'probe').length > 0;
  return false;
}

/** Leaves below `prefix`: objects, lists of objects and maps of objects are walked; anything else is a leaf. */
function leaves(node: LabelNode, prefix: string, out: string[]): string[] {
  if (node.kind === 'object') for (const [key, field] of Object.entries(node.fields)) leaves(field.node, `${prefix}.${key}`, out);
  else if (node.kind === 'list' && node.item.kind === 'object') leaves(node.item, `${prefix}[]`, out);
  else if (node.kind === 'map' && node.value.kind === 'object') leaves(node.value, `${prefix}.<name>`, out);
  else out.push(prefix);
  return out;
}

/** An option (`middlewares.<type>.<key>…`, nested ones too) warned about as not implemented when set (labels-spec/dynamic/unimplemented-options.ts). */
function warnedNotImplemented(leaf: string): boolean {
  return middlewareOptionsNotImplemented(setAt(leaf.split('.').slice(1)) as unknown as Middleware, [], 'probe').length > 0;
}

/** A service option warned about as not implemented when set (none since failover.errors, v3.7, is). */
function warnedServiceNotImplemented(type: string, key: string): boolean {
  return serviceOptionsNotImplemented({ [type]: { [key]: 'set' } } as unknown as Service, [], 'probe').length > 0;
}

/** The implemented leaves: middleware types the runtime builds (chain included), every service type, http.serversTransports. */
function implementedLeaves(): string[] {
  const out: string[] = [...tcpUdpLeaves()];
  for (const [type, schema] of Object.entries(middlewareRegistry)) {
    // Other types disable their routers with "not implemented yet" (proxy/runtime/build.ts).
    if (type !== 'chain' && middlewareFactory(type) === undefined) continue;
    for (const leaf of leaves(nodeOf(schema as z.ZodTypeAny), `middlewares.${type}`, [])) if (!warnedNotImplemented(leaf)) out.push(leaf);
  }
  // Keys a service has beside its type (v3.7 middlewares).
  leaves(nodeOf(serviceCommon), 'services', out);
  // Of the router's keys, the later-v3 ones proven here (multi-layer routing); the others predate this list.
  const router = nodeOf(routerSchema);
  for (const key of ['parentRefs']) if (router.kind === 'object' && router.fields[key] !== undefined) out.push(`routers.${key}`);
  for (const [type, schema] of Object.entries(serviceRegistry)) {
    for (const leaf of leaves(nodeOf(schema as z.ZodTypeAny), `services.${type}`, [])) {
      const key = leaf.split('.')[2]?.replace('[]', '') ?? '';
      if (!warnedServiceNotImplemented(type, key)) out.push(leaf);
    }
  }
  for (const leaf of leaves(nodeOf(serversTransportSchema), 'serversTransports', [])) {
    const key = leaf.split('.')[1]?.replace('[]', '') ?? '';
    if (serversTransportOptionsNotImplemented({ [key]: 'set' } as unknown as ServersTransport, [], 'probe').length === 0) out.push(leaf);
  }
  return out;
}

const LEAVES = implementedLeaves();

test('every implemented schema leaf has a proof or is listed as not proven yet', () => {
  const pending = [...NO_PROOF_YET];
  const missing = LEAVES.filter((l) => PROOFS[l] === undefined && !pending.includes(l));
  assert.deepEqual(missing, [], `schema leaves the runtime should read, with no proof: ${missing.join(', ')}`);
  const both = pending.filter((l) => PROOFS[l] !== undefined);
  assert.deepEqual(both, [], 'proven leaves still listed in NO_PROOF_YET');
});

test('no proof or pending entry names a leaf the schemas do not have (or that is warned as not implemented)', () => {
  const stale = [...Object.keys(PROOFS), ...NO_PROOF_YET].filter((l) => !LEAVES.includes(l));
  assert.deepEqual(stale, []);
});

test('each proof names a test file that holds the evidence and spells the option', () => {
  const root = repoRoot();
  const wrong: string[] = [];
  for (const [leaf, proof] of Object.entries(PROOFS)) {
    const path = join(root, proof.file);
    const source = existsSync(path) ? readFileSync(path, 'utf8') : '';
    const key = (leaf.split('.').at(-1) as string).replace('[]', '');
    if (!source.includes(proof.evidence)) wrong.push(`${leaf}: "${proof.evidence}" not in ${proof.file}`);
    else if (!source.includes(key)) wrong.push(`${leaf}: ${proof.file} never spells "${key}"`);
  }
  assert.deepEqual(wrong, []);
});

test('buffering.retryExpression is refused by the runtime (the router is disabled, never silently ignored)', () => {
  const factory = middlewareFactory('buffering');
  assert.ok(factory !== undefined);
  assert.throws(() => factory({ retryExpression: 'IsNetworkError() && Attempts() < 2' }, () => undefined, undefined as never), /retryExpression is not implemented yet/);
});

for (const leaf of NO_PROOF_YET) test(`not proven yet: ${leaf}`, { todo: 'no test shows the runtime reading it' }, () => {});
