#!/usr/bin/env node
import { loadStaticConfig } from '../static-config/load-static-config.js';
import { createLogger } from '../logging/logger.js';
import { createAccessLogHook } from '../../proxy/observability/access-log-hook.js';
import { createAccessLog } from '../../proxy/observability/access-log.js';
import { startDemoBackends } from './demo-backends.js';
import { composeCommand } from './compose-command.js';
import { healthcheck } from './healthcheck.js';
import { checkCommand } from './check-command.js';
import { serve } from './serve.js';
import { versionText } from './version.js';
import { superviseWorkers, takeWorkersFlag, workersListenAlone } from '../workers/workers.js';
import { takenAddresses } from '../workers/free-addresses.js';
import { effectiveEntryPoints } from '../aggregation/build-input.js';
import cluster from 'node:cluster';
import { dropPrivileges, engineEndpoint, RUN_AS_ENV } from './drop-privileges.js';
import { keepRequestObjectsYoung } from '../workers/young-generation.js';

const USAGE = `pe-edge: a Traefik v3 compatible edge router

  pe-edge [--configFile=traefik.yml] [--entryPoints.web.address=:80 ...]   run the proxy
  pe-edge check --compose FILE | --docker | --configFile FILE [--json]       validate before a deploy
  pe-edge healthcheck [--configFile=traefik.yml]                             exit 0 when /ping answers 200
  pe-edge version | --version                                                print the version
  pe-edge demo                                                               run examples/demo with app1..app3
  pe-edge compose generate|password|up|scale|down|ps                         the app1..appN compose topology (compose help)
  --workers=N|auto                                                           N processes share the ports (default 1)
`;

async function main(argv: string[]): Promise<number> {
  keepRequestObjectsYoung(process.execArgv, process.env.NODE_OPTIONS);
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === 'version' || command === '--version') {
    process.stdout.write(versionText());
    return 0;
  }
  if (command === 'check') {
    return checkCommand(rest, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
  }
  if (command === 'healthcheck') {
    const loaded = await loadStaticConfig(rest);
    if (loaded.errors.length > 0) return reportErrors(loaded.errors);
    return healthcheck(loaded.config, (line) => process.stdout.write(line + '\n'));
  }
  if (command === 'compose') return composeCommand(rest);
  if (command === 'demo') {
    // Workers re-run this command: only the primary owns the demo backends.
    if (cluster.isPrimary) await startDemoBackends([3001, 3002, 3003]);
    return run(['--configFile=examples/demo/traefik.yml', ...rest]);
  }
  return run(argv);
}

async function run(argvWithWorkers: string[]): Promise<number> {
  const { workers, rest: argv } = takeWorkersFlag(argvWithWorkers);
  if (workers > 1 && cluster.isPrimary) {
    // Validate once in the primary so a configuration error is reported once, not per worker.
    const checked = await loadStaticConfig(argv);
    if (checked.errors.length > 0) return reportErrors(checked.errors);
    const acme = Object.entries(checked.config.certificatesResolvers ?? {}).filter(([, r]) => r.acme !== undefined).map(([name]) => name);
    if (acme.length > 0) {
      // Each worker is a whole edge: N accounts ordering the same names, N writers of one acme.json, and a
      // challenge answered by whichever process the CA's connection reaches. Refused until one process owns ACME.
      return reportErrors([`--workers=${workers}: certificatesResolvers (${acme.join(', ')}) need a single process; run without --workers (or --workers=1)`]);
    }
    // The workers are forked as the user the primary became.
    dropPrivileges(process.env[RUN_AS_ENV], engineEndpoint(checked.config.providers));
    // Workers that bind their own sockets (SO_REUSEPORT) would share a taken address instead of failing on it.
    if (workersListenAlone(process.versions.node, process.platform, process.env.NODE_CLUSTER_SCHED_POLICY)) {
      const taken = await takenAddresses(effectiveEntryPoints(checked.config));
      if (taken.length > 0) return reportErrors(taken);
    }
    return superviseWorkers(workers, createLogger(checked.config.log));
  }
  const loaded = await loadStaticConfig(argv);
  if (loaded.errors.length > 0) return reportErrors(loaded.errors);
  const { config } = loaded;
  const dropped = dropPrivileges(process.env[RUN_AS_ENV], engineEndpoint(config.providers));
  const log = createLogger(config.log);
  for (const w of loaded.warnings) log.warn(w);
  if (dropped !== null) log.info({ user: dropped.user, uid: dropped.uid, dockerSocketGroup: dropped.socketGroup }, 'running as an unprivileged user, in the Docker socket\'s group');
  else if (process.env[RUN_AS_ENV] === '' && process.getuid?.() === 0 && cluster.isPrimary) log.warn(`${RUN_AS_ENV} is empty: pe-edge runs as root`);
  log.info({ configFile: loaded.file ?? null }, 'pe-edge starting');
  const stop = new AbortController();
  const accessLog = createAccessLog(config.accessLog);
  const edge = await serve({ config, log, onRequestDone: createAccessLogHook(config.accessLog, accessLog), signal: stop.signal });
  process.on('SIGHUP', () => void edge.reload());
  // logrotate: the access log file is reopened, as Traefik does (and SIGUSR1 never opens node's inspector).
  process.on('SIGUSR1', () => {
    if (accessLog === null || !config.accessLog?.filePath) return;
    accessLog.reopen();
    log.info({ filePath: config.accessLog.filePath }, 'SIGUSR1: access log file reopened');
  });
  edge.started();
  return new Promise<number>((resolve) => {
    const shutdown = (signal: string): void => {
      log.info({ signal }, 'stopping: draining in-flight requests');
      stop.abort();
      edge.proxy.close().then(() => {
        log.info('stopped');
        resolve(0);
      }, () => resolve(1));
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}

function reportErrors(errors: readonly string[]): number {
  for (const e of errors) process.stderr.write(`pe-edge: ${e}\n`);
  process.stderr.write(`pe-edge: ${errors.length} configuration error(s); not starting\n`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`pe-edge: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
