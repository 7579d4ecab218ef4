// Small writers of file-provider dynamic.yml content for tests.

export interface RouterSpec {
  rule: string;
  service: string;
  priority?: number;
  entryPoints?: string[];
}

/** `http.routers` + `http.services` (loadBalancer with the given server URLs), as a user writes them. */
export function dynamicYaml(routers: Record<string, RouterSpec>, services: Record<string, string[]>): string {
  const lines = ['http:', '  routers:'];
  for (const [name, r] of Object.entries(routers)) {
    lines.push(`    ${name}:`, `      rule: ${JSON.stringify(r.rule)}`, `      service: ${r.service}`);
    if (r.priority !== undefined) lines.push(`      priority: ${r.priority}`);
    if (r.entryPoints !== undefined) lines.push(`      entryPoints: [${r.entryPoints.join(', ')}]`);
  }
  lines.push('  services:');
  for (const [name, urls] of Object.entries(services)) {
    lines.push(`    ${name}:`, '      loadBalancer:', '        servers:');
    for (const url of urls) lines.push(`          - url: ${url}`);
  }
  return lines.join('\n') + '\n';
}
