// Container labels -> the same validated DynamicConfig a dynamic.yml gives (Traefik
// `config/label`, paerser's label decoder), with every problem pointing at its label.
import { oneEditAway } from '../suggest.js';
import { validateDynamicConfig } from '../dynamic/validate.js';
import type { DynamicConfig } from '../dynamic/config.js';
import { isPlainObject } from '../schema/strict-object.js';
import { labelIssue, LabelIndex, type LabelIssue } from './label-issues.js';
import { pathKey, splitLabelKey, type Segment } from './label-key.js';
import { readProviderLabel, type LabelProvider } from './provider-labels.js';
import { packIndexes, setAt, type RawEntry } from './raw-tree.js';
import { resolveLabel, type NameBook } from './resolve-label.js';
import { parseServerValue, parseTcpServerValue, serverConflict, type ServerField, type ServerLabels, type TcpServerLabels, type UdpServerLabels } from './server-labels.js';

export type { LabelIssue } from './label-issues.js';
export type { ServerLabels, TcpServerLabels, UdpServerLabels } from './server-labels.js';

export interface LabelDecodeResult {
  /** traefik.enable when present (true/false, Go ParseBool), undefined when absent */
  enable?: boolean;
  /** traefik.docker.network (traefik.swarm.network for the Swarm provider) */
  network?: string;
  /** traefik.swarm.lbswarm (Swarm provider only) */
  lbSwarm?: boolean;
  /** traefik.docker.allownonrunning */
  allowNonRunning?: boolean;
  /** Validated per item with validateDynamicConfig; names unqualified (the provider qualifies @docker). */
  config: DynamicConfig;
  /** Per service: the label-only server fields (loadbalancer.server.*), since servers[] cannot be set by label. */
  servers: Record<string, ServerLabels>;
  /** The same for TCP services (`traefik.tcp.services.<s>.loadbalancer.server.port`, `.tls`). */
  tcpServers: Record<string, TcpServerLabels>;
  /** The same for UDP services (`traefik.udp.services.<s>.loadbalancer.server.port`). */
  udpServers: Record<string, UdpServerLabels>;
  /** Names declared by labels, valid or not (so the provider knows "this container declares services X, Y"). */
  declared: { routers: string[]; services: string[]; middlewares: string[] };
  /**
   * Routers without a rule label: their rule is `options.defaultRule`, or '' for the provider to
   * fill from its defaultRule template (Traefik adds recursion protection to these).
   */
  routersWithoutRule: string[];
  /**
   * TCP routers without a rule label come out with rule '': Traefik has no default rule for TCP, its provider
   * drops such a router ("Empty rule") after counting it as a TCP declaration (no HTTP router for the container).
   */
  tcpRoutersWithoutRule: string[];
  /** Errors and warnings; `label` is the exact label key as written, `suggestion` the closest valid spelling of the bad segment. */
  issues: LabelIssue[];
}

export interface DecodeOptions {
  /**
   * Rule for routers without a `rule` label: the provider's defaultRule evaluated for this
   * container (see defaultRuleFor). Without it such routers come out with rule ''.
   */
  defaultRule?: string;
  /** Whose labels: the Docker provider's (default) or the Swarm provider's (traefik.swarm.*). */
  provider?: LabelProvider;
}

const ROOT_KEYS = ['http', 'tcp', 'udp', 'tls', 'enable', 'docker', 'swarm'] as const;
const ITEM_SECTIONS = ['routers', 'services', 'middlewares'] as const;

/** First spelling of a user-chosen name wins; later spellings differing in case are reported. */
class Names implements NameBook {
  private readonly spelling = new Map<string, string>();
  readonly renamed: { from: string; to: string }[] = [];

  nameFor(prefix: readonly Segment[], name: string): string {
    const key = `${pathKey(prefix)}\0${name.toLowerCase()}`;
    const first = this.spelling.get(key);
    if (first === undefined) this.spelling.set(key, name);
    else if (first !== name) this.renamed.push({ from: name, to: first });
    return first ?? name;
  }
}

type Protocol = 'http' | 'tcp' | 'udp';

