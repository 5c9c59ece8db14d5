// The Applications page in a real browser (chromium through playwright-core) against `governor
// serve` with the contract check on. Two real Unleash Node SDKs (unleash-client 6.12.1 from
// tests/e2e/node_modules) run against it: "checkout" polling in development and "worker"
// streaming (experimentalMode {type: 'streaming'}) in production. Once GET /api/v1/applications
// lists both as registered, the test signs in, opens Applications through the nav and checks
// each instance's row (SDK, version, environment, connection mode, last seen); filters by
// environment; refreshes; runs axe-core (fails on serious or critical violations); takes the
// 'applications' screenshot. Fails on any page error or Content-Security-Policy report.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { ok, waitUntil } from '../e2e/lib/governor.mjs';
import {
  checkAxe, copyScreenshots, launchBrowser, newPage, screenshot, signIn, withGovernor,
} from './lib/console.mjs';

const require = createRequire(new URL('../e2e/package.json', import.meta.url));
const { Unleash, InMemStorageProvider } = require('unleash-client');

const HOUR_MS = 3600 * 1000;

// An SDK that has fetched its flags once (rejects after 10 s with its warnings).
function startSdk(options) {
  const sdk = new Unleash({ storageProvider: new InMemStorageProvider(), ...options });
  const warnings = [];
  sdk.on('warn', (w) => warnings.push(String(w)));
  sdk.on('error', (e) => warnings.push(`error: ${e.message}`));
  const synchronized = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${options.instanceId} did not sync: ${warnings.join('; ')}`)), 10000);
    sdk.once('synchronized', () => { clearTimeout(timer); resolve(); });
  });
  return { sdk, synchronized };
}

const problems = [];
const sdks = [];
const browser = await launchBrowser();
try {
  await withGovernor({}, async (gov) => {
    ok(await gov.admin('POST', '/api/v1/flags', { name: 'checkout.new-flow' }), 'create flag');
    const devToken = await gov.token('client', 'development');
    const prodToken = await gov.token('client', 'production');

    // Before any SDK: the empty state.
    const page = await newPage(browser, problems);
    await signIn(page, gov.base);
    await page.getByRole('link', { name: 'Applications' }).click();
    await page.getByRole('heading', { name: 'Applications', level: 1 }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/ui/applications');
    await page.getByRole('heading', { name: 'No applications yet' }).waitFor();
    await checkAxe(page, 'applications (empty)');

    // Two SDKs: one polling (a one-hour refresh interval: it fetches once), one streaming.
    const polling = startSdk({
      appName: 'checkout', instanceId: 'checkout-1', url: `${gov.base}/api`,
      customHeaders: { Authorization: devToken }, refreshInterval: HOUR_MS, metricsInterval: HOUR_MS,
    });
    sdks.push(polling.sdk);
    const streaming = startSdk({
      appName: 'worker', instanceId: 'worker-1', url: `${gov.base}/api`,
      customHeaders: { Authorization: prodToken }, refreshInterval: HOUR_MS, metricsInterval: HOUR_MS,
      experimentalMode: { type: 'streaming' },
    });
    sdks.push(streaming.sdk);
    await Promise.all([polling.synchronized, streaming.synchronized]);

    // Both registered (the SDK registers at start) and fetched.
    let items = [];
    await waitUntil(async () => {
      items = ok(await gov.admin('GET', '/api/v1/applications'), 'applications').items;
      return items.length === 2 && items.every((i) => i.registeredAt && i.connectionMode);
    }, 15000, 'both SDKs to register and fetch');
    const byApp = Object.fromEntries(items.map((i) => [i.appName, i]));
    console.log(`applications: ${JSON.stringify(items)}`);
    assert.equal(byApp.checkout.instanceId, 'checkout-1');
    assert.equal(byApp.checkout.environment, 'development');
    assert.equal(byApp.checkout.connectionMode, 'polling');
    assert.equal(byApp.checkout.sdkVersion, 'unleash-node-sdk:6.12.1');
    assert.equal(byApp.checkout.metricsIntervalMs, HOUR_MS);
    assert.equal(byApp.worker.sdkVersion, 'unleash-node-sdk:6.12.1');
    assert.equal(byApp.worker.environment, 'production');
    assert.equal(byApp.worker.connectionMode, 'streaming');

    // The page, refreshed: one table per app.
    await page.getByRole('button', { name: 'Refresh' }).click();
    const checkout = page.getByRole('table', { name: 'Instances of checkout' });
    const worker = page.getByRole('table', { name: 'Instances of worker' });
    await checkout.waitFor();
    await worker.waitFor();
    const rowOf = (table, instance) => table.getByRole('row').filter({ hasText: instance });
    const cells = async (row) => (await row.locator('th, td').allTextContents()).map((t) => t.trim());
    const checkoutRow = await cells(rowOf(checkout, 'checkout-1'));
    console.log(`checkout row: ${JSON.stringify(checkoutRow)}`);
    assert.equal(checkoutRow[0], 'checkout-1');
    assert.equal(checkoutRow[1], 'unleash-node-sdk');
    assert.equal(checkoutRow[2], '6.12.1');
    assert.equal(checkoutRow[3], 'development');
    assert.equal(checkoutRow[4], 'Polling');
    assert.match(checkoutRow[5], /^(just now|\d+ s ago)/);
    assert.equal(checkoutRow[7], '1 h');
    const workerRow = await cells(rowOf(worker, 'worker-1'));
    console.log(`worker row: ${JSON.stringify(workerRow)}`);
    assert.deepEqual(workerRow.slice(0, 5),
      ['worker-1', 'unleash-node-sdk', '6.12.1', 'production', 'Streaming']);
    assert.match(await page.getByRole('status').textContent(), /Loaded 2 instances/);
    await checkAxe(page, 'applications');
    await screenshot(page, 'applications');

    // The environment filter asks the API for one environment.
    await page.getByLabel('Environment').selectOption('production');
    await page.getByRole('status').filter({ hasText: 'Loaded 1 instance' }).waitFor();
    assert.equal(await checkout.count(), 0);
    await worker.waitFor();
    await page.getByLabel('Environment').selectOption('');
    await checkout.waitFor();

    // Sorting by instance keeps both tables; the controls are reachable by keyboard.
    await page.getByLabel('Sort instances by').selectOption('instance');
    await worker.waitFor();
    await page.getByLabel('Sort instances by').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Refresh');

    for (const sdk of sdks.splice(0)) sdk.destroy();
    await page.close();
  });
  assert.deepEqual(problems, []);
  copyScreenshots(['applications']);
  console.log('ok');
} finally {
  for (const sdk of sdks) sdk.destroy();
  await browser.close();
}
