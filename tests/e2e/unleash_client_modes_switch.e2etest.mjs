// unleash-client 6.12.1 switching between polling and streaming against a running Governor.
//
// fetch-mode: with GOVERNOR_STREAMING_FETCH_MODE=streaming, GET /api/client/features and GET
// /api/client/delta carry the header `fetch-mode: streaming`. A polling SDK (full and delta
// format) reads it on its first poll and switches to streaming (lib/repository/
// polling-fetcher.js: `if (fetchingModeHeader === 'streaming' && this.options.onModeChange)`),
// emitting 'mode' {from: 'polling', to: 'streaming'}; it then polls no more, and changes reach
// it through the stream.
//
// Failover: with GOVERNOR_STREAMING_MAX_STREAMS=1 and one stream held open, GET
// /api/client/streaming answers 429, which is a hard failover status for the SDK
// (lib/repository/streaming-fail-over.js: HARD_FAILOVER_STATUS_CODES = [401, 403, 404, 429,
// 501]): a streaming SDK switches to polling at once ('mode' {from: 'streaming', to:
// 'polling'}), gets the flags and their changes by polling, and does not retry the stream. When
// the held stream closes its slot is freed, and the SDK can stream again (setExperimentalMode).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startGovernor, waitUntil, assertSameAsOffline, ok, requestsOn } from './lib/governor.mjs';
import { sdkFactory, watched, modesOf, openSse } from './lib/sdk_modes.mjs';

const flags = JSON.parse(readFileSync(new URL('./flags.json', import.meta.url)));
const REFRESH_MS = 300;
const SEEN_MS = 5000;

