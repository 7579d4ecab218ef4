// The label grammar as a tree derived from the zod schemas, so the decoder, the encoder and the
// generated LABELS.md all read one source of truth (style anchor 18).
import { z } from 'zod';
import { duration } from '../duration.js';
import { middlewareRegistry } from '../dynamic/middlewares/registry.js';
import { routerSchema } from '../dynamic/routers.js';
import { serviceCommon } from '../dynamic/services/index.js';
import { loadBalancer } from '../dynamic/services/load-balancer.js';
import { tlsDomain } from '../dynamic/router-tls.js';
import { tcpLoadBalancer, tcpMiddlewareRegistry, tcpRouterSchema, udpRouterSchema } from '../dynamic/tcp/index.js';
import { udpLoadBalancer } from '../dynamic/tcp/udp.js';
import { looseObject } from '../schema/strict-object.js';
import { str } from '../schema/scalars.js';

export type ScalarType = 'string' | 'integer' | 'number' | 'boolean' | 'duration' | 'enum';

export interface Field {
  node: LabelNode;
  /** Output value when the key is absent (already through the schema's transforms). */
  default?: unknown;
  required: boolean;
  description?: string;
}

export type LabelNode =
  | { kind: 'scalar'; type: ScalarType; values?: readonly string[] }
  /** Scalar items: one comma-separated value. Object items: `key[0].field`. */
  | { kind: 'list'; item: LabelNode }
  | {
      kind: 'object';
      fields: Readonly<Record<string, Field>>;
      /** Keys YAML accepts but labels cannot set, with the reason shown to the user. */
      excluded?: Readonly<Record<string, string>>;
    }
  /** User-chosen keys (names, header names), kept as written. */
  | { kind: 'map'; placeholder: string; value: LabelNode }
  /** Exactly one of several types (`middlewares.<name>.<type>`), and `fields` beside the type (a service's `middlewares`). */
  | { kind: 'oneOf'; what: string; types: Readonly<Record<string, LabelNode>>; fields?: Readonly<Record<string, Field>>; excluded?: Readonly<Record<string, string>> }
  /** Not modelled (plugin options): any path, values kept as strings. */
  | { kind: 'loose' };

function fieldOf(schema: z.ZodTypeAny): Field {
  const probe = schema.safeParse(undefined);
  const field: Field = { node: nodeOf(schema), required: !probe.success };
  if (probe.success && probe.data !== undefined) field.default = probe.data;
  if (schema.description !== undefined) field.description = schema.description;
  return field;
}

/** Unwraps our zod building blocks (preprocess, default, pipe, ...) down to the label shape. */
export function nodeOf(schema: z.ZodTypeAny): LabelNode {
  if (schema === duration) return { kind: 'scalar', type: 'duration' };
  if (schema === looseObject) return { kind: 'loose' };
  if (schema instanceof z.ZodEffects) return nodeOf(schema.innerType() as z.ZodTypeAny);
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return nodeOf(schema.unwrap() as z.ZodTypeAny);
  if (schema instanceof z.ZodDefault) return nodeOf(schema.removeDefault() as z.ZodTypeAny);
  if (schema instanceof z.ZodPipeline) return nodeOf(schema._def.in as z.ZodTypeAny);
  if (schema instanceof z.ZodString) return { kind: 'scalar', type: 'string' };
  if (schema instanceof z.ZodBoolean) return { kind: 'scalar', type: 'boolean' };
  if (schema instanceof z.ZodNumber) return { kind: 'scalar', type: schema.isInt ? 'integer' : 'number' };
  if (schema instanceof z.ZodEnum) return { kind: 'scalar', type: 'enum', values: schema.options as string[] };
  if (schema instanceof z.ZodArray) return { kind: 'list', item: nodeOf(schema.element as z.ZodTypeAny) };
  if (schema instanceof z.ZodRecord) {
    const value = nodeOf(schema.valueSchema as z.ZodTypeAny);
    return { kind: 'map', placeholder: value.kind === 'scalar' ? '<key>' : '<name>', value };
  }
  if (schema instanceof z.ZodObject) {
    const shape = schema.shape as Record<string, z.ZodTypeAny>;
    return { kind: 'object', fields: Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, fieldOf(v)])) };
  }
  throw new Error(`label-tree: unsupported zod type ${schema.constructor.name}`);
}

