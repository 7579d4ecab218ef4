// Where a router without entryPoints attaches: Traefik's getDefaultsEntrypoints for HTTP and TCP routers, every UDP
// entry point for UDP routers (GetUDPRoutersByEntryPoints).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultEntryPoints, udpEntryPoints, type EntryPointAddress } from '../../../labels-spec/index.js';

const rows: { desc: string; entryPoints: Record<string, EntryPointAddress>; tcp: string[]; udp: string[] }[] = [
  {
    desc: 'no asDefault: every TCP entry point but traefik, sorted; UDP ones only for UDP routers',
    entryPoints: { websecure: { address: ':443' }, web: { address: ':80' }, traefik: { address: ':8080' }, dns: { address: ':53/udp' }, game: { address: '0.0.0.0:27015/UDP' } },
    tcp: ['web', 'websecure'],
    udp: ['dns', 'game'],
  },
  {
    desc: 'asDefault flags choose the TCP defaults (traefik and UDP ones still out), not the UDP ones',
    entryPoints: { web: { address: ':80' }, websecure: { address: ':443', asDefault: true }, traefik: { address: ':8080', asDefault: true }, dns: { address: ':53/udp', asDefault: true }, syslog: { address: ':514/udp' } },
    tcp: ['websecure'],
    udp: ['dns', 'syslog'],
  },
  {
    desc: 'only UDP entry points: no default for HTTP and TCP routers',
    entryPoints: { dns: { address: ':53/udp' } },
    tcp: [],
    udp: ['dns'],
  },
];

for (const r of rows) {
  test(`default entry points: ${r.desc}`, () => {
    assert.deepEqual(defaultEntryPoints(r.entryPoints), r.tcp);
    assert.deepEqual(udpEntryPoints(r.entryPoints), r.udp);
  });
}
