import type { CheckReport, RawItem } from './check-report.js';

/** The human form of a check report: what would be routed, then every problem, then a verdict. */
export function printReport(r: CheckReport): string {
  const lines: string[] = [];
  const section = (title: string, items: Record<string, RawItem>, describe: (name: string, item: RawItem) => string): void => {
    const names = Object.keys(items).sort();
    lines.push(`${title} (${names.length})`);
    for (const name of names) {
      const item = items[name] as RawItem;
      lines.push(`  ${mark(item.status)} ${describe(name, item)}`);
      for (const e of item.error ?? []) lines.push(`      ${item.status === 'disabled' ? 'error' : 'warning'}: ${e}`);
    }
  };
  section('Routers', r.routers, (name, item) => `${name}  ${String(item.rule ?? '')} -> ${String(item.service ?? '')}`);
  section('Services', r.services, (name, item) => {
    const lb = item.loadBalancer as { servers?: { url: string }[] } | undefined;
    return lb?.servers !== undefined ? `${name}  ${lb.servers.map((s) => s.url).join(', ') || '(no servers)'}` : name;
  });
  section('Middlewares', r.middlewares, (name, item) => `${name}  ${middlewareType(item)}`);
  // TCP and UDP sections only when the configuration has such items (as Traefik's rawdata omits them).
  const optional = (title: string, items: Record<string, RawItem> | undefined, describe: (name: string, item: RawItem) => string): void => {
    if (items !== undefined) section(title, items, describe);
  };
  optional('TCP routers', r.tcpRouters, (name, item) => `${name}  ${String(item.rule ?? '')} -> ${String(item.service ?? '')}${item.tls == null ? '' : (item.tls as { passthrough?: boolean }).passthrough === true ? ' (TLS passthrough)' : ' (TLS)'}`);
  optional('TCP services', r.tcpServices, (name, item) => describeServers(name, item));
  optional('TCP middlewares', r.tcpMiddlewares, (name, item) => `${name}  ${middlewareType(item)}`);
  optional('UDP routers', r.udpRouters, (name, item) => `${name}  ${(item.using as string[] | undefined)?.join(',') ?? ''} -> ${String(item.service ?? '')}`);
  optional('UDP services', r.udpServices, (name, item) => describeServers(name, item));
  if (r.containers.length > 0) {
    lines.push(`Containers (${r.containers.length})`);
    for (const c of r.containers) {
      lines.push(`  ${c.status === 'routed' ? 'ok  ' : 'SKIP'} ${c.name}${c.reason !== undefined ? `: ${c.reason}` : ''}`);
      for (const e of c.errors) lines.push(`      error: ${e}`);
      for (const w of c.warnings) lines.push(`      warning: ${w}`);
    }
  }
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  for (const e of r.errors) lines.push(`error: ${e}`);
  return lines.join('\n') + '\n';
}

function describeServers(name: string, item: RawItem): string {
  const lb = item.loadBalancer as { servers?: { address: string }[] } | undefined;
  return lb?.servers !== undefined ? `${name}  ${lb.servers.map((s) => s.address).join(', ') || '(no servers)'}` : name;
}

/** The type as configured (`rateLimit`), not the API's lowercased `type` field, which sits beside it. */
function middlewareType(item: RawItem): string {
  const types = Object.keys(item).filter((k) => !RAW_FIELDS.has(k) && item[k] !== undefined);
  if (types.length > 0) return types.join(' + ');
  return typeof item.type === 'string' && item.type !== '' ? item.type : '(no type)';
}

const RAW_FIELDS = new Set(['status', 'provider', 'error', 'usedBy', 'type', 'using']);

function mark(status: RawItem['status']): string {
  return status === 'enabled' ? 'ok  ' : status === 'warning' ? 'WARN' : 'FAIL';
}
