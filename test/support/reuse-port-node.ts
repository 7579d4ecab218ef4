import { existsSync } from 'node:fs';
import { reusePortAvailable } from '../../operator/workers/workers.js';

// `--workers` binds a listening socket per worker with SO_REUSEPORT on node 22.12 and later (operator/workers/
// workers.ts `workersListenAlone`). The tests run on the machine's node (20 here): .ci/run unpacks node 22 from the npm
// registry (package node-linux-<arch>, the official binary) and names it in PE_EDGE_TEST_NODE22, for the tests that
// start pe-edge on it.

/** The environment variable naming a node binary of 22.12 or later for those tests. */
export const NODE22_ENV = 'PE_EDGE_TEST_NODE22';

/** A node binary that has `reusePort`: the one running the tests when it has it, else PE_EDGE_TEST_NODE22's; null if none. */
export function nodeWithReusePort(): string | null {
  if (reusePortAvailable(process.versions.node)) return process.execPath;
  const named = process.env[NODE22_ENV];
  return named !== undefined && named !== '' && existsSync(named) ? named : null;
}

/** Why a test that needs nodeWithReusePort cannot run: skipped loudly here, failed in CI (.ci/run provides one); false when it can. */
export function reusePortNodeSkip(): string | false {
  if (nodeWithReusePort() !== null) return false;
  return process.env['CI'] === 'true' ? false : `SKIPPED LOUDLY: no node 22.12+ (set ${NODE22_ENV}, as .ci/run does)`;
}