/** `<protocol>.services.<name>.loadBalancer.server...`: the label-only server of a service. */
function serverPathProtocol(path: readonly Segment[]): Protocol | undefined {
  const [section] = path;
  if (section !== 'http' && section !== 'tcp' && section !== 'udp') return undefined;
  return path[1] === 'services' && path[3] === 'loadBalancer' && path[4] === 'server' ? section : undefined;
}

/**
 * Traefik decodes only its own roots (http, tcp, udp, tls, enable, docker) and ignores anything else under
 * `traefik.`: users keep values there on purpose (`traefik.domain` read by a defaultRule template or a
 * constraint). So an unknown root is a warning naming the label, never a reason to leave the container out.
 */
function rootIssue(label: string, segments: readonly Segment[]): LabelIssue | undefined {
  const [root, second] = segments;
  if (typeof second !== 'string') {
    return labelIssue('warning', 'PE_UNKNOWN_KEY', label, [], `not a Traefik key (Traefik reads ${ROOT_KEYS.map((k) => `traefik.${k}`).join(', ')}); ignored`);
  }
  if (!ROOT_KEYS.some((k) => k === second.toLowerCase())) {
    const suggestion = oneEditAway(second, ROOT_KEYS);
    const hint = suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
    return labelIssue('warning', 'PE_UNKNOWN_KEY', label, [], `"${second}" is not a Traefik key; ignored, as Traefik does${hint}`, suggestion);
  }
  if (root !== 'traefik') {
    return labelIssue('error', 'PE_UNKNOWN_KEY', label, [], `invalid label root "${String(root)}"; label keys start with lower-case "traefik."`, 'traefik');
  }
  return undefined;
}

