// A stand-in for Cloudflare's v4 API (the part lego's cloudflare provider uses), strict about the
// request shapes the real API wants and answering in its envelope `{success, errors, messages, result}`.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CloudflareStandinOptions {
  /** Zone name → id. */
  zones: Record<string, string>;
  /** Accepted for DNS record edits. */
  dnsToken?: string;
  /** Accepted for zone reads only (as a token with Zone:Read). */
  zoneToken?: string;
  /** Accepted for everything. */
  apiKey?: { email: string; key: string };
}

export interface StandinRecord {
  id: string;
  zoneId: string;
  type: string;
  name: string;
  content: string;
  ttl: number;
}

export interface CloudflareStandin {
  baseUrl: string;
  records: Map<string, StandinRecord>;
  /** `METHOD path?query` of every request, in order. */
  requests: string[];
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(readonly status: number, readonly code: number, message: string) {
    super(message);
  }
}

const RECORD_FIELDS = new Set(['type', 'name', 'content', 'ttl', 'proxied', 'priority', 'comment', 'tags']);

export async function startCloudflareStandin(opts: CloudflareStandinOptions): Promise<CloudflareStandin> {
  const records = new Map<string, StandinRecord>();
  const requests: string[] = [];
  const zoneNames = new Map(Object.entries(opts.zones).map(([name, id]) => [id, name]));

  const authorize = (req: http.IncomingMessage, need: 'zone-read' | 'dns-edit'): void => {
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined) {
      if (bearer === opts.dnsToken) return;
      if (bearer === opts.zoneToken && need === 'zone-read') return;
      throw new ApiError(403, 10000, 'Authentication error');
    }
    const email = req.headers['x-auth-email'];
    const key = req.headers['x-auth-key'];
    if (opts.apiKey !== undefined && email === opts.apiKey.email && key === opts.apiKey.key) return;
    if (email !== undefined || key !== undefined) throw new ApiError(403, 9103, 'Unknown X-Auth-Key or X-Auth-Email');
    throw new ApiError(400, 10000, 'Authentication error');
  };

  const handle = (req: http.IncomingMessage, body: string): unknown => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const path = url.pathname.replace(/^\/client\/v4/, '');
    if (req.method === 'GET' && path === '/zones') {
      authorize(req, 'zone-read');
      const name = url.searchParams.get('name');
      if (name === null || name === '') throw new ApiError(400, 1001, 'zone name is required in this stand-in');
      return Object.entries(opts.zones).filter(([zone]) => zone === name).map(([zone, id]) => ({ id, name: zone, status: 'active' }));
    }
    const recordPath = /^\/zones\/([^/]+)\/dns_records(?:\/([^/]+))?$/.exec(path);
    const zoneId = recordPath?.[1];
    if (recordPath === null || zoneId === undefined) throw new ApiError(404, 7003, 'Could not route to ' + path);
    authorize(req, 'dns-edit');
    const zoneName = zoneNames.get(zoneId);
    if (zoneName === undefined) throw new ApiError(404, 7003, 'Could not route to /zones/' + zoneId);
    const recordId = recordPath[2];
    if (req.method === 'POST' && recordId === undefined) {
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) throw new ApiError(400, 6003, 'Invalid request headers');
      let fields: Record<string, unknown>;
      try {
        fields = JSON.parse(body) as Record<string, unknown>;
      } catch {
        throw new ApiError(400, 9207, 'Request body is invalid.');
      }
      const unknown = Object.keys(fields).filter((k) => !RECORD_FIELDS.has(k));
      if (unknown.length > 0) throw new ApiError(400, 9207, `Request body is invalid: unknown fields ${unknown.join(',')}`);
      const { type, name, content, ttl } = fields;
      if (type !== 'TXT') throw new ApiError(400, 9004, 'This record type is not supported by this stand-in.');
      if (typeof name !== 'string' || name.endsWith('.') || !(name === zoneName || name.endsWith(`.${zoneName}`))) {
        throw new ApiError(400, 9005, `Content for the name is invalid: ${String(name)}`);
      }
      if (typeof content !== 'string' || content === '') throw new ApiError(400, 9021, 'Invalid TXT record content.');
      if (typeof ttl !== 'number' || !(ttl === 1 || (ttl >= 60 && ttl <= 86400))) throw new ApiError(400, 9021, 'Invalid TTL.');
      const record = { id: randomBytes(16).toString('hex'), zoneId, type, name, content, ttl };
      records.set(record.id, record);
      return { ...record, zone_id: zoneId, zone_name: zoneName, proxiable: false, proxied: false };
    }
    if (req.method === 'DELETE' && recordId !== undefined) {
      const record = records.get(recordId);
      if (record === undefined || record.zoneId !== zoneId) throw new ApiError(404, 81044, 'Record does not exist.');
      records.delete(recordId);
      return { id: recordId };
    }
    throw new ApiError(405, 10405, `Method ${req.method ?? ''} not allowed`);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
      let status = 200;
      let envelope: object;
      try {
        envelope = { success: true, errors: [], messages: [], result: handle(req, Buffer.concat(chunks).toString()) };
      } catch (err) {
        const apiError = err instanceof ApiError ? err : new ApiError(500, 10001, String(err));
        status = apiError.status;
        envelope = { success: false, errors: [{ code: apiError.code, message: apiError.message }], messages: [], result: null };
      }
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(envelope));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/client/v4`,
    records,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
