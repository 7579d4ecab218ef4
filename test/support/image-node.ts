import { existsSync } from 'node:fs';
import { reusePortAvailable } from '../../operator/workers/workers.js';

// The image runs node 24 (the Dockerfile's base); the tests run on the machine's node (20 here). .ci/run unpacks the
// image's node from the npm registry (package node-linux-<arch>, the official binary), names it in
// PE_EDGE_IMAGE_NODE, and builds the end-to-end images from it. Tests of what differs on it start pe-edge, or
// run test files, on that binary.

/** The environment variable naming a node binary of the image's version. */
export const IMAGE_NODE_ENV = 'PE_EDGE_IMAGE_NODE';

/** The node binary PE_EDGE_IMAGE_NODE names, or null when it names none that exists. */
export function imageNode(): string | null {
  const named = process.env[IMAGE_NODE_ENV];
  return named !== undefined && named !== '' && existsSync(named) ? named : null;
}

/** Why a test that needs imageNode cannot run: skipped loudly here, failed in CI (.ci/run provides one); false when it can. */
export function imageNodeSkip(): string | false {
  return skipWithout(imageNode(), "no node of the image's version");
}

/** A node binary that has `reusePort` (22.12+): the one running the tests when it has it, else the image's (24); null if none. */
export function nodeWithReusePort(): string | null {
  return reusePortAvailable(process.versions.node) ? process.execPath : imageNode();
}

/** Why a test that needs nodeWithReusePort cannot run, as imageNodeSkip says it. */
export function reusePortNodeSkip(): string | false {
  return skipWithout(nodeWithReusePort(), 'no node 22.12+');
}

/** false when `node` was found; else a loud skip outside CI, and false in CI, where the test then fails on its absence. */
function skipWithout(node: string | null, missing: string): string | false {
  if (node !== null || process.env['CI'] === 'true') return false;
  return `SKIPPED LOUDLY: ${missing} (set ${IMAGE_NODE_ENV}, as .ci/run does)`;
}
