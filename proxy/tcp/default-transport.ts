import { tcpServersTransportSchema, type TcpServersTransport } from '../../labels-spec/dynamic/tcp/index.js';

/**
 * The static `tcpServersTransport` (Traefik's `default@internal` TCP transport). The static schema keeps it as an
 * unchecked object today, so it is read here with the dynamic serversTransport's schema (same keys, defaults and
 * durations); a value that does not fit falls back to Traefik's defaults and says why.
 */
export function staticTcpServersTransport(raw: unknown): { transport: TcpServersTransport; error: string | null } {
  const parsed = tcpServersTransportSchema.safeParse(raw ?? {});
  if (parsed.success) return { transport: parsed.data, error: null };
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? '' : `.${issue.path.join('.')}`;
  return {
    transport: tcpServersTransportSchema.parse({}),
    error: `tcpServersTransport${where}: ${issue?.message ?? 'invalid'}; Traefik's defaults are used`,
  };
}
