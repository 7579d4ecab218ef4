import { packageVersion } from '../aggregation/package-version.js';

/** `pe-edge version`, laid out as `traefik version` prints it (Node's version where Traefik names Go's). */
export function versionText(): string {
  return [
    `Version:      ${packageVersion()}`,
    'Codename:     pe-edge',
    `Node version: ${process.version}`,
    `OS/Arch:      ${process.platform}/${process.arch}`,
  ].join('\n') + '\n';
}
