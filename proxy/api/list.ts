import type { RawItem } from './rawdata.js';

/** An API list item: the raw item plus its name. */
export type NamedItem = RawItem & { name: string };

type Kind = 'routers' | 'services' | 'middlewares';

const SORT_KEYS: Record<Kind, readonly string[]> = {
  routers: ['name', 'provider', 'priority', 'status', 'rule', 'service', 'entryPoints'],
  services: ['name', 'type', 'servers', 'provider', 'status'],
  middlewares: ['name', 'type', 'provider', 'status'],
};

export type Page = { items: NamedItem[]; nextPage: number } | { error: string };

/** Traefik's list query: search, status, serviceName, middlewareName, sortBy, direction, page, per_page. */
export function listPage(kind: Kind, items: NamedItem[], query: URLSearchParams): Page {
  const search = (query.get('search') ?? '').toLowerCase();
  const status = (query.get('status') ?? '').toLowerCase();
  const serviceName = query.get('serviceName') ?? '';
  const middlewareName = query.get('middlewareName') ?? '';
  let out = items.filter((item) => {
    if (status !== '' && item.status.toLowerCase() !== status) return false;
    if (search !== '') {
      const rule = kind === 'routers' && typeof item.rule === 'string' ? item.rule.toLowerCase() : '';
      if (!item.name.toLowerCase().includes(search) && !rule.includes(search)) return false;
    }
    if (kind === 'routers' && serviceName !== '' && !sameName(item.service, serviceName, item.provider)) return false;
    if (kind === 'routers' && middlewareName !== '') {
      const mws = Array.isArray(item.middlewares) ? (item.middlewares as unknown[]) : [];
      if (!mws.some((m) => sameName(m, middlewareName, item.provider))) return false;
    }
    return true;
  });
  const sortBy = SORT_KEYS[kind].includes(query.get('sortBy') ?? '') ? (query.get('sortBy') as string) : 'name';
  const sign = (query.get('direction') ?? '').toLowerCase() === 'desc' ? -1 : 1;
  out = out.sort((a, b) => sign * (compare(sortKey(a, sortBy), sortKey(b, sortBy)) || compare(a.name, b.name)));

  const pageRaw = query.get('page') ?? '1';
  const perPageRaw = query.get('per_page') ?? '100';
  const page = Number(pageRaw);
  const perPage = Number(perPageRaw);
  const start = (page - 1) * perPage;
  if (!/^\d+$/.test(pageRaw) || !/^\d+$/.test(perPageRaw) || page <= 0 || perPage <= 0 || (start >= out.length && start !== 0)) {
    return { error: `invalid request: page: ${pageRaw}, per_page: ${perPageRaw}` };
  }
  const end = Math.min(start + perPage, out.length);
  return { items: out.slice(start, end), nextPage: end < out.length ? page + 1 : 1 };
}

/** A reference as written (`svc`) or qualified (`svc@file`). */
function sameName(ref: unknown, wanted: string, provider: string): boolean {
  if (typeof ref !== 'string') return false;
  return ref === wanted || (!ref.includes('@') && `${ref}@${provider}` === wanted);
}

function sortKey(item: NamedItem, key: string): string | number {
  if (key === 'servers') {
    const lb = item.loadBalancer as { servers?: unknown[] } | undefined;
    return lb?.servers?.length ?? 0;
  }
  const value = item[key];
  if (typeof value === 'number') return value;
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'string' ? value : '';
}

function compare(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}
