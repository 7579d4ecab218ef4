// DynamicConfig -> Traefik-style labels (lower-case keys, comma-joined lists), for compose
// generation. decodeLabels(encodeLabels(x)) gives x back; values equal to a default are left out.
import { isDeepStrictEqual } from 'node:util';
import type { HttpConfig, TlsConfig } from '../dynamic/config.js';
import { isPlainObject } from '../schema/strict-object.js';
import { formatScalar } from './format-value.js';
import { labelTree, type LabelNode } from './label-tree.js';
import type { ServerLabels } from './server-labels.js';

/** What labels can carry: routers, services (loadBalancer), middlewares, the default TLS store. */
export interface EncodableConfig {
  http?: Partial<HttpConfig>;
  tls?: Partial<TlsConfig>;
}

/** Thrown for configuration that has no label form (servers[], weighted services, TLS options...). */
export class LabelEncodeError extends Error {
  readonly code = 'PE_LABEL_ENCODE';
  constructor(readonly label: string, reason: string) {
    super(`cannot encode ${label} as a label: ${reason}`);
    this.name = 'LabelEncodeError';
  }
}

type Out = Record<string, string>;

function encodeNode(key: string, node: LabelNode, value: unknown, out: Out): void {
  switch (node.kind) {
    case 'scalar':
      out[key] = formatScalar(node.type, value);
      return;
    case 'loose':
      if (!isPlainObject(value)) out[key] = String(value);
      else for (const [k, v] of Object.entries(value)) encodeNode(`${key}.${k}`, node, v, out);
      return;
    case 'list': {
      if (!Array.isArray(value)) throw new LabelEncodeError(key, 'expected a list');
      if (node.item.kind === 'object') {
        value.forEach((item, i) => encodeSection(`${key}[${i}]`, node.item, item, out));
        return;
      }
      const items = value.map((v) => formatScalar(node.item.kind === 'scalar' ? node.item.type : 'string', v));
      if (items.some((v) => v.includes(','))) throw new LabelEncodeError(key, 'a list item contains a comma');
      out[key] = items.join(',');
      return;
    }
    case 'map': {
      if (!isPlainObject(value)) throw new LabelEncodeError(key, 'expected a map');
      if (Object.keys(value).length === 0) throw new LabelEncodeError(key, 'an empty map has no label form');
      for (const [k, v] of Object.entries(value)) {
        if (k.includes('.') || k === '') throw new LabelEncodeError(`${key}.${k}`, 'the key is empty or contains a dot');
        encodeNode(`${key}.${k}`, node.value, v, out);
      }
      return;
    }
    case 'oneOf': {
      const fields = node.fields ?? {};
      const keys = isPlainObject(value) ? Object.keys(value) : [];
      for (const k of keys) {
        const field = fields[k];
        if (field !== undefined && isPlainObject(value)) encodeNode(`${key}.${k.toLowerCase()}`, field.node, value[k], out);
      }
      const [type, ...more] = keys.filter((k) => fields[k] === undefined);
      const typeNode = type === undefined ? undefined : node.types[type];
      if (type === undefined || more.length > 0 || typeNode === undefined || !isPlainObject(value)) {
        throw new LabelEncodeError(key, `expected exactly one ${node.what} type of ${Object.keys(node.types).join(', ')}`);
      }
      encodeSection(`${key}.${type.toLowerCase()}`, typeNode, value[type], out);
      return;
    }
    case 'object':
      encodeSection(key, node, value, out);
  }
}

/** An object's non-default fields; `key=true` when all are defaults, so the section still exists. */
function encodeSection(key: string, node: LabelNode, value: unknown, out: Out, extra: Out = {}): void {
  if (node.kind !== 'object') return encodeNode(key, node, value, out);
  if (!isPlainObject(value)) throw new LabelEncodeError(key, 'expected a section');
  const before = Object.keys(out).length;
  for (const [name, v] of Object.entries(value)) {
    const field = node.fields[name];
    if (field === undefined) {
      const empty = v === undefined || (Array.isArray(v) && v.length === 0);
      if (!empty) throw new LabelEncodeError(`${key}.${name.toLowerCase()}`, node.excluded?.[name] ?? 'not a label key');
      continue;
    }
    if (v === undefined || (field.default !== undefined && isDeepStrictEqual(v, field.default))) continue;
    encodeNode(`${key}.${name.toLowerCase()}`, field.node, v, out);
  }
  Object.assign(out, extra);
  if (Object.keys(out).length === before) out[key] = 'true';
}

