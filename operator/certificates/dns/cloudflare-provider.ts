// lego's `cloudflare` provider over Cloudflare's v4 API.
// Credentials, as lego reads them: CLOUDFLARE_EMAIL|CF_API_EMAIL + CLOUDFLARE_API_KEY|CF_API_KEY
// (X-Auth-Email/X-Auth-Key), else CLOUDFLARE_DNS_API_TOKEN|CF_DNS_API_TOKEN (Bearer) with an optional
// CLOUDFLARE_ZONE_API_TOKEN|CF_ZONE_API_TOKEN used for zone lookups only.
// lego finds the zone with a DNS SOA lookup; here the API is asked instead (GET /zones?name=, from the
// record's name up one label at a time), which needs no DNS access and finds the same zone.
import { boundedText } from './bounded-body.js';
import type { DnsChallengeRecord } from './challenge-record.js';
import type { DnsProvider } from './dns-provider.js';
import { errorText } from './httpreq-provider.js';
import { envFirst, envInt, envSecondsMs, missingMessage } from './lego-env.js';

const DEFAULT_BASE_URL = 'https://api.cloudflare.com/client/v4';
const MIN_TTL = 120;

type Auth = Record<string, string>;

interface Envelope {
  success?: boolean;
  errors?: { code?: number; message?: string }[];
  result?: unknown;
}

// Zone lists and record answers are small; a larger answer is refused, not read into memory.
const ANSWER_MAX_BYTES = 1024 * 1024;

export function createCloudflareProvider(env: NodeJS.ProcessEnv): DnsProvider {
  const { edit, read } = credentials(env);
  const ttl = envInt(env, 'CLOUDFLARE_TTL', MIN_TTL);
  if (ttl < MIN_TTL) throw new Error(`cloudflare: invalid TTL, TTL (${ttl}) must be greater than ${MIN_TTL}`);
  // CLOUDFLARE_BASE_URL is pe-edge's own (tests point it at a stand-in); lego has no such variable.
  const baseUrl = (env.CLOUDFLARE_BASE_URL ?? '') !== '' ? String(env.CLOUDFLARE_BASE_URL).replace(/\/+$/, '') : DEFAULT_BASE_URL;
  const httpTimeoutMs = envSecondsMs(env, 'CLOUDFLARE_HTTP_TIMEOUT', 30);
  const zoneIds = new Map<string, string>();
  // Records this provider created, by challenge token, as lego keeps them: cleanUp deletes only those.
  const recordIds = new Map<string, { zoneId: string; id: string }>();

  const call = async (auth: Auth, method: string, path: string, body?: object): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { ...auth, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        // The API key headers go to Cloudflare's API only, never along a redirect.
        redirect: 'error',
        signal: AbortSignal.timeout(httpTimeoutMs),
      });
    } catch (err) {
      throw new Error(`${method} ${path}: ${errorText(err)}`);
    }
    const { text, cut } = await boundedText(res, ANSWER_MAX_BYTES);
    if (cut) throw new Error(`${method} ${path}: HTTP ${res.status}, an answer over ${ANSWER_MAX_BYTES} bytes`);
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      throw new Error(`${method} ${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
    }
    if (!res.ok || envelope.success !== true) {
      const errors = (envelope.errors ?? []).map((e) => `${e.message ?? ''} (${e.code ?? '?'})`).join(', ');
      throw new Error(`${method} ${path}: HTTP ${res.status}${errors !== '' ? `: ${errors}` : ''}`);
    }
    return envelope.result;
  };

  const zoneIdFor = async (fqdn: string): Promise<string> => {
    const labels = fqdn.replace(/\.$/, '').split('.');
    for (let i = 0; i < labels.length - 1; i++) {
      const zone = labels.slice(i).join('.');
      const cached = zoneIds.get(zone);
      if (cached !== undefined) return cached;
      const zones = await call(read, 'GET', `/zones?name=${encodeURIComponent(zone)}`);
      if (!Array.isArray(zones) || zones.length === 0) continue;
      if (zones.length > 1) throw new Error(`ambiguous zone name ${zone}; an account ID might help`);
      const id = (zones[0] as { id?: unknown }).id;
      if (typeof id !== 'string' || id === '') throw new Error(`zone ${zone} has no id`);
      zoneIds.set(zone, id);
      return id;
    }
    throw new Error(`zone could not be found for ${fqdn}`);
  };

  return {
    name: 'cloudflare',
    propagation: {
      timeoutMs: envSecondsMs(env, 'CLOUDFLARE_PROPAGATION_TIMEOUT', 120),
      intervalMs: envSecondsMs(env, 'CLOUDFLARE_POLLING_INTERVAL', 2),
    },
    async present(record: DnsChallengeRecord) {
      let zoneId: string;
      try {
        zoneId = await zoneIdFor(record.fqdn);
      } catch (err) {
        throw new Error(`cloudflare: failed to find zone for ${record.fqdn}: ${errorText(err)}`);
      }
      let created: unknown;
      try {
        created = await call(edit, 'POST', `/zones/${encodeURIComponent(zoneId)}/dns_records`, {
          type: 'TXT',
          name: record.fqdn.replace(/\.$/, ''),
          content: record.value,
          ttl,
        });
      } catch (err) {
        throw new Error(`cloudflare: failed to create TXT record: ${errorText(err)}`);
      }
      const id = (created as { id?: unknown } | null)?.id;
      if (typeof id !== 'string' || id === '') throw new Error('cloudflare: failed to create TXT record: no record id in the answer');
      recordIds.set(record.token, { zoneId, id });
    },
    async cleanUp(record: DnsChallengeRecord) {
      const created = recordIds.get(record.token);
      if (created === undefined) throw new Error(`cloudflare: unknown record ID for '${record.fqdn}'`);
      recordIds.delete(record.token);
      try {
        await call(edit, 'DELETE', `/zones/${encodeURIComponent(created.zoneId)}/dns_records/${encodeURIComponent(created.id)}`);
      } catch (err) {
        throw new Error(`cloudflare: failed to delete TXT record: ${errorText(err)}`);
      }
    },
  };
}

/** The headers for record edits and for zone reads; throws lego's message when neither set is complete. */
function credentials(env: NodeJS.ProcessEnv): { edit: Auth; read: Auth } {
  const email = envFirst(env, ['CLOUDFLARE_EMAIL', 'CF_API_EMAIL']);
  const key = envFirst(env, ['CLOUDFLARE_API_KEY', 'CF_API_KEY']);
  if (email !== '' && key !== '') {
    const auth = { 'x-auth-email': email, 'x-auth-key': key };
    return { edit: auth, read: auth };
  }
  const dnsToken = envFirst(env, ['CLOUDFLARE_DNS_API_TOKEN', 'CF_DNS_API_TOKEN']);
  const zoneToken = envFirst(env, ['CLOUDFLARE_ZONE_API_TOKEN', 'CF_ZONE_API_TOKEN']) || dnsToken;
  if (dnsToken === '') {
    const keyMissing = [email === '' ? 'CLOUDFLARE_EMAIL' : '', key === '' ? 'CLOUDFLARE_API_KEY' : ''].filter((n) => n !== '');
    const tokenMissing = ['CLOUDFLARE_DNS_API_TOKEN', ...(zoneToken === '' ? ['CLOUDFLARE_ZONE_API_TOKEN'] : [])];
    throw new Error(`cloudflare: ${missingMessage(keyMissing)} or ${missingMessage(tokenMissing)}`);
  }
  return { edit: { authorization: `Bearer ${dnsToken}` }, read: { authorization: `Bearer ${zoneToken}` } };
}