export function decodeLabels(labels: Readonly<Record<string, string>>, options: DecodeOptions = {}): LabelDecodeResult {
  const issues: LabelIssue[] = [];
  const result: LabelDecodeResult = {
    config: validateDynamicConfig({}).config,
    servers: {},
    tcpServers: {},
    udpServers: {},
    declared: { routers: [], services: [], middlewares: [] },
    routersWithoutRule: [],
    tcpRoutersWithoutRule: [],
    issues,
  };
  const names = new Names();
  const declared = { routers: new Set<string>(), services: new Set<string>(), middlewares: new Set<string>() };
  const badItems = new Set<string>();
  const seen = new Map<string, string>();
  const disabled: { path: Segment[]; label: string }[] = [];
  const entries: RawEntry[] = [];
  const serverEntries: { label: string; protocol: Protocol; service: string; field: string; value: string }[] = [];
  const index = new LabelIndex();
  const providerRoots = new Map<'docker' | 'swarm', string>();

  const fail = (issue: LabelIssue): void => {
    issues.push(issue);
    if (issue.severity === 'error' && issue.item !== undefined) badItems.add(`${issue.item.kind}\0${issue.item.name}`);
  };

  // paerser processes keys sorted, so "first wins" is well defined.
  for (const label of Object.keys(labels).sort()) {
    const value = labels[label] ?? '';
    const lower = label.toLowerCase();
    if (lower !== 'traefik' && !lower.startsWith('traefik.')) continue;
    const split = splitLabelKey(label);
    if (!split.ok) {
      fail(labelIssue('error', 'PE_INVALID_VALUE', label, [], split.reason));
      continue;
    }
    const bad = rootIssue(label, split.segments);
    if (bad !== undefined) {
      fail(bad);
      continue;
    }
    const [, second, ...rest] = split.segments as [string, string, ...Segment[]];
    const root = second.toLowerCase();
    if (root === 'enable' || root === 'docker' || root === 'swarm') {
      if (root !== 'enable') providerRoots.set(root, label);
      readProviderLabel(root, rest, label, value, result, issues, options.provider);
      continue;
    }
    const before = names.renamed.length;
    const resolved = resolveLabel([second, ...rest], value, names);
    for (const { from, to } of names.renamed.slice(before)) {
      issues.push(labelIssue('warning', 'PE_INVALID_VALUE', label, resolved.path, `name "${from}" differs only in case from "${to}" in an earlier label; using "${to}" (label keys are case-insensitive)`));
    }
    const [section, kind, name] = resolved.path;
    if (section === 'http' && typeof name === 'string' && ITEM_SECTIONS.some((k) => k === kind)) declared[kind as (typeof ITEM_SECTIONS)[number]].add(name);
    if (resolved.kind === 'error') {
      fail(labelIssue('error', resolved.code, label, resolved.path, resolved.text, resolved.suggestion));
      continue;
    }
    const key = pathKey(resolved.path);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      issues.push(labelIssue('warning', 'PE_INVALID_VALUE', label, resolved.path, `same key as label "${earlier}" (label keys are case-insensitive); ignored, "${earlier}" is used`));
      continue;
    }
    seen.set(key, label);
    if (resolved.kind === 'section' && !resolved.enabled) {
      disabled.push({ path: resolved.path, label });
      continue;
    }
    const protocol = serverPathProtocol(resolved.path);
    if (protocol !== undefined) {
      const service = String(resolved.path[2]);
      const field = resolved.path[5];
      // The service exists even when only its server is labelled.
      entries.push({ label, path: resolved.path.slice(0, 4), value: {} });
      if (typeof field === 'string') serverEntries.push({ label, protocol, service, field, value });
      else serversOf(result, protocol)[service] ??= {};
      continue;
    }
    entries.push({ label, path: resolved.path, value: resolved.kind === 'section' ? {} : value });
  }

  for (const { label, protocol, service, field, value } of serverEntries) {
    const parsed = protocol === 'http' ? parseServerValue(field as ServerField, value) : parseTcpServerValue(field as keyof TcpServerLabels, value);
    if (!parsed.ok) {
      fail(labelIssue('error', 'PE_INVALID_VALUE', label, [protocol, 'services', service, 'loadBalancer', 'server', field], parsed.text));
      continue;
    }
    const server = (serversOf(result, protocol)[service] ??= {}) as Record<string, unknown>;
    if (parsed.value !== undefined) server[field] = parsed.value;
  }
  // The url label of each HTTP service, found once: a search per service was quadratic in a container's services.
  const urlLabels = new Map<string, string>();
  for (const e of serverEntries) if (e.protocol === 'http' && e.field === 'url' && !urlLabels.has(e.service)) urlLabels.set(e.service, e.label);
  for (const [service, server] of Object.entries(result.servers)) {
    const conflict = serverConflict(server);
    const urlLabel = conflict === undefined ? undefined : urlLabels.get(service);
    if (conflict !== undefined && urlLabel !== undefined) fail(labelIssue('error', 'PE_INVALID_VALUE', urlLabel, ['http', 'services', service, 'loadBalancer', 'server', 'url'], conflict));
  }

  // Traefik's Swarm provider refuses a service with both (extractSwarmLabels).
  const dockerLabel = providerRoots.get('docker');
  if (options.provider === 'swarm' && dockerLabel !== undefined && providerRoots.has('swarm')) {
    fail(labelIssue('error', 'PE_INVALID_VALUE', dockerLabel, ['docker'], `both Docker and Swarm labels are defined (also "${providerRoots.get('swarm') ?? ''}"); use traefik.swarm.* only`));
  }

  // Each disabled section by its path, the first label kept: an entry looks up its own prefixes, where a search of
  // every disabled section per entry was quadratic (20,000 of each in one container: 19 s).
  const disabledAt = new Map<string, { index: number; label: string }>();
  disabled.forEach((d, index) => {
    const key = pathKey(d.path);
    if (!disabledAt.has(key)) disabledAt.set(key, { index, label: d.label });
  });
  const raw: Record<string, unknown> = {};
  for (const entry of packIndexes(entries)) {
    const off = disabledAt.size === 0 ? undefined : firstDisabledPrefix(disabledAt, entry.path);
    if (off !== undefined) {
      issues.push(labelIssue('warning', 'PE_INVALID_VALUE', entry.label, entry.path, `ignored: the section is disabled by label "${off.label}"`));
      continue;
    }
    if (!setAt(raw, entry.path, entry.value)) {
      fail(labelIssue('error', 'PE_INVALID_VALUE', entry.label, entry.path, 'conflicts with another label that sets a value where this label needs a section'));
      continue;
    }
    index.add(entry.path, entry.label, typeof entry.value === 'string' ? entry.value : undefined);
  }

  dropBadItems(raw, badItems, result);
  const ruleless = markRulelessRouters(raw, 'http', options.defaultRule ?? PENDING_RULE);
  const tcpRuleless = markRulelessRouters(raw, 'tcp', PENDING_TCP_RULE);

  const validated = validateDynamicConfig(raw);
  result.config = validated.config;
  for (const issue of validated.issues) issues.push(index.attach(issue));
  for (const name of ruleless) {
    const router = result.config.http.routers[name];
    if (router === undefined) continue;
    if (options.defaultRule === undefined) router.rule = '';
    result.routersWithoutRule.push(name);
  }
  for (const name of tcpRuleless) {
    const router = result.config.tcp.routers[name];
    if (router === undefined) continue;
    router.rule = '';
    result.tcpRoutersWithoutRule.push(name);
  }
  for (const protocol of ['http', 'tcp', 'udp'] as const) {
    const servers = serversOf(result, protocol);
    for (const service of Object.keys(servers)) {
      if (!Object.hasOwn(validated.config[protocol].services, service)) delete servers[service];
    }
  }

  result.declared = { routers: [...declared.routers], services: [...declared.services], middlewares: [...declared.middlewares] };
  return result;
}

