// Generates labels-spec/LABELS.md from the label tree (itself derived from the zod schemas), so
// the reference cannot drift from what the decoder accepts. Pure: returns the markdown.
import { decodeLabels } from '../labels/decode.js';
import { formatScalar } from '../labels/format-value.js';
import { labelTree, serverNode, tcpServerNode, udpServerNode, type Field, type LabelNode, type ScalarType } from '../labels/label-tree.js';

interface Row {
  label: string;
  type: string;
  default: string;
  example: string;
  notes: string;
}

// Examples for well-known fields; others get one derived from the type.
const EXAMPLES: Readonly<Record<string, string>> = {
  rule: 'Host(`example.com`)',
  entrypoints: 'web,websecure',
  middlewares: 'auth@file,compress',
  service: 'app',
  certresolver: 'letsencrypt',
  options: 'modern@file',
  main: 'example.com',
  sans: 'www.example.com,api.example.com',
  path: '/health',
  hostname: 'app.internal',
  serverstransport: 'insecure@file',
  users: 'admin:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/',
  address: 'http://auth:9000/verify',
  sourcerange: '10.0.0.0/8,192.168.0.0/16',
  prefixes: '/api,/admin',
  prefix: '/api',
  regex: '^/old/(.*)',
  replacement: '/new/$1',
  scheme: 'https',
  expression: 'NetworkErrorRatio() > 0.30',
  status: '500-599',
  query: '/{status}.html',
  url: 'http://10.0.0.5:8080',
  resolver: 'letsencrypt',
  name: 'session',
  samesite: 'lax',
};

// Examples that differ by protocol, by full label.
const LABEL_EXAMPLES: Readonly<Record<string, string>> = {
  'traefik.tcp.routers.<router>.rule': 'HostSNI(`db.example.com`)',
  'traefik.tcp.routers.<router>.entrypoints': 'postgres',
  'traefik.tcp.routers.<router>.middlewares': 'office-only,max-conns',
  'traefik.tcp.routers.<router>.service': 'db',
  'traefik.tcp.services.<service>.loadbalancer.server.port': '5432',
  'traefik.tcp.services.<service>.loadbalancer.terminationdelay': '100',
  'traefik.tcp.services.<service>.loadbalancer.healthcheck.send': 'PING',
  'traefik.tcp.services.<service>.loadbalancer.healthcheck.expect': 'PONG',
  'traefik.tcp.middlewares.<middleware>.inflightconn.amount': '10',
  'traefik.udp.routers.<router>.entrypoints': 'dns',
  'traefik.udp.routers.<router>.service': 'dns',
  'traefik.udp.services.<service>.loadbalancer.server.port': '53',
};

const TYPE_EXAMPLES: Readonly<Record<ScalarType, string>> = {
  string: 'foobar',
  integer: '42',
  number: '1.5',
  boolean: 'true',
  duration: '10s',
  enum: '',
};

function typeOf(node: LabelNode): string {
  if (node.kind === 'scalar') return node.type === 'enum' ? `enum: ${(node.values ?? []).join(', ')}` : node.type;
  if (node.kind === 'list') return `list of ${typeOf(node.item)} (comma-separated)`;
  if (node.kind === 'loose') return 'any (not validated)';
  return node.kind;
}

function scalarType(node: LabelNode): ScalarType {
  if (node.kind === 'scalar') return node.type;
  return node.kind === 'list' ? scalarType(node.item) : 'string';
}

function formatDefault(field: Field | undefined): string {
  if (field === undefined || field.default === undefined) return '';
  const type = scalarType(field.node);
  if (Array.isArray(field.default)) return field.default.map((v) => formatScalar(type, v)).join(',');
  const value = formatScalar(type, field.default);
  return value === '' ? '""' : value;
}

