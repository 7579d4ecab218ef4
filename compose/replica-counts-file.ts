// Scale is remembered in the compose file itself, as `deploy.replicas`: Compose v2 and docker-compose 1.27+ start
// that many containers on every `up`, so a later `up` (pe-edge's or the user's own) does not scale back. Only
// those lines change: comments, quoting and key order of the rest of the file are kept.
import { isMap, parseDocument, type Document } from 'yaml';
import type { ComposeServiceEntry, ReplicaCounts } from './scale-plan.js';

export interface ComposeFileText {
  readonly doc: Document;
  readonly services: Readonly<Record<string, ComposeServiceEntry>>;
}

/** Parses a compose file's text; an Error naming the file when it is not YAML with a `services` mapping. */
export function parseComposeText(text: string, file: string): ComposeFileText {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`${file}: not valid YAML: ${doc.errors[0]?.message ?? ''}`);
  const services = doc.get('services');
  if (!isMap(services)) throw new Error(`${file}: no \`services:\` mapping; is it a compose file?`);
  return { doc, services: services.toJSON() as Record<string, ComposeServiceEntry> };
}

/** The text with each service's `deploy.replicas` (and `scale`, when the service has that older key) set. */
export function withReplicaCounts(parsed: ComposeFileText, counts: ReplicaCounts): string {
  const doc = parsed.doc.clone();
  for (const [service, replicas] of counts) {
    doc.setIn(['services', service, 'deploy', 'replicas'], replicas);
    // Compose v2 refuses a `scale` that disagrees with deploy.replicas.
    if (doc.hasIn(['services', service, 'scale'])) doc.setIn(['services', service, 'scale'], replicas);
  }
  // lineWidth 0: as generated, long quoted values stay on one line.
  return doc.toString({ lineWidth: 0 });
}
