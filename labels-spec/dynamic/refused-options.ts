// Keys of later Traefik v3 lines that pe-edge knows but cannot ignore safely: serving the item without them could
// let a request reach what they guard (a service's middlewares, a child router's parents). The item is left out
// with an error naming the key, never "unknown key", and never served as if the key were absent.
import { dottedPath, type ConfigIssue, type IssuePath as Path } from '../issues.js';
import { isPlainObject } from '../schema/strict-object.js';

type Item = NonNullable<ConfigIssue['item']>;

function refused(path: Path, item: Item, text: string): ConfigIssue {
  return { severity: 'error', code: 'PE_NOT_IMPLEMENTED', path, message: `${dottedPath(path)}: ${text}`, item };
}

/** The key of `raw` spelled `key` in any case (Traefik's file and label keys are case-insensitive). */
function keyOf(raw: Record<string, unknown>, key: string): string | undefined {
  return Object.keys(raw).find((k) => k.toLowerCase() === key.toLowerCase());
}

const SERVICE_KEYS: Readonly<Record<string, string>> = {
  middlewares: 'service middlewares (Traefik v3.7) are not implemented yet in pe-edge; the service is left out rather than served without them: put the middlewares on its routers',
};

export function refusedServiceOptions(raw: unknown, path: Path, name: string): ConfigIssue[] {
  if (!isPlainObject(raw)) return [];
  const out: ConfigIssue[] = [];
  for (const [key, text] of Object.entries(SERVICE_KEYS)) {
    const spelled = keyOf(raw, key);
    if (spelled !== undefined) out.push(refused([...path, spelled], { kind: 'service', name }, text));
  }
  return out;
}

export function refusedRouterOptions(raw: unknown, path: Path, name: string): ConfigIssue[] {
  if (!isPlainObject(raw)) return [];
  const spelled = keyOf(raw, 'parentRefs');
  if (spelled === undefined) return [];
  return [refused([...path, spelled], { kind: 'router', name },
    'parentRefs (multi-layer routing, Traefik v3.6) is not implemented yet in pe-edge; the router is left out rather than served without its parents\' middlewares')];
}
