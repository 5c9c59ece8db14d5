// Frontend SDKs run under node against Governor: unleash-proxy-client 3.8.2 on the frontend
// API (ETag polling), and @openfeature/web-sdk 1.10.0 with @openfeature/ofrep-web-provider
// 0.4.3 on OFREP bulk evaluation (SSE change notification per ADR-0008). Each sees a flag
// change made through the admin API.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { UnleashClient, InMemoryStorageProvider } from 'unleash-proxy-client';
import { OpenFeature, ProviderEvents } from '@openfeature/web-sdk';
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { startGovernor, waitUntil } from './lib/governor.mjs';

// node 20 has no EventSource; the provider expects the browser global. unleash-client's own
// dependency provides a spec-following implementation.
const require = createRequire(import.meta.url);
globalThis.EventSource ??= require('launchdarkly-eventsource').EventSource;

const flags = JSON.parse(readFileSync(new URL('./flags.json', import.meta.url)));
const gov = await startGovernor({ flags });
let proxy;
try {
  const token = await gov.token('frontend');

  // unleash-proxy-client: GET /api/frontend with the context in the query, If-None-Match.
  proxy = new UnleashClient({
    url: `${gov.base}/api/frontend`, clientKey: token, appName: 'e2e-web', refreshInterval: 1,
    metricsInterval: 1, storageProvider: new InMemoryStorageProvider(),
    context: { userId: 'user-7', properties: { plan: 'pro', country: 'no' } },
  });
  const ready = new Promise((resolve) => proxy.once('ready', resolve));
  await proxy.start();
  await ready;
  assert.equal(proxy.isEnabled('e2e.static'), true);
  assert.equal(proxy.isEnabled('e2e.users'), true);
  assert.equal(proxy.isEnabled('e2e.targeted'), true);
  assert.equal(proxy.isEnabled('e2e.off'), false);
  assert.deepEqual(proxy.getVariant('e2e.limit').payload, { type: 'number', value: '42' });
  assert.equal(proxy.getVariant('e2e.legacy').name, 'a');  // userId override

  // OpenFeature web SDK + OFREP web provider: bulk evaluation, then SSE.
  await OpenFeature.setContext({ targetingKey: 'user-7', plan: 'pro', country: 'no' });
  const provider = new OFREPWebProvider({
    baseUrl: gov.base, headers: [['Authorization', `Bearer ${token}`]], changeDetection: 'sse', pollInterval: 0,
  });
  await OpenFeature.setProviderAndWait(provider);
  const web = OpenFeature.getClient();
  assert.equal(web.getBooleanValue('e2e.static', false), true);
  assert.equal(web.getNumberValue('e2e.limit', 0), 42);
  assert.deepEqual(web.getObjectValue('e2e.config', {}), { retries: 3, mode: 'fast' });
  const missing = web.getBooleanDetails('e2e.nope', true);
  assert.equal(missing.errorCode, 'FLAG_NOT_FOUND');

  // The provider opens its event stream after the bulk evaluation resolves; a change made before
  // the stream is open would never be announced on it (the stream starts at the then-current
  // revision), so wait until the server holds the stream.
  await waitUntil(async () => {
    const text = await (await fetch(`${gov.base}/metrics`)).text();
    return /^governor_http_open_streams [1-9]/m.test(text);
  }, 10000, 'the OFREP event stream to open');
  const changed = new Promise((resolve) => OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, resolve));
  const updated = new Promise((resolve) => proxy.once('update', resolve));
  const off = await gov.admin('POST', '/api/v1/flags/e2e.static/environments/development/off');
  assert.ok(off.status < 300, JSON.stringify(off.body));
  const t0 = Date.now();
  await changed;
  console.log(`OFREP web provider saw the change after ${Date.now() - t0} ms (SSE, polling off)`);
  assert.equal(web.getBooleanValue('e2e.static', true), false);
  await updated;
  console.log(`unleash-proxy-client saw the change after ${Date.now() - t0} ms (ETag polling, 1 s)`);
  assert.equal(proxy.isEnabled('e2e.static'), false);

  // Frontend metrics arrive.
  proxy.isEnabled('e2e.users');
  await proxy.sendMetrics();
  await waitUntil(async () => {
    const m = await gov.admin('GET', '/api/v1/flags/e2e.users/metrics');
    return m.status === 200 && m.body.items.some((i) => i.appName === 'e2e-web');
  }, 10000, 'frontend metrics');
  console.log('ok');
} finally {
  proxy?.stop();
  await OpenFeature.close();
  await gov.stop();
}
// The web provider's EventSource keeps reconnecting to the stopped server; end the process.
process.exit(0);
