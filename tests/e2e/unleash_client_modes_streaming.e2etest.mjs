// unleash-client 6.12.1 in streaming mode (experimentalMode {type: 'streaming'}) against a
// running Governor, next to a raw server-sent-events reader of GET /api/client/streaming. The
// stream opens with "unleash-connected" carrying one "hydration" event; each admin change then
// arrives as one "unleash-updated" whose data is {"events": [...]} with only that change's delta
// events (lib/repository/index.js applies feature-updated, feature-removed, segment-updated,
// segment-removed and hydration): a toggle is exactly one feature-updated for the flag, a
// deleted flag one feature-removed, a changed segment one segment-updated. The SDK applies each
// (isEnabled changes, a deleted flag is unknown), never polls, and ends with the state of GET
// /api/client/features. An idle stream gets keep-alive comments
// (GOVERNOR_STREAMING_KEEP_ALIVE_SECONDS=1), and a new stream opens with the current state.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startGovernor, waitUntil, assertSameAsOffline, ok, requestsOn } from './lib/governor.mjs';
import { sdkFactory, watched, openSse, describeEvent, byName, byId } from './lib/sdk_modes.mjs';

const flags = JSON.parse(readFileSync(new URL('./flags.json', import.meta.url)));
const HOUR_MS = 3600 * 1000;
const SEEN_MS = 5000;

const newClient = sdkFactory({ appName: 'e2e-stream-modes', instanceId: 'e2e-sm1' });

