/** A file provider's dynamic configuration: every path on entrypoint `web` through `compress: {}` to `backend`. */
export function compressRouteYaml(backend: string): string {
  return [
    'http:',
    '  middlewares:',
    '    squeeze: { compress: {} }',
    '  services:',
    `    app: { loadBalancer: { servers: [{ url: "${backend}" }] } }`,
    '  routers:',
    '    app: { rule: "PathPrefix(`/`)", service: app, entryPoints: [web], middlewares: [squeeze] }',
  ].join('\n');
}
