// providers.swarm: the Docker provider's options (Traefik's Shared + ClientConfig) and refreshSeconds.
import { z } from 'zod';
import { strictObject } from '../schema/strict-object.js';
import { duration } from '../duration.js';
import { dockerProviderShape } from './docker-provider.js';

export const swarmProviderSchema = strictObject({
  ...dockerProviderShape,
  // Traefik's full re-list of services and tasks while watching (15s); events only hasten it. A default goes through
  // the parser, where a bare number is seconds: hence the string.
  refreshSeconds: duration.default('15s').refine((ms) => ms > 0, 'must be more than 0s'),
});

export type SwarmProviderConfig = z.output<typeof swarmProviderSchema>;
