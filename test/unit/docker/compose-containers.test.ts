import { test } from 'node:test';
import assert from 'node:assert/strict';
import { composeContainers } from '../../../operator/check/compose-containers.js';

test('compose services become the containers Docker would start, labels unescaped and interpolated', () => {
  process.env.PE_TEST_USERS = 'admin:$apr1$x$y';
  const { containers, errors } = composeContainers({
    services: {
      web: { labels: ['traefik.enable=true', 'traefik.http.middlewares.a.basicauth.users=u:$$apr1$$abc'], expose: [3000] },
      api: { labels: { 'traefik.http.middlewares.b.basicauth.users': '${PE_TEST_USERS}' }, ports: ['8080:80', { target: 81 }], deploy: { replicas: 2 } },
      bad: { labels: { x: '${PE_TEST_MISSING:?set it}' } },
    },
  }, '/srv/shop/docker-compose.yml');
  assert.deepEqual(containers.map((c) => c.name), ['shop_web_1', 'shop_api_1', 'shop_api_2', 'shop_bad_1']);
  assert.equal(containers[0]?.labels['traefik.http.middlewares.a.basicauth.users'], 'u:$apr1$abc');
  assert.equal(containers[0]?.labels['com.docker.compose.project'], 'shop');
  assert.deepEqual(containers[0]?.ports, [3000]);
  assert.equal(containers[1]?.labels['traefik.http.middlewares.b.basicauth.users'], 'admin:$apr1$x$y');
  assert.deepEqual(containers[1]?.ports, [80, 81]);
  assert.match(errors.join('\n'), /required variable PE_TEST_MISSING is not set: set it/);
});