// Where labels differ from the file provider, or the default comes from elsewhere.
const NOTES: Readonly<Record<string, string>> = {
  'traefik.http.routers.<router>.rule': 'Required in files; by label, default: providers.docker.defaultRule',
  'traefik.http.routers.<router>.service': 'Default: the container\'s service when it declares exactly one',
  'traefik.http.routers.<router>.entrypoints': 'Default: the default entry points',
  'traefik.http.services.<service>.middlewares': 'Traefik v3.7: run after the router\'s middlewares, for every router (or weighted, mirroring, failover parent) that reaches the service',
  'traefik.tcp.routers.<router>.rule': 'Required: Traefik has no default rule for TCP routers (a router without one is dropped, with a warning); `` HostSNI(`*`) `` for plain TCP',
  'traefik.tcp.routers.<router>.service': 'Default: the container\'s TCP service when it declares exactly one (else the automatic one)',
  'traefik.tcp.routers.<router>.entrypoints': 'Default: the default entry points (those with asDefault, else all TCP ones but `traefik`)',
  'traefik.tcp.routers.<router>.tls': '`true` terminates TLS with the default options; passthrough routes on the SNI without terminating',
  'traefik.tcp.services.<service>.loadbalancer.proxyprotocol': 'Deprecated in Traefik v3 (still honoured): a TCP serversTransport\'s proxyProtocol',
  'traefik.tcp.services.<service>.loadbalancer.terminationdelay': 'Milliseconds; deprecated in Traefik v3 (still honoured): a TCP serversTransport\'s terminationDelay',
  'traefik.udp.routers.<router>.service': 'Default: the container\'s UDP service when it declares exactly one (else the automatic one)',
  'traefik.udp.routers.<router>.entrypoints': 'Default: every UDP entry point',
};

const SERVER_NODES: readonly LabelNode[] = [serverNode, tcpServerNode, udpServerNode];

function exampleFor(leaf: string, node: LabelNode, field: Field | undefined, label = ''): string {
  const byLabel = LABEL_EXAMPLES[label];
  if (byLabel !== undefined) return byLabel;
  const known = EXAMPLES[leaf.toLowerCase()];
  if (known !== undefined && ['string', 'enum'].includes(scalarType(node))) return known;
  if (node.kind === 'scalar' && node.type === 'enum') return node.values?.[0] ?? '';
  if (node.kind === 'list') return [1, 2].map(() => exampleFor(leaf, node.item, undefined)).join(',');
  const type = scalarType(node);
  if (field?.default !== undefined && type !== 'boolean' && formatDefault(field) !== '""') return formatDefault(field);
  return TYPE_EXAMPLES[type] === '' ? 'foobar' : TYPE_EXAMPLES[type];
}

/** `=true` is a valid label for this section (it has no required field and no cross-field rule against `{}`). */
function enablesEmpty(label: string): boolean {
  return decodeLabels({ [label]: 'true' }).issues.every((i) => i.severity !== 'error');
}

function rows(key: string, node: LabelNode, field: Field | undefined, out: Row[]): void {
  const leaf = key.slice(key.lastIndexOf('.') + 1).replace(/\[0\]$/, '');
  const required = field?.required === true ? 'Required' : '';
  const notes = NOTES[key] ?? field?.description ?? required;
  switch (node.kind) {
    case 'scalar':
      out.push({ label: key, type: typeOf(node), default: formatDefault(field), example: exampleFor(leaf, node, field, key), notes });
      return;
    case 'loose':
      out.push({ label: `${key}.<option>`, type: typeOf(node), default: '', example: 'foobar', notes: 'Options belong to the plugin' });
      return;
    case 'list':
      if (node.item.kind === 'object') rows(`${key}[0]`, node.item, undefined, out);
      else out.push({ label: key, type: typeOf(node), default: formatDefault(field), example: exampleFor(leaf, node, field, key), notes });
      return;
    case 'map':
      if (node.value.kind === 'scalar') {
        out.push({ label: `${key}.${node.placeholder}`, type: `map of ${typeOf(node.value)}`, default: '', example: exampleFor(leaf, node.value, undefined), notes: notes || 'the key is kept as written' });
      } else rows(`${key}.${node.placeholder}`, node.value, undefined, out);
      return;
    case 'oneOf':
      for (const [name, child] of Object.entries(node.fields ?? {})) rows(`${key}.${name.toLowerCase()}`, child.node, child, out);
      for (const [type, child] of Object.entries(node.types)) rows(`${key}.${type.toLowerCase()}`, child, undefined, out);
      return;
    case 'object': {
      const probe = key.replace(/<[a-z]+>/g, 'x').replace(/\[0\]/g, '[0]');
      if (!SERVER_NODES.includes(node) && !key.endsWith('>') && enablesEmpty(probe)) {
        out.push({ label: key, type: 'section', default: '', example: 'true', notes: notes || '`true` enables it with defaults; `false` leaves it out' });
      }
      for (const [name, child] of Object.entries(node.fields)) rows(`${key}.${name.toLowerCase()}`, child.node, child, out);
    }
  }
}

