// Scale is remembered in the compose file itself, as `deploy.replicas`: Compose v2 and docker-compose 1.27+ start
// that many containers on every `up`, so a later `up` (pe-edge's or the user's own) does not scale back. The file
// goes through a YAML library: comments, quoting, key order and line endings are kept; a hand-written file's
// indentation of sequences and spacing before comments may be normalised. A `deploy` pe-edge cannot edit without
// changing its meaning (merged from an anchor, an alias, `mode: global`) is refused with what to do instead.
import { isAlias, isMap, isScalar, parseDocument, type Document } from 'yaml';
import type { ComposeServiceEntry, ReplicaCounts } from './scale-plan.js';

export interface ComposeFileText {
  readonly doc: Document;
  readonly services: Readonly<Record<string, ComposeServiceEntry>>;
}

/** Parses a compose file's text; an Error naming the file when it is not YAML with a `services` mapping. */
export function parseComposeText(text: string, file: string): ComposeFileText {
  // merge: labels that reach a service through `<<: *anchor` count for its pool, as Compose reads them.
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length > 0) throw new Error(`${file}: not valid YAML: ${doc.errors[0]?.message ?? ''}`);
  const services = doc.get('services');
  if (!isMap(services)) throw new Error(`${file}: no \`services:\` mapping; is it a compose file?`);
  // From the whole document: an alias or merge key resolves only against its anchors there.
  return { doc, services: (doc.toJS() as { services: Record<string, ComposeServiceEntry> }).services };
}

/** The text with each service's `deploy.replicas` (and `scale`, when the service has that older key) set. */
export function withReplicaCounts(parsed: ComposeFileText, counts: ReplicaCounts, file: string, crlf: boolean): string {
  const doc = parsed.doc.clone();
  for (const [service, replicas] of counts) {
    const deploy = editableDeploy(doc, service, file);
    if (deploy === 'absent') doc.setIn(['services', service, 'deploy'], doc.createNode({ replicas }));
    else doc.setIn(['services', service, 'deploy', 'replicas'], replicas);
    // Compose v2 refuses a `scale` that disagrees with deploy.replicas.
    if (doc.hasIn(['services', service, 'scale'])) doc.setIn(['services', service, 'scale'], replicas);
  }
  // lineWidth 0: as generated, long quoted values stay on one line.
  const text = doc.toString({ lineWidth: 0 });
  return crlf ? text.replace(/\r?\n/g, '\r\n') : text;
}

/**
 * Whether `deploy.replicas` can be written into this service: 'absent' (no own deploy, or an empty one: a new mapping
 * is written), 'map' (its own mapping); an Error saying why not otherwise.
 */
function editableDeploy(doc: Document, service: string, file: string): 'absent' | 'map' {
  const entry = doc.getIn(['services', service], true);
  const where = `${file}: service ${service}`;
  if (!isMap(entry)) throw new Error(`${where} is not a mapping; set its deploy.replicas by hand`);
  const deploy = entry.get('deploy', true);
  if (deploy === undefined || (isScalar(deploy) && deploy.value === null)) {
    // With `merge`, the yaml library gives a merge key a symbol value (`Symbol(<<)`), not the string.
    if (entry.items.some((pair) => isScalar(pair.key) && (pair.key.value === '<<' || String(pair.key.value) === 'Symbol(<<)'))) {
      // A merge key is shallow: an own `deploy` would replace the merged one (resources, restart_policy ...) whole.
      throw new Error(`${where} takes its keys from a YAML merge (<<): writing deploy.replicas there would replace a merged deploy whole; add \`deploy: {replicas: N}\` to ${service} (with what it merges) by hand, then scale`);
    }
    return 'absent';
  }
  if (isAlias(deploy)) throw new Error(`${where}: its deploy is an alias (*${deploy.source}) shared with other services; give ${service} its own deploy mapping, then scale`);
  if (!isMap(deploy)) throw new Error(`${where}: deploy is not a mapping`);
  if (deploy.get('mode') === 'global') throw new Error(`${where}: deploy.mode is global (one container per node); replicas do not apply`);
  return 'map';
}
