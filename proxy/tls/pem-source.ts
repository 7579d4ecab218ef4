import { readFileSync } from 'node:fs';

/** Traefik's `certFile`/`keyFile`/`caFiles` take either a path or the PEM text itself. */
export function readPemSource(value: string): string {
  if (value.includes('-----BEGIN')) return value;
  return readFileSync(value, 'utf8');
}

/** Names a source in messages without echoing inline key material. */
export function describePemSource(value: string): string {
  return value.includes('-----BEGIN') ? '<inline PEM>' : value;
}
