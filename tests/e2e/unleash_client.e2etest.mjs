// unleash-client 6.12.1 against a running Governor: it syncs, and isEnabled/getVariant for
// many contexts equal the same SDK evaluating the same flags offline (bootstrap from the
// admin export); its metrics reach the store; a flag change arrives within one refresh.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Unleash, InMemStorageProvider } from 'unleash-client';
import { startGovernor, waitUntil, assertSameAsOffline } from './lib/governor.mjs';

const flags = JSON.parse(readFileSync(new URL('./flags.json', import.meta.url)));
const REFRESH_MS = 500;

function newClient(options) {
  return new Unleash({ appName: 'e2e-node', instanceId: 'e2e-1', storageProvider: new InMemStorageProvider(), ...options });
}

const gov = await startGovernor({ flags });
const clients = [];
try {
  const token = await gov.token('client');
  const online = newClient({
    url: `${gov.base}/api`, customHeaders: { Authorization: token },
    refreshInterval: REFRESH_MS, metricsInterval: 1000, metricsJitter: 0,
  });
  clients.push(online);
  const sent = new Promise((resolve) => online.on('sent', resolve));
  await new Promise((resolve, reject) => { online.once('synchronized', resolve); online.once('error', reject); });

  const compared = await assertSameAsOffline(gov, online, { flags, n: 300, newClient, clients });
  console.log(`compared ${compared} isEnabled+getVariant pairs`);

  // Metrics: the SDK's POST is accepted and the counts show up per flag.
  await sent;
  await waitUntil(async () => {
    const m = await gov.admin('GET', '/api/v1/flags/e2e.static/metrics');
    return m.status === 200 && m.body.items.some((i) => i.appName === 'e2e-node' && i.yes > 0);
  }, 10000, 'metrics for e2e.static');

  // A change made through the admin API is picked up within one refresh interval.
  assert.equal(online.isEnabled('e2e.static'), true);
  const off = await gov.admin('POST', '/api/v1/flags/e2e.static/environments/development/off');
  assert.ok(off.status < 300, JSON.stringify(off.body));
  const changedAt = Date.now();
  await waitUntil(() => !online.isEnabled('e2e.static'), 10000, 'e2e.static off');
  const took = Date.now() - changedAt;
  console.log(`change seen after ${took} ms (refresh interval ${REFRESH_MS} ms)`);
  assert.ok(took <= REFRESH_MS + 500, `change took ${took} ms`);
  console.log('ok');
} finally {
  for (const c of clients) c.destroy();
  await gov.stop();
}
