// lego's `exec` provider: an external program adds and removes the record.
//   default:       <EXEC_PATH> present|cleanup <fqdn> <value>
//   EXEC_MODE=RAW: <EXEC_PATH> present|cleanup -- <domain> <token> <keyAuth>
// (`--` because a token may start with `-`.) A non-zero exit fails the step.
import { spawn } from 'node:child_process';
import type { DnsChallengeRecord } from './challenge-record.js';
import type { DnsProvider } from './dns-provider.js';
import { DEFAULT_POLLING_INTERVAL_S, DEFAULT_PROPAGATION_TIMEOUT_S, envSecondsMs, envValue, requireEnv } from './lego-env.js';

/** Output kept for an error message: the program's last lines. */
const OUTPUT_TAIL_BYTES = 4096;

export function createExecProvider(env: NodeJS.ProcessEnv): DnsProvider {
  const [program = ''] = requireEnv(env, 'exec', ['EXEC_PATH']);
  const raw = envValue(env, 'EXEC_MODE') === 'RAW';
  const args = (action: string, record: DnsChallengeRecord): string[] =>
    raw ? [action, '--', record.domain, record.token, record.keyAuthorization] : [action, record.fqdn, record.value];
  return {
    name: 'exec',
    propagation: {
      timeoutMs: envSecondsMs(env, 'EXEC_PROPAGATION_TIMEOUT', DEFAULT_PROPAGATION_TIMEOUT_S),
      intervalMs: envSecondsMs(env, 'EXEC_POLLING_INTERVAL', DEFAULT_POLLING_INTERVAL_S),
    },
    // lego's default for the sequence interval is the default propagation timeout.
    sequenceIntervalMs: envSecondsMs(env, 'EXEC_SEQUENCE_INTERVAL', DEFAULT_PROPAGATION_TIMEOUT_S),
    present: (record) => run(program, args('present', record), env),
    cleanUp: (record) => run(program, args('cleanup', record), env),
  };
}

function run(program: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-OUTPUT_TAIL_BYTES);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (err) => reject(new Error(`exec: start command: ${err.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) return resolve();
      const status = signal !== null ? `signal: ${signal}` : `exit status ${code}`;
      const tail = output.trim();
      reject(new Error(`exec: wait command: ${status}${tail !== '' ? `; output: ${tail}` : ''}`));
    });
  });
}
