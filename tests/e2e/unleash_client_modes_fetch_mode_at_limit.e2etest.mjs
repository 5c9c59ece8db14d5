// fetch-mode hint while the server is at its stream limit: with GOVERNOR_STREAMING_FETCH_MODE=
// streaming, GOVERNOR_STREAMING_MAX_STREAMS=1 and that one stream held open, a polling
// unleash-client 6.12.1 (full and delta format) must still get its flags by polling and see
// changes, as the README promises for refused streams ("clients fall back to ETag polling").
//
// What the SDK does with the hint (lib/repository/polling-fetcher.js, fetch()): on a 200 it
// first stores the ETag, then, seeing `fetch-mode: streaming`, switches to streaming and
// returns WITHOUT saving the body:
//     if (res.headers.get('etag') !== null) { this.etag = res.headers.get('etag'); }
//     ...
//     if (fetchingModeHeader === 'streaming' && this.options.onModeChange) {
//         await this.options.onModeChange('streaming');
//         return;
//     }
//     await this.options.onSave((0, feature_1.parseApiResponse)(data), true);
// The stream then gets 429, a hard failover (streaming-fail-over.js), so the SDK polls again
// with that ETag and gets 304, which it takes as "unchanged" (the fetch-mode header is only read
// on a 200). So the server must not hint streaming when it cannot give a stream, or the SDK is
// left with no flags at all.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startGovernor, waitUntil, assertSameAsOffline, requestCounterLines } from './lib/governor.mjs';
import { sdkFactory, recordWarnings } from './lib/sdk_modes.mjs';

const flags = JSON.parse(readFileSync(new URL('./flags.json', import.meta.url)));
const REFRESH_MS = 300;

const newClient = sdkFactory({ appName: 'e2e-hint-at-limit' });

async function requestCounts(gov) {
  return (await requestCounterLines(gov))
    .filter((l) => l.includes('route="/api/client/'))
    .map((l) => l.replace('governor_http_requests_total', ''));
}

const gov = await startGovernor({
  flags, env: { GOVERNOR_STREAMING_FETCH_MODE: 'streaming', GOVERNOR_STREAMING_MAX_STREAMS: '1' },
});
const clients = [];
const ac = new AbortController();
try {
  const token = await gov.token('client');
  const holder = await fetch(`${gov.base}/api/client/streaming`, { headers: { Authorization: token }, signal: ac.signal });
  assert.equal(holder.status, 200);
  const refused = await fetch(`${gov.base}/api/client/streaming`, { headers: { Authorization: token } });
  assert.equal(refused.status, 429);
  await refused.text();

  const base = { url: `${gov.base}/api`, customHeaders: { Authorization: token }, refreshInterval: REFRESH_MS, disableMetrics: true };
  const sdks = {
    full: newClient({ ...base, instanceId: 'hint-full', experimentalMode: { type: 'polling' } }),
    delta: newClient({ ...base, instanceId: 'hint-delta', experimentalMode: { type: 'polling', format: 'delta' } }),
  };
  const state = {};
  for (const [name, sdk] of Object.entries(sdks)) {
    clients.push(sdk);
    const st = { modes: [], warnings: [], synchronized: false };
    state[name] = st;
    sdk.repository.on('mode', (m) => st.modes.push(`${m.from}->${m.to}`));
    recordWarnings(sdk, st.warnings);
    sdk.on('synchronized', () => { st.synchronized = true; });
  }
  try {
    await waitUntil(() => Object.values(state).every((st) => st.synchronized), 5000, 'both SDKs to get flags by polling');
  } catch (e) {
    console.log(`SDK state: ${JSON.stringify(state)}`);
    console.log(`server requests: \n${(await requestCounts(gov)).join('\n')}`);
    throw e;
  }
  for (const [name, sdk] of Object.entries(sdks)) {
    assert.equal(sdk.repository.getMode(), 'polling', name);
    await assertSameAsOffline(gov, sdk, { flags, n: 50, newClient, clients });
  }
  const off = await gov.admin('POST', '/api/v1/flags/e2e.static/environments/development/off');
  assert.equal(off.status, 200, JSON.stringify(off.body));
  await waitUntil(() => Object.values(sdks).every((sdk) => !sdk.isEnabled('e2e.static')), 5000, 'e2e.static off in both');
  console.log(`SDK state: ${JSON.stringify(state)}`);
  console.log('ok');
} finally {
  ac.abort();
  for (const c of clients) c.destroy();
  await gov.stop();
}