const gov = await startGovernor({ flags, env: { GOVERNOR_STREAMING_KEEP_ALIVE_SECONDS: '1' } });
const clients = [];
const streams = [];
try {
  const token = await gov.token('client');
  const streamUrl = `${gov.base}/api/client/streaming`;

  // The raw stream: unleash-connected with one hydration event holding every flag and segment.
  const raw = await openSse(streamUrl, { Authorization: token });
  streams.push(raw);
  assert.equal(raw.status, 200, raw.body);
  assert.match(raw.headers.get('content-type'), /^text\/event-stream/);
  const connected = await raw.next(5000, 'unleash-connected');
  assert.equal(connected.event, 'unleash-connected');
  const hydration = JSON.parse(connected.data);
  assert.deepEqual(hydration.events.map((e) => e.type), ['hydration']);
  assert.deepEqual(hydration.events[0].features.map((f) => f.name).sort(), flags.features.map((f) => f.name).sort());
  assert.deepEqual(hydration.events[0].segments.map((s) => s.id), [1]);
  assert.equal(String(hydration.events[0].eventId), connected.id);

  // Idle: keep-alive comments, no events.
  await waitUntil(() => raw.comments.includes('keep-alive'), 4000, 'a keep-alive comment');
  assert.equal(raw.events.length, 1);

  // The SDK in streaming mode; a one-hour refreshInterval rules polling out.
  const w = watched(newClient, {
    url: `${gov.base}/api`, customHeaders: { Authorization: token },
    refreshInterval: HOUR_MS, disableMetrics: true, experimentalMode: { type: 'streaming' },
  }, clients, 'no flags from the stream');
  const { sdk, modes, warnings } = w;
  await w.synchronized;
  const compared = await assertSameAsOffline(gov, sdk, { flags, n: 100, newClient, clients });
  console.log(`unleash-connected: compared ${compared} isEnabled+getVariant pairs`);

  // Each change: the raw stream's next event is one unleash-updated with exactly `expected`
  // (one eventId, equal to the SSE id, increasing), and the SDK applies it.
  let lastId = Number(connected.id);
  async function change(what, act, seen, expected) {
    const sentAt = Date.now();
    const body = ok(await act(), what);
    const ev = await raw.next(SEEN_MS, `unleash-updated for ${what}`);
    assert.equal(ev.event, 'unleash-updated', `${what}: ${ev.event} ${ev.data}`);
    const data = JSON.parse(ev.data);
    assert.deepEqual(Object.keys(data), ['events'], `${what}: ${ev.data}`);
    assert.deepEqual(data.events.map(describeEvent), expected, `${what}: ${ev.data}`);
    assert.ok(Number(ev.id) > lastId, `${what}: SSE id ${ev.id} after ${lastId}`);
    lastId = Number(ev.id);
    for (const e of data.events) assert.equal(String(e.eventId), ev.id, `${what}: eventId vs SSE id`);
    await waitUntil(seen, SEEN_MS, `the streaming SDK to see: ${what}`);
    console.log(`${what}: ${JSON.stringify(expected)}; SDK saw it after ${Date.now() - sentAt} ms`);
    return { body, events: data.events };
  }

  const off = await change('e2e.static off',
    () => gov.admin('POST', '/api/v1/flags/e2e.static/environments/development/off'),
    () => !sdk.isEnabled('e2e.static'), ['feature-updated:e2e.static']);
  assert.equal(off.events[0].feature.enabled, false);
  await change('e2e.static on',
    () => gov.admin('POST', '/api/v1/flags/e2e.static/environments/development/on'),
    () => sdk.isEnabled('e2e.static'), ['feature-updated:e2e.static']);
  await change('e2e.users strategies',
    () => gov.admin('PUT', '/api/v1/flags/e2e.users/environments/development/strategies',
      { strategies: [{ name: 'userWithId', parameters: { userIds: 'user-1' } }] }),
    () => sdk.isEnabled('e2e.users', { userId: 'user-1' }) && !sdk.isEnabled('e2e.users', { userId: 'user-0' }),
    ['feature-updated:e2e.users']);

  const finn = { userId: 'user-3', properties: { plan: 'pro', country: 'fi' } };
  const norwegian = { userId: 'user-3', properties: { plan: 'pro', country: 'no' } };
  assert.equal(sdk.isEnabled('e2e.targeted', finn), false);
  const seg = await change('segment 1 updated',
    () => gov.admin('PUT', '/api/v1/segments/1', {
      name: 'nordics', constraints: [{ contextName: 'country', operator: 'IN', values: ['fi'] }],
    }),
    () => sdk.isEnabled('e2e.targeted', finn) && !sdk.isEnabled('e2e.targeted', norwegian),
    ['segment-updated:1']);
  assert.deepEqual(seg.events[0].segment.constraints.map((c) => c.values), [['fi']]);

  let segId;
  await change('segment created',
    async () => {
      const res = await gov.admin('POST', '/api/v1/segments', {
        name: 'beta-plan', constraints: [{ contextName: 'plan', operator: 'IN', values: ['beta'] }],
      });
      segId = res.body?.id;
      return res;
    },
    () => sdk.repository.getSegment(segId) !== undefined, ['segment-updated:2']);
  assert.equal(segId, 2);
  const beta = { userId: 'user-5', properties: { plan: 'beta' } };
  await change('e2e.streamed created',
    () => gov.admin('POST', '/api/v1/flags', {
      name: 'e2e.streamed', type: 'release',
      environments: { development: { enabled: true, strategies: [{ name: 'default', parameters: {}, segments: [segId] }] } },
    }),
    () => sdk.isEnabled('e2e.streamed', beta), ['feature-updated:e2e.streamed']);
  assert.equal(sdk.isEnabled('e2e.streamed', { userId: 'user-5', properties: { plan: 'free' } }), false);
  const removed = await change('e2e.streamed deleted',
    () => gov.admin('DELETE', '/api/v1/flags/e2e.streamed'),
    () => sdk.getFeatureToggleDefinition('e2e.streamed') === undefined, ['feature-removed:e2e.streamed']);
  assert.equal(removed.events[0].featureName, 'e2e.streamed');
  assert.equal(sdk.isEnabled('e2e.streamed', beta), false);
  await change('segment deleted',
    () => gov.admin('DELETE', `/api/v1/segments/${segId}`),
    () => sdk.repository.getSegment(segId) === undefined, [`segment-removed:${segId}`]);

  // A refused change (segment 1 is in use) sends nothing.
  const refused = await gov.admin('DELETE', '/api/v1/segments/1');
  assert.equal(refused.status, 409, JSON.stringify(refused.body));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(raw.events.length, raw.read, `unexpected events: ${JSON.stringify(raw.events.slice(raw.read))}`);

  // The SDK never polled and stayed in streaming mode.
  assert.deepEqual(modes, [], `the SDK left streaming mode: ${warnings.join('; ')}`);
  assert.equal(sdk.repository.getMode(), 'streaming');
  assert.equal(await requestsOn(gov, '/api/client/features'), 0, 'the SDK polled /api/client/features');
  assert.equal(await requestsOn(gov, '/api/client/delta'), 0, 'the SDK polled /api/client/delta');
  assert.equal(await requestsOn(gov, '/api/client/streaming', 200), 2, 'one raw stream and one SDK stream');

  // The state the SDK built from the stream's deltas is the full state.
  const full = await (await fetch(`${gov.base}/api/client/features`, { headers: { Authorization: token } })).json();
  assert.deepEqual(sdk.repository.getToggles().sort(byName), full.features.sort(byName));
  assert.deepEqual([...sdk.repository.segments.values()].sort(byId), full.segments.sort(byId));
  const exported = ok(await gov.admin('GET', '/api/v1/flags/export?environment=development'), 'export');
  const after = await assertSameAsOffline(gov, sdk, { flags: exported, n: 100, newClient, clients });
  console.log(`after the changes: compared ${after} isEnabled+getVariant pairs`);

  // A stream opened now starts from the current state.
  const late = await openSse(streamUrl, { Authorization: token });
  streams.push(late);
  assert.equal(late.status, 200, late.body);
  const lateConnected = await late.next(5000, 'unleash-connected on the late stream');
  assert.equal(lateConnected.event, 'unleash-connected');
  assert.equal(lateConnected.id, String(lastId));
  const lateHydration = JSON.parse(lateConnected.data).events;
  assert.deepEqual(lateHydration.map((e) => e.type), ['hydration']);
  assert.deepEqual(lateHydration[0].features.sort(byName), full.features);
  assert.deepEqual(lateHydration[0].segments.sort(byId), full.segments);

  assert.deepEqual(warnings, []);
  assert.equal(raw.error, undefined);
  console.log('ok');
} finally {
  for (const s of streams) s.close();
  for (const c of clients) c.destroy();
  await gov.stop();
}