/** Of the disabled sections whose path is a prefix of `path`, the one disabled first (by label order). */
function firstDisabledPrefix(disabledAt: ReadonlyMap<string, { index: number; label: string }>, path: readonly Segment[]): { label: string } | undefined {
  let first: { index: number; label: string } | undefined;
  for (let n = 1; n <= path.length; n++) {
    const found = disabledAt.get(pathKey(path.slice(0, n)));
    if (found !== undefined && (first === undefined || found.index < first.index)) first = found;
  }
  return first;
}

function sectionOf(raw: Record<string, unknown>, ...keys: string[]): Record<string, unknown> | undefined {
  let node: unknown = raw;
  for (const key of keys) node = isPlainObject(node) ? node[key] : undefined;
  return isPlainObject(node) ? node : undefined;
}

function serversOf(result: LabelDecodeResult, protocol: Protocol): Record<string, ServerLabels | TcpServerLabels | UdpServerLabels> {
  return protocol === 'http' ? result.servers : protocol === 'tcp' ? result.tcpServers : result.udpServers;
}

/** Where each item kind sits in the raw tree, and which label-only servers go with it. */
const ITEM_HOMES: Readonly<Record<string, readonly [Protocol | 'tls', string, Protocol?]>> = {
  router: ['http', 'routers'],
  service: ['http', 'services', 'http'],
  middleware: ['http', 'middlewares'],
  tcpRouter: ['tcp', 'routers'],
  tcpService: ['tcp', 'services', 'tcp'],
  tcpMiddleware: ['tcp', 'middlewares'],
  udpRouter: ['udp', 'routers'],
  udpService: ['udp', 'services', 'udp'],
  tlsStore: ['tls', 'stores'],
};

/** An item with any label error is left out, as validateDynamicConfig does for schema errors. */
function dropBadItems(raw: Record<string, unknown>, bad: ReadonlySet<string>, result: LabelDecodeResult): void {
  for (const key of bad) {
    const [kind = '', name = ''] = key.split('\0');
    const home = ITEM_HOMES[kind];
    if (home === undefined) continue;
    const [section, items, servers] = home;
    delete sectionOf(raw, section, items)?.[name];
    if (servers !== undefined) delete serversOf(result, servers)[name];
  }
}

// Validates rule-less routers with a stand-in rule, then puts back '' (or the default rule):
// Traefik fills an HTTP rule after decoding, from the provider's defaultRule template; a TCP router has none.
const PENDING_RULE = 'PathPrefix(`/`)';
const PENDING_TCP_RULE = 'HostSNI(`*`)';

function markRulelessRouters(raw: Record<string, unknown>, section: 'http' | 'tcp', rule: string): string[] {
  const routers = sectionOf(raw, section, 'routers') ?? {};
  const ruleless: string[] = [];
  for (const [name, router] of Object.entries(routers)) {
    if (!isPlainObject(router) || router['rule'] !== undefined) continue;
    router['rule'] = rule;
    ruleless.push(name);
  }
  return ruleless;
}
