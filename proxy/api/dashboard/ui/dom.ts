// The page's DOM building blocks: elements from text nodes only (never innerHTML), so names and errors from
// configuration cannot inject markup.

export type Child = Node | string | null | undefined | false;

export type Status = 'enabled' | 'warning' | 'disabled';

export function h(tag: string, attrs: Record<string, string> = {}, ...children: (Child | Child[])[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') el.className = v;
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

export function byId(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} missing`);
  return el;
}

export function badge(text: string): HTMLElement {
  return h('span', { class: `badge ${text}` }, text);
}

export function errorList(errors: readonly string[] | undefined): HTMLElement | null {
  if (errors === undefined || errors.length === 0) return null;
  return h('ul', { class: 'errors' }, errors.map((e) => h('li', {}, e)));
}

export function table(headers: string[], rows: HTMLElement[], empty: string): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  return h('table', {}, h('thead', {}, h('tr', {}, headers.map((t) => h('th', {}, t)))), h('tbody', {}, rows));
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One server of a load balancer: its state when it has one, its address or URL, the container it came from. */
export function serverItem(server: string, state: string | undefined, container: string | undefined): HTMLElement {
  return h('li', { 'data-server': server, ...(state !== undefined ? { 'data-state': state } : {}) },
    state !== undefined ? badge(state) : null, state !== undefined ? ' ' : null, h('code', {}, server),
    container !== undefined ? h('span', { class: 'muted' }, ` container ${container}`) : null);
}

/** The children of a service over other services (weighted and the rest), each with its part. */
export function childList(children: readonly [string, string][]): Node {
  if (children.length === 0) return h('span', { class: 'muted' }, '—');
  return h('ul', { class: 'servers' }, ...children.map(([name, part]) =>
    h('li', { 'data-child': name }, h('code', {}, name), h('span', { class: 'muted' }, ` ${part}`))));
}