function serverLabels(key: string, server: ServerLabels): Out {
  const out: Out = {};
  for (const [field, v] of Object.entries(server)) if (v !== undefined) out[`${key}.loadbalancer.server.${field}`] = String(v);
  return out;
}

function child(node: LabelNode, ...keys: string[]): LabelNode {
  let current = node;
  for (const k of keys) {
    const next = current.kind === 'object' ? current.fields[k]?.node : undefined;
    if (next === undefined) throw new Error(`label-tree: no ${keys.join('.')}`);
    current = next;
  }
  return current;
}

/** A router whose rule is '' takes the provider's default rule: no rule label. */
function withoutEmptyRule(item: unknown): unknown {
  if (!isPlainObject(item) || item['rule'] !== '') return item;
  const { rule: _rule, ...rest } = item;
  return rest;
}

function nonEmpty(label: string, value: unknown): void {
  const empty = value === undefined || (Array.isArray(value) ? value.length === 0 : isPlainObject(value) && Object.keys(value).length === 0);
  if (!empty) throw new LabelEncodeError(label, 'labels cannot define it; use the file provider');
}

export function encodeLabels(config: EncodableConfig, servers: Readonly<Record<string, ServerLabels>> = {}): Record<string, string> {
  const out: Out = {};
  const http = config.http ?? {};
  nonEmpty('traefik.http.serverstransports', http.serversTransports);
  nonEmpty('traefik.tls.options', config.tls?.options);
  nonEmpty('traefik.tls.certificates', config.tls?.certificates);
  for (const kind of ['routers', 'middlewares'] as const) {
    const items: Readonly<Record<string, unknown>> = http[kind] ?? {};
    const node = child(labelTree, 'http', kind);
    if (node.kind !== 'map') throw new Error(`label-tree: http.${kind} is not a map`);
    for (const [name, item] of Object.entries(items)) encodeNode(`traefik.http.${kind}.${name}`, node.value, withoutEmptyRule(item), out);
  }
  const serviceNode = child(labelTree, 'http', 'services');
  const oneOfNode = serviceNode.kind === 'map' && serviceNode.value.kind === 'oneOf' ? serviceNode.value : undefined;
  const lbNode = oneOfNode?.types['loadBalancer'];
  if (lbNode === undefined) throw new Error('label-tree: http.services has no loadBalancer');
  const serviceNames = new Set([...Object.keys(http.services ?? {}), ...Object.keys(servers)]);
  for (const name of serviceNames) {
    const key = `traefik.http.services.${name}`;
    const service = http.services?.[name] ?? { loadBalancer: {} };
    if (!('loadBalancer' in service)) throw new LabelEncodeError(key, 'only loadBalancer services have a label form (weighted, mirroring, failover and highestRandomWeight are file provider only)');
    // Keys beside the type (v3.7 `middlewares`).
    for (const [field, { node }] of Object.entries(oneOfNode?.fields ?? {})) {
      const value = (service as Record<string, unknown>)[field];
      if (value !== undefined) encodeNode(`${key}.${field.toLowerCase()}`, node, value, out);
    }
    encodeSection(`${key}.loadbalancer`, lbNode, service.loadBalancer, out, serverLabels(key, servers[name] ?? {}));
  }
  const store = config.tls?.stores?.['default'];
  for (const other of Object.keys(config.tls?.stores ?? {})) {
    if (other !== 'default') throw new LabelEncodeError(`traefik.tls.stores.${other}`, 'labels can only set the "default" TLS store');
  }
  if (store !== undefined) encodeSection('traefik.tls.stores.default', child(labelTree, 'tls', 'stores', 'default'), store, out);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
