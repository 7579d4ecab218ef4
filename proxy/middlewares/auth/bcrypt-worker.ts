// The body of a bcrypt worker thread (bcrypt-workers.ts): hashes what it is sent, one job at a time.
import { parentPort } from 'node:worker_threads';
import { hashSync } from 'bcryptjs';

export interface BcryptJob {
  readonly id: number;
  readonly password: string;
  readonly settings: string;
}

export interface BcryptDone {
  readonly id: number;
  /** The 60-character hash, or null when bcryptjs refused the settings. */
  readonly hash: string | null;
}

parentPort?.on('message', (job: BcryptJob) => {
  let hash: string | null;
  try {
    hash = hashSync(job.password, job.settings);
  } catch {
    hash = null;
  }
  const done: BcryptDone = { id: job.id, hash };
  parentPort?.postMessage(done);
});
