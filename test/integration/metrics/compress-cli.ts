import { CliProcess, freePort, staticYaml, type TempConfigDir } from '../../support/cli-process.js';

/**
 * A file provider's dynamic configuration: every path on entrypoint `web` through `compress: {}` to `backend`, and
 * with `brOnly`, paths under `/only-br/` through a compress offering br alone.
 */
export function compressRouteYaml(backend: string, brOnly = false): string {
  return [
    'http:',
    '  middlewares:',
    '    squeeze: { compress: {} }',
    ...(brOnly ? ['    squeezeBr: { compress: { encodings: [br] } }'] : []),
    '  services:',
    `    app: { loadBalancer: { servers: [{ url: "${backend}" }] } }`,
    '  routers:',
    '    app: { rule: "PathPrefix(`/`)", service: app, entryPoints: [web], middlewares: [squeeze] }',
    ...(brOnly ? ['    brOnly: { rule: "PathPrefix(`/only-br/`)", service: app, entryPoints: [web], middlewares: [squeezeBr] }'] : []),
  ].join('\n');
}

/** pe-edge by the CLI in `dir`: compressRouteYaml to `backend` on `web` (`brOnly`: with its br-only routes), Prometheus metrics on their own entrypoint. */
export async function startCompressCli(dir: TempConfigDir, backend: string, env: NodeJS.ProcessEnv = {}, brOnly = false): Promise<{ proc: CliProcess; url: string; metricsUrl: string }> {
  const web = await freePort();
  const metrics = await freePort();
  const dynamicFile = dir.write('dynamic.yml', compressRouteYaml(backend, brOnly));
  dir.write('traefik.yml', staticYaml({ entryPoints: { web, metrics }, dynamicFile, extra: 'metrics:\n  prometheus:\n    entryPoint: metrics' }));
  const proc = new CliProcess(['--configFile=traefik.yml'], { cwd: dir.path, env });
  await proc.waitListening(2);
  await proc.waitForLine('configuration applied');
  return { proc, url: `http://127.0.0.1:${web}`, metricsUrl: `http://127.0.0.1:${metrics}/metrics` };
}
