// Merges the files of the file provider into one raw dynamic config, remembering which file
// each router, service, middleware, ... came from so a validation issue can say file:line.
// Same name in two files: the first (in directory order) wins, as in Traefik.
import type { ConfigFileContent, KeyPath } from '../config-files/read-config-file.js';
import { isPlainObject } from '../../labels-spec/schema/strict-object.js';

export interface FileOrigin {
  /** Where the object sits in the merged config, e.g. ['http', 'routers', 'web']. */
  readonly path: KeyPath;
  readonly file: string;
  /** Line in `file` of a merged-config path at or under `this.path`. */
  lineOf(path: KeyPath): number | undefined;
}

export interface FileLocation {
  file: string;
  line?: number;
}

export interface MergedFiles {
  raw: Record<string, unknown>;
  origins: FileOrigin[];
  warnings: string[];
  /** The file (and line) an issue path points into; undefined when no file holds it. */
  locate(path: KeyPath): FileLocation | undefined;
}

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => isPlainObject(v);

/** Named collections per root, with the word Traefik's warnings use for one item. */
const COLLECTIONS: Record<string, Record<string, string>> = {
  http: { routers: 'router', services: 'service', middlewares: 'middleware', serverstransports: 'serversTransport' },
  tcp: { routers: 'TCP router', services: 'TCP service', middlewares: 'TCP middleware', serverstransports: 'TCP serversTransport' },
  udp: { routers: 'UDP router', services: 'UDP service' },
  tls: { options: 'TLS options', stores: 'TLS store' },
};

function findKey(tree: Tree, key: string): string {
  if (Object.hasOwn(tree, key)) return key;
  const lower = key.toLowerCase();
  return Object.keys(tree).find((k) => k.toLowerCase() === lower) ?? key;
}

function setKey(tree: Tree, key: string, value: unknown): void {
  // defineProperty: a `__proto__` name from a file stays an ordinary key
  Object.defineProperty(tree, key, { value, enumerable: true, writable: true, configurable: true });
}

function childTree(parent: Tree, key: string): Tree | undefined {
  const existing = parent[key];
  if (isTree(existing)) return existing;
  if (existing !== undefined && existing !== null) return undefined; // a scalar from an earlier file: keep it
  const created: Tree = {};
  setKey(parent, key, created);
  return created;
}

const sameSegment = (a: string | number, b: string | number): boolean => String(a).toLowerCase() === String(b).toLowerCase();
const hasPrefix = (path: KeyPath, prefix: KeyPath): boolean =>
  prefix.length <= path.length && prefix.every((seg, i) => sameSegment(seg, path[i] as string | number));

/** `names` are the short names used in warnings (relative to the directory). */
export function mergeFiles(contents: readonly ConfigFileContent[], names: readonly string[] = contents.map((c) => c.file)): MergedFiles {
  const raw: Tree = {};
  const origins: FileOrigin[] = [];
  const warnings: string[] = contents.flatMap((c) => c.warnings);
  const owners = new Map<string, string>();

  contents.forEach((content, index) => {
    const name = names[index] ?? content.file;
    const addOrigin = (path: KeyPath, sourcePath: KeyPath): void => {
      owners.set(path.join('\u0000').toLowerCase(), name);
      origins.push({
        path,
        file: content.file,
        lineOf: (p) => content.lineOf([...sourcePath, ...p.slice(path.length)]),
      });
    };
    const skip = (what: string, path: KeyPath): void => {
      const owner = owners.get(path.join('\u0000').toLowerCase()) ?? 'an earlier file';
      warnings.push(`${what} in ${name} already configured in ${owner}, skipping`);
    };
    /** Anything outside the named collections: taken whole by the first file that has it. */
    const takeWhole = (parent: Tree, parentPath: KeyPath, sourceParentPath: KeyPath, key: string, value: unknown): void => {
      const merged = findKey(parent, key);
      const path = [...parentPath, merged];
      if (parent[merged] !== undefined) return skip(`"${path.join('.')}"`, path);
      setKey(parent, merged, value);
      addOrigin(path, [...sourceParentPath, key]);
    };

    for (const [rootKey, rootValue] of Object.entries(content.value)) {
      const sections = COLLECTIONS[rootKey.toLowerCase()];
      if (!sections || (!isTree(rootValue) && rootValue !== null)) {
        takeWhole(raw, [], [], rootKey, rootValue);
        continue;
      }
      const mergedRoot = findKey(raw, rootKey);
      const root = childTree(raw, mergedRoot);
      if (!root) {
        skip(`"${mergedRoot}"`, [mergedRoot]);
        continue;
      }
      for (const [sectionKey, sectionValue] of Object.entries(rootValue ?? {})) {
        const kind = sections[sectionKey.toLowerCase()];
        const mergedSection = findKey(root, sectionKey);
        const isCertificates = rootKey.toLowerCase() === 'tls' && sectionKey.toLowerCase() === 'certificates';
        if (isCertificates && Array.isArray(sectionValue)) {
          mergeCertificates(root, mergedRoot, mergedSection, sectionValue, [rootKey, sectionKey]);
        } else if (kind && (isTree(sectionValue) || sectionValue === null)) {
          const collection = childTree(root, mergedSection);
          if (!collection) {
            skip(`"${mergedRoot}.${mergedSection}"`, [mergedRoot, mergedSection]);
            continue;
          }
          for (const [itemName, item] of Object.entries(sectionValue ?? {})) {
            const path = [mergedRoot, mergedSection, itemName];
            if (Object.hasOwn(collection, itemName)) skip(`${kind} "${itemName}"`, path);
            else {
              setKey(collection, itemName, item);
              addOrigin(path, [rootKey, sectionKey, itemName]);
            }
          }
        } else {
          takeWhole(root, [mergedRoot], [rootKey], sectionKey, sectionValue);
        }
      }
    }

    function mergeCertificates(root: Tree, mergedRoot: string, mergedSection: string, certs: unknown[], sourcePath: KeyPath): void {
      const existing = root[mergedSection];
      if (existing !== undefined && existing !== null && !Array.isArray(existing)) {
        return skip(`"${mergedRoot}.${mergedSection}"`, [mergedRoot, mergedSection]);
      }
      const list: unknown[] = Array.isArray(existing) ? existing : [];
      setKey(root, mergedSection, list);
      const seen = new Set(list.map((c) => JSON.stringify(c)));
      certs.forEach((cert, i) => {
        if (seen.has(JSON.stringify(cert))) {
          warnings.push(`TLS certificate ${JSON.stringify(cert)} in ${name} already configured, skipping`);
          return;
        }
        list.push(cert);
        addOrigin([mergedRoot, mergedSection, list.length - 1], [...sourcePath, i]);
      });
    }
  });

  const locate = (path: KeyPath): FileLocation | undefined => {
    let best: FileOrigin | undefined;
    for (const origin of origins) {
      if (hasPrefix(path, origin.path) && (!best || origin.path.length > best.path.length)) best = origin;
    }
    if (best) return { file: best.file, line: best.lineOf(path) };
    // A structural key shared by several files (`http`, `http.routers`): the first file that has it.
    for (const content of contents) {
      const line = content.lineOf(path);
      if (line !== undefined) return { file: content.file, line };
    }
    return undefined;
  };

  return { raw, origins, warnings, locate };
}
