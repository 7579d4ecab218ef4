// The dashboard bundle is committed (proxy/api/dashboard/bundle.generated.ts) so that tsc alone builds a pe-edge that
// serves it; this test rebuilds it from its sources and fails when the committed one is stale, and holds the page to
// its gzip budget.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildDashboardFiles, generatedModule, GENERATED_PATH, GZIP_BUDGET_BYTES, gzipSizes } from '../../../proxy/api/dashboard/write-bundle.js';

test('bundle.generated.ts matches its sources (else: npm run dashboard) and the page is within 150 kB gzip', async () => {
  const files = await buildDashboardFiles();
  assert.equal(readFileSync(GENERATED_PATH, 'utf8'), generatedModule(files), 'proxy/api/dashboard/bundle.generated.ts is stale: run `npm run dashboard` and commit it');
  const total = gzipSizes(files).reduce((sum, f) => sum + f.gzip, 0);
  console.log(`dashboard page: ${total} B gzip (budget ${GZIP_BUDGET_BYTES} B)`);
  assert.ok(total <= GZIP_BUDGET_BYTES, `${total} B gzip is over the ${GZIP_BUDGET_BYTES} B budget`);
});

test('the page loads nothing from elsewhere and runs no inline script', async () => {
  const files = await buildDashboardFiles();
  const html = files['index.html']?.body ?? '';
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)/, 'no inline script');
  assert.doesNotMatch(html, /\sstyle=|<style/, 'no inline style');
  for (const [name, f] of Object.entries(files)) {
    assert.doesNotMatch(f.body, /(src|href)=["']?(https?:)?\/\//, `${name}: no remote asset`);
  }
  assert.doesNotMatch(files['app.js']?.body ?? '', /\beval\(|new Function\(/, 'no eval');
});