const middlewaresNode: LabelNode = {
  kind: 'oneOf',
  what: 'middleware',
  types: Object.fromEntries(Object.entries(middlewareRegistry).map(([type, schema]) => [type, nodeOf(schema as z.ZodTypeAny)])),
};

/** The one server a container adds to a service; label-only (Traefik `loadbalancer.server.*`). */
export const serverNode: LabelNode = {
  kind: 'object',
  fields: {
    port: { node: { kind: 'scalar', type: 'integer' }, required: false, description: 'Container port (1-65535); default: the lowest exposed port' },
    scheme: { node: { kind: 'scalar', type: 'enum', values: ['http', 'https', 'h2c'] }, required: false, default: 'http', description: 'Scheme of the server URL' },
    weight: { node: { kind: 'scalar', type: 'integer' }, required: false, default: 1, description: 'WRR weight of this container; <= 0 never selected' },
    url: { node: { kind: 'scalar', type: 'string' }, required: false, description: 'Full server URL instead of the container address, without port or scheme (Traefik v3.4)' },
    preservePath: { node: { kind: 'scalar', type: 'boolean' }, required: false, default: false, description: 'Join the url\'s path in front of the request path (Traefik v3.4)' },
  },
};

function withServer(lb: LabelNode): LabelNode {
  if (lb.kind !== 'object') throw new Error('label-tree: loadBalancer is not an object');
  const { servers: _servers, ...fields } = lb.fields;
  return {
    kind: 'object',
    fields: { ...fields, server: { node: serverNode, required: false } },
    excluded: { servers: 'servers cannot be set by label; use loadbalancer.server.port, .scheme, .weight or .url' },
  };
}

function fieldsOf(node: LabelNode): Readonly<Record<string, Field>> {
  if (node.kind !== 'object') throw new Error('label-tree: expected an object');
  return node.fields;
}

const servicesNode: LabelNode = {
  kind: 'oneOf',
  what: 'service',
  types: { loadBalancer: withServer(nodeOf(loadBalancer)) },
  fields: fieldsOf(nodeOf(serviceCommon)),
  excluded: Object.fromEntries(
    ['weighted', 'mirroring', 'failover', 'highestRandomWeight'].map((t) => [t, `${t} services cannot be set by label (Traefik: file provider only); define them in dynamic.yml`]),
  ),
};

/** Routers by label: Traefik's `parentRefs` is `label:"-"` (multi-layer routing is for the file provider). */
function routerNode(): LabelNode {
  const node = nodeOf(routerSchema);
  if (node.kind !== 'object') throw new Error('label-tree: a router is not an object');
  const { parentRefs: _parentRefs, ...fields } = node.fields;
  return {
    kind: 'object',
    fields,
    excluded: { parentRefs: 'parentRefs cannot be set by label (Traefik: multi-layer routing is for the file provider); define the child router in dynamic.yml' },
  };
}

const port: Field = { node: { kind: 'scalar', type: 'integer' }, required: false, description: 'Container port (1-65535); default: the lowest exposed port' };

/** The one server a container adds to a TCP service (Traefik `loadbalancer.server.port`, `.tls`). */
export const tcpServerNode: LabelNode = {
  kind: 'object',
  fields: { port, tls: { node: { kind: 'scalar', type: 'boolean' }, required: false, default: false, description: 'Connect to the container over TLS' } },
  excluded: { address: 'the address comes from the container; set loadbalancer.server.port' },
};

/** The one server a container adds to a UDP service (Traefik `loadbalancer.server.port`). */
export const udpServerNode: LabelNode = {
  kind: 'object',
  fields: { port },
  excluded: { address: 'the address comes from the container; set loadbalancer.server.port' },
};

