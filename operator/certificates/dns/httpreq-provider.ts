// lego's `httpreq` provider: POST <HTTPREQ_ENDPOINT>/present and /cleanup with a JSON body,
//   default:          {"fqdn": "_acme-challenge.<domain>.", "value": "<txt>"}
//   HTTPREQ_MODE=RAW: {"domain": "<domain>", "token": "<token>", "keyAuth": "<key authorization>"}
// with basic auth when both HTTPREQ_USERNAME and HTTPREQ_PASSWORD are set. Any non-2xx answer fails.
import { boundedText } from './bounded-body.js';
import type { DnsChallengeRecord } from './challenge-record.js';
import type { DnsProvider } from './dns-provider.js';
import { DEFAULT_POLLING_INTERVAL_S, DEFAULT_PROPAGATION_TIMEOUT_S, envSecondsMs, envValue, requireEnv } from './lego-env.js';

// An error answer's body goes into the log line: the first 4 KiB say what went wrong.
const ERROR_BODY_MAX_BYTES = 4096;

export function createHttpreqProvider(env: NodeJS.ProcessEnv): DnsProvider {
  const [endpointText = ''] = requireEnv(env, 'httpreq', ['HTTPREQ_ENDPOINT']);
  let endpoint: URL;
  try {
    endpoint = new URL(endpointText);
  } catch {
    throw new Error(`httpreq: invalid HTTPREQ_ENDPOINT ${JSON.stringify(endpointText)}`);
  }
  const raw = envValue(env, 'HTTPREQ_MODE') === 'RAW';
  const username = envValue(env, 'HTTPREQ_USERNAME');
  const password = envValue(env, 'HTTPREQ_PASSWORD');
  const httpTimeoutMs = envSecondsMs(env, 'HTTPREQ_HTTP_TIMEOUT', 30);

  const post = async (action: 'present' | 'cleanup', record: DnsChallengeRecord): Promise<void> => {
    const body = raw
      ? { domain: record.domain, token: record.token, keyAuth: record.keyAuthorization }
      : { fqdn: record.fqdn, value: record.value };
    const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json' };
    if (username !== '' && password !== '') {
      headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    }
    const url = joinPath(endpoint, action);
    let res: Response;
    try {
      // No redirects: a RAW body carries the key authorization, and it goes to the configured endpoint only.
      res = await fetch(url, { method: 'POST', headers, body: `${JSON.stringify(body)}\n`, redirect: 'error', signal: AbortSignal.timeout(httpTimeoutMs) });
    } catch (err) {
      throw new Error(`httpreq: unable to communicate with the API server: error: ${errorText(err)}`);
    }
    const { text, cut } = await boundedText(res, ERROR_BODY_MAX_BYTES).catch(() => ({ text: '', cut: false }));
    if (res.status < 200 || res.status > 299) {
      throw new Error(`httpreq: unexpected status code: [status code: ${res.status}] body: ${text.trim()}${cut ? ' [...]' : ''}`);
    }
  };
  return {
    name: 'httpreq',
    propagation: {
      timeoutMs: envSecondsMs(env, 'HTTPREQ_PROPAGATION_TIMEOUT', DEFAULT_PROPAGATION_TIMEOUT_S),
      intervalMs: envSecondsMs(env, 'HTTPREQ_POLLING_INTERVAL', DEFAULT_POLLING_INTERVAL_S),
    },
    present: (record) => post('present', record),
    cleanUp: (record) => post('cleanup', record),
  };
}

/** Go's `URL.JoinPath`: the endpoint's path (trailing slashes dropped) + `/<action>`, query kept. */
function joinPath(endpoint: URL, action: string): string {
  const url = new URL(endpoint.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${action}`;
  return url.href;
}

/** fetch hides the network cause behind "fetch failed". */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message;
}
