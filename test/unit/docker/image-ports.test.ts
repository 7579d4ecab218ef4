import { test } from 'node:test';
import assert from 'node:assert/strict';
import { composeContainers } from '../../../operator/check/compose-containers.js';
import { imagePortWarnings } from '../../../operator/check/image-ports.js';
import { containerConfig } from '../../../operator/providers/docker/container-config.js';

const OPTIONS = { exposedByDefault: false, network: '', useBindPortIP: false, defaultRule: 'Host(`{{ normalize .Name }}`)', allowEmptyServices: false };

/** The containers a compose file would start, as check reads them. */
function results(services: Record<string, unknown>) {
  return composeContainers({ services }, '/srv/shop/docker-compose.yml').containers.map((c) => containerConfig(c, OPTIONS));
}

const labelled = (port?: number): string[] => ['traefik.enable=true', ...(port !== undefined ? [`traefik.http.services.shop.loadbalancer.server.port=${port}`] : [])];

// What the engine answers for each image: its exposed ports, or null (no engine, or an image it does not have).
const ENGINE: Record<string, readonly string[] | null> = { 'app:1': ['8080/tcp', '9090/tcp'], 'bare:1': [], 'shop-built': ['3000/tcp'] };

const ROWS: { name: string; service: Record<string, unknown>; warning: RegExp | null }[] = [
  { name: 'a label port the image does not expose', service: { image: 'app:1', labels: labelled(3000) },
    warning: /^service "shop" on container shop_shop_1: traefik\.http\.services\.shop\.loadbalancer\.server\.port=3000 is not a port image "app:1" exposes \(8080\/tcp, 9090\/tcp\); if the app listens elsewhere, requests will fail with 502/ },
  { name: 'a label port the image exposes', service: { image: 'app:1', labels: labelled(9090) }, warning: null },
  { name: 'the picked port (compose expose) the image does not expose', service: { image: 'app:1', expose: [3000], labels: labelled() },
    warning: /^service "shop-shop" on container shop_shop_1: port 3000 \(picked: the container's lowest exposed port\) is not a port image "app:1" exposes \(8080\/tcp, 9090\/tcp\)/ },
  { name: 'an image the engine does not know: nothing said', service: { image: 'other:1', labels: labelled(3000) }, warning: null },
  { name: 'an image that exposes nothing: nothing said', service: { image: 'bare:1', labels: labelled(3000) }, warning: null },
  { name: 'a built image is compose\'s <project>-<service>', service: { build: '.', labels: labelled(3001) }, warning: /image "shop-built" exposes \(3000\/tcp\)/ },
];

for (const row of ROWS) {
  test(`image ports: ${row.name}`, async () => {
    const service = row.service.build !== undefined ? { built: row.service } : { shop: row.service };
    const warned = await imagePortWarnings(results(service), (image) => Promise.resolve(ENGINE[image] ?? null));
    const all = [...warned.values()].flat();
    if (row.warning === null) assert.deepEqual(all, []);
    else {
      assert.equal(all.length, 1, JSON.stringify(all));
      assert.match(all[0] ?? '', row.warning);
    }
  });
}

test('image ports: replicas of one image ask the engine once, and each replica is named', async () => {
  const asked: string[] = [];
  const warned = await imagePortWarnings(results({ shop: { image: 'app:1', labels: labelled(3000), deploy: { replicas: 2 } } }), (image) => {
    asked.push(image);
    return Promise.resolve(ENGINE[image] ?? null);
  });
  assert.deepEqual(asked, ['app:1']);
  assert.deepEqual([...warned.keys()], ['shop_shop_1', 'shop_shop_2']);
});