/** TCP and UDP services by label: a loadBalancer with the container as its server; weighted is file-only (Traefik's `label:"-"`). */
function tcpUdpServicesNode(protocol: 'TCP' | 'UDP', server: LabelNode, lb: LabelNode): LabelNode {
  if (lb.kind !== 'object') throw new Error('label-tree: loadBalancer is not an object');
  const { servers: _servers, ...fields } = lb.fields;
  return {
    kind: 'oneOf',
    what: `${protocol} service`,
    types: {
      loadBalancer: {
        kind: 'object',
        fields: { ...fields, server: { node: server, required: false } },
        excluded: { servers: `servers cannot be set by label; use loadbalancer.server.port${protocol === 'TCP' ? ' or .tls' : ''}` },
      },
    },
    excluded: { weighted: `weighted ${protocol} services cannot be set by label (Traefik: file provider only); define them in dynamic.yml` },
  };
}

const tcpMiddlewaresNode: LabelNode = {
  kind: 'oneOf',
  what: 'TCP middleware',
  types: Object.fromEntries(Object.entries(tcpMiddlewareRegistry).map(([type, schema]) => [type, nodeOf(schema as z.ZodTypeAny)])),
};

const tlsStoreNode: LabelNode = {
  kind: 'object',
  fields: {
    defaultGeneratedCert: {
      node: { kind: 'object', fields: { resolver: fieldOf(str), domain: { node: nodeOf(tlsDomain), required: false } } },
      required: false,
    },
  },
  excluded: { defaultCertificate: 'defaultCertificate cannot be set by label; use the file provider (tls.stores.default.defaultCertificate)' },
};

function object(fields: Record<string, LabelNode>): LabelNode {
  return { kind: 'object', fields: Object.fromEntries(Object.entries(fields).map(([k, node]) => [k, { node, required: false }])) };
}

/** Everything below `traefik.` that decodes into dynamic configuration. */
export const labelTree: LabelNode = object({
  http: {
    kind: 'object',
    fields: {
      routers: { node: { kind: 'map', placeholder: '<router>', value: routerNode() }, required: false },
      services: { node: { kind: 'map', placeholder: '<service>', value: servicesNode }, required: false },
      middlewares: { node: { kind: 'map', placeholder: '<middleware>', value: middlewaresNode }, required: false },
    },
    excluded: { serversTransports: 'serversTransports cannot be defined by label; define them in dynamic.yml and reference them (e.g. serverstransport=name@file)' },
  },
  tcp: {
    kind: 'object',
    fields: {
      routers: { node: { kind: 'map', placeholder: '<router>', value: nodeOf(tcpRouterSchema) }, required: false },
      services: { node: { kind: 'map', placeholder: '<service>', value: tcpUdpServicesNode('TCP', tcpServerNode, nodeOf(tcpLoadBalancer)) }, required: false },
      middlewares: { node: { kind: 'map', placeholder: '<middleware>', value: tcpMiddlewaresNode }, required: false },
    },
    excluded: { serversTransports: 'TCP serversTransports cannot be defined by label (Traefik: file provider only); define them in dynamic.yml and reference them (e.g. serverstransport=name@file)' },
  },
  udp: {
    kind: 'object',
    fields: {
      routers: { node: { kind: 'map', placeholder: '<router>', value: nodeOf(udpRouterSchema) }, required: false },
      services: { node: { kind: 'map', placeholder: '<service>', value: tcpUdpServicesNode('UDP', udpServerNode, nodeOf(udpLoadBalancer)) }, required: false },
    },
  },
  tls: {
    kind: 'object',
    fields: { stores: { node: object({ default: tlsStoreNode }), required: false } },
    excluded: {
      options: 'TLS options cannot be defined by label; define them in dynamic.yml and reference them with tls.options=name@file',
      certificates: 'certificates cannot be set by label; use the file provider (tls.certificates)',
    },
  },
});