function code(text: string): string {
  if (text === '') return '';
  const escaped = text.replace(/\|/g, '\\|');
  return escaped.includes('`') ? `\`\` ${escaped} \`\`` : `\`${escaped}\``;
}

function table(list: readonly Row[]): string {
  const lines = ['| label | type | default | example | notes |', '| --- | --- | --- | --- | --- |'];
  for (const r of list) lines.push(`| ${code(r.label)} | ${r.type.replace(/\|/g, '\\|')} | ${code(r.default)} | ${code(r.example)} | ${r.notes.replace(/\|/g, '\\|')} |`);
  return lines.join('\n');
}

function childNode(node: LabelNode, ...path: string[]): LabelNode {
  let current = node;
  for (const key of path) {
    if (current.kind === 'object') current = current.fields[key]?.node ?? current;
    else if (current.kind === 'map') current = current.value;
    else if (current.kind === 'oneOf') current = current.types[key] ?? current;
  }
  return current;
}

const PROVIDER_ROWS: readonly Row[] = [
  { label: 'traefik.enable', type: 'boolean', default: '', example: 'true', notes: 'Overrides providers.docker.exposedByDefault for this container' },
  { label: 'traefik.docker.network', type: 'string', default: '', example: 'proxy', notes: 'Network whose address is used to reach the container (overrides providers.docker.network)' },
  { label: 'traefik.docker.allownonrunning', type: 'boolean', default: 'false', example: 'true', notes: 'Traefik v3.6: a stopped, paused or unhealthy container keeps its routers and service, with no server (503 instead of 404)' },
  { label: 'traefik.docker.lbswarm', type: 'boolean', default: 'false', example: 'true', notes: 'Ignored by the Docker provider (warning); the Swarm provider reads it as traefik.swarm.lbswarm, deprecated' },
  { label: 'traefik.swarm.network', type: 'string', default: '', example: 'pe_backend', notes: 'Swarm provider (labels under deploy.labels): network whose task or virtual IP is used (overrides providers.swarm.network; a stack\'s short name works too)' },
  { label: 'traefik.swarm.lbswarm', type: 'boolean', default: 'false', example: 'true', notes: 'Swarm provider: true routes to the service\'s virtual IP (Swarm balances), false to every running task\'s IP (pe-edge balances)' },
];

const HEADER = `# Docker labels

<!-- Generated by labels-spec/reference/generate-labels-doc.ts from the zod schemas; do not edit. -->

**pe-edge labels are Traefik v3 labels.** Every label below is spelled, parsed and defaulted as
Traefik v3's Docker provider does it, so a labelled \`docker-compose.yml\` that works with Traefik
works with pe-edge unchanged, and the other way round. The difference: a typo is an error that names
the label and suggests the closest valid key (\`label "traefik.http.routers.web.rulle": unknown key;
did you mean "rule"?\`), and only the item it concerns is left out.

Grammar, as in Traefik:
- The root is lower-case \`traefik\`; every segment after it matches case-insensitively. Names
  (\`<router>\`, \`<service>\`, \`<middleware>\`) and map keys (header names) keep their case.
- Lists are comma-separated (\`entrypoints=web, websecure\`), each item trimmed as Go's \`strings.TrimSpace\` trims
  (U+0085 trimmed, a byte order mark kept); lists of sections are indexed (\`tls.domains[0].main\`).
- \`=true\` on a section enables it with its defaults (\`tls=true\`, \`compress=true\`); \`=false\` leaves it out.
- Servers cannot be listed by label: \`loadbalancer.server.*\` describes the one server each container adds.
  \`server.port=""\` means unset (the lowest exposed port); \`server.url\` replaces the container address and
  cannot be combined with \`server.port\` or \`server.scheme\` (an error, as in Traefik).
- Only \`traefik.http\`, \`.tcp\`, \`.udp\`, \`.tls\`, \`.enable\` and \`.docker\` are read. Other labels under \`traefik.\`
  (\`traefik.domain\`, kept for a \`defaultRule\` template or a constraint) are ignored, as Traefik does, with a
  warning naming them; a typo inside a root (\`traefik.http.routers.web.rulle\`) is an error.
- Durations are Go durations (\`100ms\`, \`1m30s\`) or a number of seconds.
- In compose files write \`$$\` for a literal \`$\` (compose interpolation), e.g. in basicauth users.
- Without router labels a container gets a router named after its service with the rule
  \`\` Host(\`{{ normalize .Name }}\`) \`\` (compose project \`demo\`, service \`whoami\` ⇒ \`\` Host(\`whoami-demo\`) \`\`).
`;

