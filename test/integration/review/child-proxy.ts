// A pe-edge in a child process, so a test can tell "the process died" from "the request failed".
// argv[2]: JSON { http: { routers, services, middlewares (raw, validated here) }, entryPoint?: Partial<EntryPointOptions> }.
// Prints `PORT <n>` once listening. No uncaughtException handler: an escaped error ends it, as it ends the CLI.
import { EdgeProxy } from '../../../proxy/index.js';
import { buildInput, entryPointOptions } from '../../support/proxy-fixture.js';
import { validateDynamicConfig } from '../../../labels-spec/index.js';

interface ChildConfig {
  http: { routers: Record<string, unknown>; services: Record<string, unknown>; middlewares?: Record<string, unknown> };
  entryPoint?: Record<string, unknown>;
}

const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
const { config: validated, issues } = validateDynamicConfig({ http: { middlewares: config.http.middlewares ?? {} } });
if (issues.some((i) => i.severity === 'error')) throw new Error(JSON.stringify(issues));
const middlewares = Object.fromEntries(Object.entries(validated.http.middlewares as Record<string, unknown>).map(([k, v]) => [`${k}@file`, v]));
const input = buildInput({
  http: {
    routers: config.http.routers as never,
    services: config.http.services as never,
    middlewares: middlewares as never,
  },
});
const proxy = new EdgeProxy([entryPointOptions('web', '127.0.0.1:0', { onFault: () => undefined, ...(config.entryPoint ?? {}) })], input);
await proxy.listen();
process.stdout.write(`PORT ${proxy.port('web')}\n`);
