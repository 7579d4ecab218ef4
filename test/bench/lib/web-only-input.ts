// The BuildInput the in-process bench scripts compile: one entrypoint `web`, nothing but the given HTTP
// configuration (and TLS options), as the operator's aggregator would hand it over.
import { DEFAULT_TRANSPORT, type BuildInput } from '../../../proxy/index.js';

export function webOnlyInput(http: Pick<BuildInput['http'], 'routers' | 'services' | 'middlewares'>, tlsOptions: BuildInput['tls']['options'] = {}): BuildInput {
  return {
    entryPoints: { web: { address: '127.0.0.1:0' } },
    ping: null,
    metrics: null,
    api: null,
    defaultRuleSyntax: 'v3',
    defaultTransport: DEFAULT_TRANSPORT,
    http: { ...http, serversTransports: {} },
    tls: { certificates: [], options: tlsOptions, stores: {} },
  };
}