const TCP_UDP_TEXT = `\`traefik.tcp.*\` and \`traefik.udp.*\` labels decode as Traefik's Docker provider decodes them, into the same
TCP and UDP configuration a dynamic.yml gives (checked the same way: a typo is an error with a suggestion):
- A container with a TCP (or UDP) router or service gets a TCP (UDP) service named after it when it declares none, and
  each of its TCP (UDP) services gets the container as its one server: \`<container address>:<port>\`, the port from
  \`loadbalancer.server.port\`, else the lowest exposed port (\`loadbalancer.server.tls=true\` dials it over TLS).
- A router without \`service\` takes the container's only service of its protocol; with several it is dropped, with a warning.
- A TCP router needs a \`rule\`: Traefik has no default rule for TCP (one without is dropped, with a warning). UDP routers have no rule.
- A container with TCP or UDP routers or services and no \`traefik.http.*\` label gets no HTTP router or service.
- Weighted services and serversTransports cannot be set by label (Traefik: file provider only).
- Which TCP and UDP features the proxy serves is in the README (Compatibility with Traefik).`;

/** The full LABELS.md text. */
export function generateLabelsDoc(): string {
  const sections: string[] = [HEADER, '## Provider keys\n', table(PROVIDER_ROWS), ''];
  const add = (title: string, list: Row[]): void => {
    sections.push(`## ${title}\n`, table(list), '');
  };
  const routers: Row[] = [];
  rows('traefik.http.routers.<router>', childNode(labelTree, 'http', 'routers', '<router>'), undefined, routers);
  add('Routers', routers);
  const services: Row[] = [];
  rows('traefik.http.services.<service>', childNode(labelTree, 'http', 'services', '<service>'), undefined, services);
  add('Services', services);
  const middlewares = (protocol: 'http' | 'tcp', title: string): void => {
    const node = childNode(labelTree, protocol, 'middlewares', '<middleware>');
    if (node.kind !== 'oneOf') return;
    sections.push(`## ${title}\n`, `A middleware has exactly one type: \`traefik.${protocol}.middlewares.<middleware>.<type>.<option>\`.\n`);
    for (const [type, child] of Object.entries(node.types)) {
      const list: Row[] = [];
      rows(`traefik.${protocol}.middlewares.<middleware>.${type.toLowerCase()}`, child, undefined, list);
      sections.push(`### ${type}\n`, table(list), '');
    }
  };
  middlewares('http', 'Middlewares');
  const stores: Row[] = [];
  rows('traefik.tls.stores.default', childNode(labelTree, 'tls', 'stores', 'default'), undefined, stores);
  add('TLS store', stores);
  sections.push('## TCP and UDP\n', TCP_UDP_TEXT, '');
  for (const protocol of ['tcp', 'udp'] as const) {
    const name = protocol.toUpperCase();
    for (const [kind, placeholder] of [['routers', '<router>'], ['services', '<service>']] as const) {
      const list: Row[] = [];
      rows(`traefik.${protocol}.${kind}.${placeholder}`, childNode(labelTree, protocol, kind, placeholder), undefined, list);
      add(`${name} ${kind}`, list);
    }
    if (protocol === 'tcp') middlewares('tcp', 'TCP middlewares');
  }
  return `${sections.join('\n').trimEnd()}\n`;
}
