// `loadbalancer.server.*`: the one server a container adds to a service. These fields exist
// only as labels (servers[] cannot be set by label), so they are read here, not by the schema.
import { parseGoBool } from '../schema/go-bool.js';
import { trimSpace } from '../schema/go-trim-space.js';

export interface ServerLabels {
  port?: number;
  scheme?: string;
  weight?: number;
  /** Traefik v3.4: a full URL instead of the container address. */
  url?: string;
  /** Traefik v3.4: the URL's path is joined in front of the request path. */
  preservePath?: boolean;
}

export type ServerField = keyof ServerLabels;

const SCHEMES = ['http', 'https', 'h2c'];

/** `value` undefined: the label is there but empty, which Traefik reads as unset (its port, scheme and url are strings). */
export type ParsedServerValue = { ok: true; value: number | string | boolean | undefined } | { ok: false; text: string };

export function parseServerValue(field: ServerField, raw: string): ParsedServerValue {
  const text = trimSpace(raw);
  if (text === '' && (field === 'port' || field === 'scheme' || field === 'url')) return { ok: true, value: undefined };
  switch (field) {
    case 'port': {
      const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
      return port >= 1 && port <= 65535 ? { ok: true, value: port } : { ok: false, text: `port must be an integer between 1 and 65535, got ${JSON.stringify(raw)}` };
    }
    case 'weight':
      return /^[+-]?\d+$/.test(text) && Number.isSafeInteger(Number(text))
        ? { ok: true, value: Number(text) }
        : { ok: false, text: `weight must be an integer, got ${JSON.stringify(raw)}` };
    case 'scheme': {
      const scheme = text.toLowerCase();
      return SCHEMES.includes(scheme) ? { ok: true, value: scheme } : { ok: false, text: `scheme must be one of ${SCHEMES.join(', ')}, got ${JSON.stringify(raw)}` };
    }
    case 'url':
      return URL.canParse(text) && SCHEMES.includes(new URL(text).protocol.slice(0, -1))
        ? { ok: true, value: text }
        : { ok: false, text: `url must be scheme://host:port with scheme ${SCHEMES.join(', ')}, got ${JSON.stringify(raw)}` };
    case 'preservePath': {
      const on = parseGoBool(text);
      return on === undefined ? { ok: false, text: `preservePath must be true or false, got ${JSON.stringify(raw)}` } : { ok: true, value: on };
    }
  }
}

/** Traefik's addServer refuses a url beside a port or scheme: the url already says both. */
export function serverConflict(server: ServerLabels): string | undefined {
  if (server.url === undefined || (server.port === undefined && server.scheme === undefined)) return undefined;
  const extra = [server.port !== undefined ? 'port' : '', server.scheme !== undefined ? 'scheme' : ''].filter((f) => f !== '').join(' and ');
  return `defining scheme or port is not allowed when URL is defined (remove loadbalancer.server.${extra === 'port and scheme' ? 'port and .scheme' : extra}, or the url)`;
}

/** `traefik.tcp.services.<s>.loadbalancer.server.*` (Traefik's TCPServer: `port`, `tls`; the address comes from the container). */
export interface TcpServerLabels {
  port?: number;
  tls?: boolean;
}

/** `traefik.udp.services.<s>.loadbalancer.server.port`. */
export interface UdpServerLabels {
  port?: number;
}

export function parseTcpServerValue(field: keyof TcpServerLabels, raw: string): ParsedServerValue {
  if (field === 'port') return parseServerValue('port', raw);
  const on = parseGoBool(trimSpace(raw));
  return on === undefined ? { ok: false, text: `tls must be true or false, got ${JSON.stringify(raw)}` } : { ok: true, value: on };
}
