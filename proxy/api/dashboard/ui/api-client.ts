// The page's reads of pe-edge's API: relative URLs, so the page works behind a stripPrefix.

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return (await res.json()) as T;
}

/** Every item of one of Traefik's paged lists (`/api/tcp/routers`…), following `X-Next-Page` (1 on the last page). */
export async function getAllPages<T>(path: string): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; ;) {
    const url = `${path}?per_page=500&page=${page}`;
    const res = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    out.push(...((await res.json()) as T[]));
    const next = Number(res.headers.get('x-next-page') ?? '1');
    if (!(next > page)) return out;
    page = next;
  }
}