const newClient = sdkFactory({ appName: 'e2e-switch' });
async function fetchModeHint() {
  const gov = await startGovernor({ flags, env: { GOVERNOR_STREAMING_FETCH_MODE: 'streaming' } });
  const clients = [];
  try {
    const token = await gov.token('client');
    for (const route of ['/api/client/features', '/api/client/delta']) {
      const res = await fetch(gov.base + route, { headers: { Authorization: token } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('fetch-mode'), 'streaming', `${route}: fetch-mode header`);
      // With the hint there is no ETag: an SDK that takes the hint drops the body but keeps the
      // ETag, and should it fall back to polling its next poll must get the flags, not a 304.
      assert.equal(res.headers.get('etag'), null, `${route}: no ETag beside the hint`);
      await res.arrayBuffer();
    }
    const base = {
      url: `${gov.base}/api`, customHeaders: { Authorization: token },
      refreshInterval: REFRESH_MS, disableMetrics: true,
    };
    // experimentalMode {type: 'polling'} is the SDK's default mode (format 'full').
    const full = watched(newClient, { ...base, instanceId: 'e2e-poll-full', experimentalMode: { type: 'polling' } }, clients);
    const delta = watched(newClient, { ...base, instanceId: 'e2e-poll-delta', experimentalMode: { type: 'polling', format: 'delta' } }, clients);
    await Promise.all([full.synchronized, delta.synchronized]);
    for (const w of [full, delta]) {
      await waitUntil(() => w.modes.length > 0, SEEN_MS, 'a mode event');
      assert.deepEqual(modesOf(w), [{ from: 'polling', to: 'streaming' }], w.warnings.join('; '));
      assert.equal(w.sdk.repository.getMode(), 'streaming');
    }
    const compared = await assertSameAsOffline(gov, full.sdk, { flags, n: 50, newClient, clients });
    await assertSameAsOffline(gov, delta.sdk, { flags, n: 50, newClient, clients });
    console.log(`fetch-mode: both SDKs switched to streaming; compared ${compared} pairs each`);

    // Changes arrive through the stream.
    ok(await gov.admin('POST', '/api/v1/flags/e2e.static/environments/development/off'), 'off');
    await waitUntil(() => !full.sdk.isEnabled('e2e.static') && !delta.sdk.isEnabled('e2e.static'), SEEN_MS, 'e2e.static off in both');
    ok(await gov.admin('POST', '/api/v1/flags', {
      name: 'e2e.hinted', type: 'release',
      environments: { development: { enabled: true, strategies: [{ name: 'default', parameters: {} }] } },
    }), 'create');
    await waitUntil(() => full.sdk.isEnabled('e2e.hinted') && delta.sdk.isEnabled('e2e.hinted'), SEEN_MS, 'e2e.hinted in both');

    // Each SDK polled once (plus the raw request above) and then streamed, for several
    // refresh intervals since.
    await new Promise((r) => setTimeout(r, 4 * REFRESH_MS));
    assert.equal(await requestsOn(gov, '/api/client/features'), 1 + 1, 'requests to /api/client/features');
    assert.equal(await requestsOn(gov, '/api/client/delta'), 1 + 1, 'requests to /api/client/delta');
    assert.equal(await requestsOn(gov, '/api/client/streaming', 200), 2, 'streams');
    for (const w of [full, delta]) {
      assert.equal(w.sdk.repository.getMode(), 'streaming');
      assert.equal(w.modes.length, 1);
      assert.deepEqual(w.warnings, []);
    }
  } finally {
    for (const c of clients) c.destroy();
    await gov.stop();
  }
}

async function failover() {
  const gov = await startGovernor({
    flags, env: { GOVERNOR_STREAMING_MAX_STREAMS: '1' },
  });
  const clients = [];
  const streams = [];
  try {
    const token = await gov.token('client');
    const streamUrl = `${gov.base}/api/client/streaming`;
    const holder = await openSse(streamUrl, { Authorization: token });
    streams.push(holder);
    assert.equal(holder.status, 200, holder.body);
    assert.equal((await holder.next(5000, 'unleash-connected')).event, 'unleash-connected');
    const refused = await openSse(streamUrl, { Authorization: token });
    assert.equal(refused.status, 429, `second stream: ${refused.status} ${refused.body}`);
    console.log(`failover: second stream refused: 429 Retry-After=${refused.headers.get('retry-after')} ${refused.body}`);

    const startedAt = Date.now();
    const w = watched(newClient, {
      url: `${gov.base}/api`, customHeaders: { Authorization: token }, instanceId: 'e2e-failover',
      refreshInterval: REFRESH_MS, disableMetrics: true, experimentalMode: { type: 'streaming' },
    }, clients);
    const { sdk } = w;
    await w.synchronized;
    await waitUntil(() => w.modes.length > 0, SEEN_MS, 'a mode event');
    assert.deepEqual(modesOf(w), [{ from: 'streaming', to: 'polling' }], w.warnings.join('; '));
    const took = w.modes[0].at - startedAt;
    console.log(`failover: SDK switched to polling ${took} ms after it started; warnings: ${JSON.stringify(w.warnings)}`);
    assert.ok(took < 2000, `failover took ${took} ms`);
    assert.equal(sdk.repository.getMode(), 'polling');
    const compared = await assertSameAsOffline(gov, sdk, { flags, n: 50, newClient, clients });
    console.log(`failover: compared ${compared} pairs`);

    // Changes arrive by polling, within a refresh interval or so.
    const sentAt = Date.now();
    ok(await gov.admin('POST', '/api/v1/flags/e2e.static/environments/development/off'), 'off');
    await waitUntil(() => !sdk.isEnabled('e2e.static'), SEEN_MS, 'e2e.static off');
    console.log(`failover: change seen by polling after ${Date.now() - sentAt} ms`);
    ok(await gov.admin('DELETE', '/api/v1/flags/e2e.child'), 'delete');
    await waitUntil(() => sdk.getFeatureToggleDefinition('e2e.child') === undefined, SEEN_MS, 'e2e.child gone');
    // The holder got both changes as deltas meanwhile.
    assert.deepEqual((await holder.next(SEEN_MS, 'update 1')).event, 'unleash-updated');
    assert.deepEqual((await holder.next(SEEN_MS, 'update 2')).event, 'unleash-updated');

    // The SDK asked for a stream once (refused) and did not retry; it polls.
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await requestsOn(gov, '/api/client/streaming', 429), 2, 'refused stream requests');
    assert.equal(await requestsOn(gov, '/api/client/streaming', 200), 1, 'open stream requests');
    const polls = await requestsOn(gov, '/api/client/features');
    assert.ok(polls >= 5, `${polls} polls`);
    assert.equal(sdk.repository.getMode(), 'polling');

    // The held stream closes; its slot is freed at once (the server sees the connection
    // close) and the SDK can stream again: it switches when told to (setExperimentalMode),
    // and a 429 would send it back to polling, so it tries until it is connected, for 5 s.
    holder.close();
    let changed = 0;
    sdk.on('changed', () => { changed++; });
    const closedAt = Date.now();
    let attempts = 0;
    for (;;) {
      attempts++;
      const modesBefore = w.modes.length;
      const changedBefore = changed;
      await sdk.setExperimentalMode('streaming');
      await waitUntil(() => changed > changedBefore || w.modes.length > modesBefore + 1, SEEN_MS, 'a stream or a failover');
      if (sdk.repository.getMode() === 'streaming' && changed > changedBefore) break;
      if (Date.now() - closedAt > 5000) throw new Error(`no stream slot 5 s after the holder closed: ${w.warnings.join('; ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`failover: SDK streaming again ${Date.now() - closedAt} ms after the holder closed (${attempts} attempt(s))`);
    assert.deepEqual(modesOf(w).at(-1), { from: 'polling', to: 'streaming' });
    const pollsBefore = await requestsOn(gov, '/api/client/features');
    ok(await gov.admin('POST', '/api/v1/flags/e2e.static/environments/development/on'), 'on');
    await waitUntil(() => sdk.isEnabled('e2e.static'), SEEN_MS, 'e2e.static on through the stream');
    await new Promise((r) => setTimeout(r, 3 * REFRESH_MS));
    assert.equal(await requestsOn(gov, '/api/client/features'), pollsBefore, 'the SDK still polls');
    assert.equal(sdk.repository.getMode(), 'streaming', w.warnings.join('; '));
    console.log(`failover: back to streaming; warnings: ${JSON.stringify(w.warnings)}`);
  } finally {
    for (const s of streams) s.close();
    for (const c of clients) c.destroy();
    await gov.stop();
  }
}

await fetchModeHint();
await failover();
console.log('ok');
