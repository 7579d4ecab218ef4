import { dirname, isAbsolute, resolve } from 'node:path';
import { isPlainObject } from '../../labels-spec/schema/strict-object.js';

/** A bind mount of a compose file: where `target` (inside a container) comes from on this machine. */
export interface BindMount {
  source: string;
  target: string;
}

/**
 * The bind mounts of every service (`./dynamic.yml:/etc/traefik/dynamic.yml:ro` or the long form), sources resolved
 * against the compose file's folder as compose does, so a check can read what the container would.
 */
export function composeBindMounts(compose: unknown, file: string): BindMount[] {
  const base = dirname(resolve(file));
  const services = isPlainObject(compose) && isPlainObject(compose.services) ? Object.values(compose.services) : [];
  const out: BindMount[] = [];
  for (const service of services) {
    const volumes = isPlainObject(service) && Array.isArray(service.volumes) ? service.volumes : [];
    for (const v of volumes) {
      let source: string | undefined;
      let target: string | undefined;
      if (typeof v === 'string') [source, target] = v.split(':');
      else if (isPlainObject(v) && v.type === 'bind' && typeof v.source === 'string' && typeof v.target === 'string') [source, target] = [v.source, v.target];
      // Named volumes ("letsencrypt:/letsencrypt") hold nothing this machine can read.
      if (source === undefined || target === undefined || !(source.startsWith('.') || isAbsolute(source))) continue;
      out.push({ source: resolve(base, source), target });
    }
  }
  return out;
}
