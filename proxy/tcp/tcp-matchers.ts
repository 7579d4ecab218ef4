import { IpChecker } from '../middlewares/traffic/ip-checker.js';
import { compileGoRegexp } from '../rules/go-regexp.js';
import { compileTemplate } from '../rules/gorilla-template.js';
import { MatcherArgumentError } from '../rules/matcher-types.js';
import { ACME_TLS_ALPN } from '../tls/acme-challenges.js';
import type { ConnPredicate } from './conn-data.js';

/**
 * Traefik's TCP matchers (pkg/muxer/tcp matcher.go, matcher_v2.go): name -> compile(args). v3 takes one argument
 * each; v2 takes several, any of which may match.
 */
export interface TcpMatcherSpec {
  /** v3 matchers take exactly one argument. */
  readonly single: boolean;
  compile(args: readonly string[]): ConnPredicate;
}

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;
/** Go's `^(\*\.)?[[:word:]\.\-\:]+$` (v3) and `^[[:word:]\.\-\:]+$` (v2). */
const HOST_OR_IP = /^(\*\.)?[0-9A-Za-z_.\-:]+$/;
const HOST_OR_IP_V2 = /^[0-9A-Za-z_.\-:]+$/;

/** Go's DomainMatchHostExpression: `*.example.com` stands for one label before `example.com`; case-insensitive. */
export function domainMatchesHost(domain: string, hostExpr: string): boolean {
  if (hostExpr.startsWith('*')) {
    const dot = domain.indexOf('.');
    return `*${dot === -1 ? '' : domain.slice(dot)}` === hostExpr.toLowerCase();
  }
  return domain === hostExpr.toLowerCase();
}

function hostSni(arg: string): ConnPredicate {
  // HostSNI(`*`) is the catch-all of non-TLS TCP: it matches without any server name.
  if (arg === '*') return () => true;
  if (!HOST_OR_IP.test(arg)) throw new MatcherArgumentError(`invalid value for HostSNI matcher, ${JSON.stringify(arg)} is not a valid hostname`);
  const host = (arg.endsWith('.') ? arg.slice(0, -1) : arg).toLowerCase();
  return (meta) => meta.serverName !== '' && domainMatchesHost(meta.serverName, host);
}

function hostSniRegexp(arg: string): ConnPredicate {
  if (!ASCII.test(arg)) throw new MatcherArgumentError(`invalid value for HostSNIRegexp matcher, ${JSON.stringify(arg)} is not a valid hostname`);
  const re = compileGoRegexp(arg, 'HostSNIRegexp');
  return (meta) => re.test(meta.serverName);
}

function alpn(protocols: readonly string[], quote: string): ConnPredicate {
  for (const protocol of protocols) {
    if (protocol === ACME_TLS_ALPN) throw new MatcherArgumentError(`invalid protocol value for ${quote} matcher, ${JSON.stringify(protocol)} is not allowed`);
  }
  if (protocols.length === 1) {
    const only = protocols[0] as string;
    return (meta) => meta.alpn.includes(only);
  }
  return (meta) => meta.alpn.some((p) => protocols.includes(p));
}

/** Traefik's ip.Checker, as HTTP's ipAllowList uses it: an address or range, IPv4-mapped IPv6 matching its IPv4 form. */
function clientIp(specs: readonly string[]): ConnPredicate {
  let checker: IpChecker;
  try {
    checker = new IpChecker(specs, 'ClientIP');
  } catch (err) {
    throw new MatcherArgumentError(`initializing IP checker for ClientIP matcher: ${(err as Error).message}`);
  }
  return (meta) => checker.contains(meta.remoteIp);
}

function hostSniV2(args: readonly string[]): ConnPredicate {
  const hosts: string[] = [];
  for (const host of args) {
    if (host === '*') {
      hosts.push(host);
      continue;
    }
    if (!HOST_OR_IP_V2.test(host)) throw new MatcherArgumentError(`invalid value for "HostSNI" matcher, ${JSON.stringify(host)} is not a valid hostname or IP`);
    hosts.push(host.toLowerCase());
  }
  if (hosts[0] === '*') return () => true;
  return (meta) => meta.serverName !== '' && hosts.some((h) => h === '*' || h === meta.serverName || (h.endsWith('.') && h.slice(0, -1) === meta.serverName));
}

function hostSniRegexpV2(args: readonly string[]): ConnPredicate {
  const res = args.map((template) => compileTemplate(template, { defaultPattern: '[^.]+', prefix: false, caseInsensitive: true, matcher: 'HostSNIRegexp' }));
  return (meta) => res.some((re) => re.test(meta.serverName));
}

export const TCP_MATCHERS_V3: ReadonlyMap<string, TcpMatcherSpec> = new Map<string, TcpMatcherSpec>([
  ['HostSNI', { single: true, compile: ([h]) => hostSni(h as string) }],
  ['HostSNIRegexp', { single: true, compile: ([re]) => hostSniRegexp(re as string) }],
  ['ALPN', { single: true, compile: (protocols) => alpn(protocols, 'ALPN') }],
  ['ClientIP', { single: true, compile: (specs) => clientIp(specs) }],
]);

export const TCP_MATCHERS_V2: ReadonlyMap<string, TcpMatcherSpec> = new Map<string, TcpMatcherSpec>([
  ['HostSNI', { single: false, compile: hostSniV2 }],
  ['HostSNIRegexp', { single: false, compile: hostSniRegexpV2 }],
  ['ALPN', { single: false, compile: (protocols) => alpn(protocols, '"ALPN"') }],
  ['ClientIP', { single: false, compile: (specs) => clientIp(specs) }],
]);
