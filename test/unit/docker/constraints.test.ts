import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileConstraints } from '../../../operator/providers/docker/constraints.js';

const labels = { 'com.docker.compose.project': 'shop', tier: 'front', 'traefik.enable': 'true' };

test('constraints expressions over container labels, as Traefik evaluates them', () => {
  const cases: [string, boolean][] = [
    ['', true],
    ['Label(`tier`, `front`)', true],
    ['Label(`tier`, `back`)', false],
    ['!Label(`tier`, `back`)', true],
    ['LabelRegex(`com.docker.compose.project`, `^sh`)', true],
    ['LabelRegex(`com.docker.compose.project`, `op`)', true],
    ['LabelRegex(`missing`, `.*`)', false],
    ['Label(`tier`, `back`) || Label(`traefik.enable`, `true`)', true],
    ['Label(`tier`, `front`) && !(Label(`traefik.enable`, `true`))', false],
    ['label(`tier`, `front`)', true],
  ];
  for (const [expression, expected] of cases) assert.equal(compileConstraints(expression)(labels), expected, expression);
});

test('a bad constraints expression is an error with a column', () => {
  assert.throws(() => compileConstraints('Label(`tier`)'), /takes 2 arguments/);
  assert.throws(() => compileConstraints('Label(`tier`, `front`'), /column \d+/);
  assert.throws(() => compileConstraints('Lable(`tier`, `front`)'), /Label/);
});
