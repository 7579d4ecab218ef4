import { engineHint } from '../docker/engine-hint.js';

/** What to do when the Swarm provider cannot list services: a worker node's engine, or one not in a swarm, says 503. */
export function swarmEngineHint(endpoint: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/not a swarm manager|swarm mode/i.test(message)) {
    return `providers.swarm reads services from a manager's engine: run pe-edge on manager nodes (deploy.placement.constraints: [node.role == manager]) or point providers.swarm.endpoint at a manager (a socket proxy there); on a single host, docker swarm init`;
  }
  return engineHint(endpoint, err).replaceAll('providers.docker.endpoint', 'providers.swarm.endpoint');
}
