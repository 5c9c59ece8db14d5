// unleash-client 6.12.1 in streaming mode (experimentalMode {type: 'streaming'}) against a
// running Governor: it reads GET /api/client/streaming (events "unleash-connected" and
// "unleash-updated", each a delta with one "hydration" event; see the SDK's
// lib/repository/streaming-fetcher.js), evaluates like the same SDK bootstrapped from the
// admin export, and flag changes made through the admin API reach it through the stream.
// Polling is ruled out: a one-hour refreshInterval, and the server counts no request to
// GET /api/client/features.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Unleash, InMemStorageProvider } from 'unleash-client';
import { startGovernor, waitUntil, assertSameAsOffline, requestsOn } from './lib/governor.mjs';

const flags = JSON.parse(readFileSync(new URL('./flags.json', import.meta.url)));
const HOUR_MS = 3600 * 1000;

function newClient(options) {
  return new Unleash({ appName: 'e2e-streaming', instanceId: 'e2e-s1', storageProvider: new InMemStorageProvider(), ...options });
}

const gov = await startGovernor({ flags });
const clients = [];
try {
  const token = await gov.token('client');
  const modes = [];
  const warnings = [];
  const streaming = newClient({
    url: `${gov.base}/api`, customHeaders: { Authorization: token },
    refreshInterval: HOUR_MS, disableMetrics: true, experimentalMode: { type: 'streaming' },
  });
  clients.push(streaming);
  // The SDK emits 'mode' on its repository, not on the Unleash object.
  streaming.repository.on('mode', (m) => modes.push(m));
  streaming.on('warn', (w) => warnings.push(String(w)));
  streaming.on('error', (e) => warnings.push(`error: ${e.message}`));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no flags from the stream: ${warnings.join('; ')}`)), 15000);
    streaming.once('synchronized', () => { clearTimeout(timer); resolve(); });
  });

  // The stream delivered features and segments: the same answers as an offline SDK.
  const compared = await assertSameAsOffline(gov, streaming, { flags, n: 100, newClient, clients });
  console.log(`compared ${compared} isEnabled+getVariant pairs`);

  // Changes through the admin API arrive through the stream, within two seconds of the request.
  for (const [action, expected] of [['off', false], ['on', true]]) {
    const sentAt = Date.now();
    const res = await gov.admin('POST', `/api/v1/flags/e2e.static/environments/development/${action}`);
    assert.ok(res.status < 300, JSON.stringify(res.body));
    await waitUntil(() => streaming.isEnabled('e2e.static') === expected, 5000, `e2e.static ${action}`);
    const took = Date.now() - sentAt;
    console.log(`${action}: seen ${took} ms after the admin request was sent`);
    assert.ok(took <= 2000, `${action} took ${took} ms`);
  }
  // A flag created after the connection arrives too.
  const created = await gov.admin('POST', '/api/v1/flags', {
    name: 'e2e.streamed', type: 'release',
    environments: { development: { enabled: true, strategies: [{ name: 'default', parameters: {} }] } },
  });
  assert.ok(created.status < 300, JSON.stringify(created.body));
  await waitUntil(() => streaming.isEnabled('e2e.streamed'), 5000, 'e2e.streamed');

  assert.deepEqual(modes, [], `the SDK left streaming mode: ${warnings.join('; ')}`);
  assert.equal(streaming.repository.getMode(), 'streaming');
  assert.equal(await requestsOn(gov, '/api/client/features'), 0, 'the SDK polled');
  assert.ok(await requestsOn(gov, '/api/client/streaming') >= 1, 'no stream request counted');
  assert.deepEqual(warnings, []);
  console.log('ok');
} finally {
  for (const c of clients) c.destroy();
  await gov.stop();
}
