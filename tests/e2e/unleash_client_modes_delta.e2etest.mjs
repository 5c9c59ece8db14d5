// unleash-client 6.12.1 in delta polling mode (experimentalMode {type: 'polling', format:
// 'delta'}; the SDK then polls GET /api/client/delta, lib/url-utils.js) against a running
// Governor: it syncs from the first "hydration", evaluates like the same SDK bootstrapped from
// the admin export, and every kind of admin change reaches it as a delta: a flag turned off and
// on, new strategies, new variants, a segment changed, a segment created, a flag created that
// uses it, the flag deleted (the SDK forgets it), the segment deleted. After each change a raw
// request with the previous ETag gets exactly that change's delta events (no hydration) and a
// request with the new ETag gets 304. The server's request counter shows the SDK used only
// the delta route, and at the end the SDK's state equals GET /api/client/features.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startGovernor, waitUntil, assertSameAsOffline, ok, requestsOn } from './lib/governor.mjs';
import { sdkFactory, watched, describeEvent, byName, byId } from './lib/sdk_modes.mjs';

const flags = JSON.parse(readFileSync(new URL('./flags.json', import.meta.url)));
const REFRESH_MS = 200;
const SEEN_MS = 5000;  // bound on how long a change may take to reach the SDK

const newClient = sdkFactory({ appName: 'e2e-delta', instanceId: 'e2e-d1' });

const gov = await startGovernor({ flags });
const clients = [];
try {
  const token = await gov.token('client');
  let rawDeltaCalls = 0;
  let raw304 = 0;
  const rawDelta = async (etag) => {
    rawDeltaCalls++;
    const res = await fetch(`${gov.base}/api/client/delta`, {
      headers: { Authorization: token, ...(etag ? { 'If-None-Match': etag } : {}) },
    });
    if (res.status === 304) raw304++;
    return res;
  };

  // The first answer: one hydration event with every flag and segment, and an ETag.
  const first = await rawDelta();
  assert.equal(first.status, 200);
  const firstEtag = first.headers.get('etag');
  assert.ok(firstEtag, 'no ETag on /api/client/delta');
  const hydration = await first.json();
  assert.equal(hydration.events.length, 1, JSON.stringify(hydration).slice(0, 300));
  const [h] = hydration.events;
  assert.equal(h.type, 'hydration');
  assert.equal(typeof h.eventId, 'number');
  assert.deepEqual(h.features.map((f) => f.name).sort(), flags.features.map((f) => f.name).sort());
  assert.deepEqual(h.segments.map((s) => s.id), [1]);
  assert.equal((await rawDelta(firstEtag)).status, 304, 'the current ETag is not answered 304');
  // An ETag the server did not make (or for another filter) gets the full state again.
  const foreign = await rawDelta('"0123456789abcdef-1"');
  assert.equal(foreign.status, 200);
  assert.deepEqual((await foreign.json()).events.map((e) => e.type), ['hydration']);

  // The SDK in delta polling mode.
  const w = watched(newClient, {
    url: `${gov.base}/api`, customHeaders: { Authorization: token },
    refreshInterval: REFRESH_MS, disableMetrics: true,
    experimentalMode: { type: 'polling', format: 'delta' },
  }, clients, 'delta SDK did not sync');
  const { sdk, modes, warnings } = w;
  let changedEvents = 0;
  let unchangedEvents = 0;
  sdk.on('changed', () => { changedEvents++; });
  sdk.on('unchanged', () => { unchangedEvents++; });
  await w.synchronized;
  const compared = await assertSameAsOffline(gov, sdk, { flags, n: 100, newClient, clients });
  console.log(`hydration: compared ${compared} isEnabled+getVariant pairs`);

  // Each change: the SDK sees it; the delta since the previous ETag is exactly `expected`
  // (all with one eventId, increasing from step to step); the new ETag is answered 304.
  let etag = firstEtag;
  let lastEventId = h.eventId;
  async function change(what, act, seen, expected) {
    const sentAt = Date.now();
    const body = ok(await act(), what);
    await waitUntil(seen, SEEN_MS, `the delta SDK to see: ${what}`);
    const took = Date.now() - sentAt;
    const res = await rawDelta(etag);
    assert.equal(res.status, 200, `${what}: delta since the previous ETag`);
    const next = res.headers.get('etag');
    assert.ok(next && next !== etag, `${what}: ETag ${next} after ${etag}`);
    const delta = await res.json();
    assert.deepEqual(delta.events.map(describeEvent), expected, `${what}: ${JSON.stringify(delta)}`);
    const ids = new Set(delta.events.map((e) => e.eventId));
    assert.equal(ids.size, 1, `${what}: eventIds ${[...ids]}`);
    const [id] = ids;
    assert.ok(id > lastEventId, `${what}: eventId ${id} after ${lastEventId}`);
    lastEventId = id;
    assert.equal((await rawDelta(next)).status, 304, `${what}: the new ETag`);
    etag = next;
    console.log(`${what}: SDK saw it after ${took} ms; delta ${JSON.stringify(expected)}`);
    return { body, delta };
  }

  assert.equal(sdk.isEnabled('e2e.static'), true);
  const off = await change('e2e.static off',
    () => gov.admin('POST', '/api/v1/flags/e2e.static/environments/development/off'),
    () => !sdk.isEnabled('e2e.static'), ['feature-updated:e2e.static']);
  assert.equal(off.delta.events[0].feature.enabled, false);
  await change('e2e.static on',
    () => gov.admin('POST', '/api/v1/flags/e2e.static/environments/development/on'),
    () => sdk.isEnabled('e2e.static'), ['feature-updated:e2e.static']);

  assert.equal(sdk.isEnabled('e2e.users', { userId: 'user-1' }), false);
  await change('e2e.users strategies',
    () => gov.admin('PUT', '/api/v1/flags/e2e.users/environments/development/strategies',
      { strategies: [{ name: 'userWithId', parameters: { userIds: 'user-1' } }] }),
    () => sdk.isEnabled('e2e.users', { userId: 'user-1' }) && !sdk.isEnabled('e2e.users', { userId: 'user-0' }),
    ['feature-updated:e2e.users']);

  await change('e2e.legacy variants',
    () => gov.admin('PUT', '/api/v1/flags/e2e.legacy/environments/development/variants',
      { variants: [{ name: 'only', weight: 1000, stickiness: 'default', weightType: 'variable' }] }),
    () => sdk.getVariant('e2e.legacy', { userId: 'user-7' }).name === 'only',
    ['feature-updated:e2e.legacy']);

  // Segment 1 ("nordics", used by e2e.targeted) changed: a segment-updated event only.
  const finn = { userId: 'user-3', properties: { plan: 'pro', country: 'fi' } };
  const norwegian = { userId: 'user-3', properties: { plan: 'pro', country: 'no' } };
  assert.equal(sdk.isEnabled('e2e.targeted', finn), false);
  assert.equal(sdk.isEnabled('e2e.targeted', norwegian), true);
  await change('segment 1 updated',
    () => gov.admin('PUT', '/api/v1/segments/1', {
      name: 'nordics', constraints: [{ contextName: 'country', operator: 'IN', values: ['fi'] }],
    }),
    () => sdk.isEnabled('e2e.targeted', finn) && !sdk.isEnabled('e2e.targeted', norwegian),
    ['segment-updated:1']);

  // A new segment, then a new flag that uses it.
  const segment = ok(await gov.admin('POST', '/api/v1/segments', {
    name: 'beta-plan', constraints: [{ contextName: 'plan', operator: 'IN', values: ['beta'] }],
  }), 'create segment');
  const segId = segment.id;
  await waitUntil(() => sdk.repository.getSegment(segId) !== undefined, SEEN_MS, `segment ${segId} in the SDK`);
  {
    const res = await rawDelta(etag);
    assert.equal(res.status, 200);
    const delta = await res.json();
    assert.deepEqual(delta.events.map(describeEvent), [`segment-updated:${segId}`], JSON.stringify(delta));
    assert.deepEqual(delta.events[0].segment.constraints.map((c) => c.values), [['beta']]);
    etag = res.headers.get('etag');
    lastEventId = delta.events[0].eventId;
    console.log(`segment ${segId} created: delta ${JSON.stringify(delta.events.map(describeEvent))}`);
  }
  const beta = { userId: 'user-5', properties: { plan: 'beta' } };
  const free = { userId: 'user-5', properties: { plan: 'free' } };
  await change('e2e.delta.new created',
    () => gov.admin('POST', '/api/v1/flags', {
      name: 'e2e.delta.new', type: 'release',
      environments: { development: { enabled: true, strategies: [{ name: 'default', parameters: {}, segments: [segId] }] } },
    }),
    () => sdk.isEnabled('e2e.delta.new', beta), ['feature-updated:e2e.delta.new']);
  assert.equal(sdk.isEnabled('e2e.delta.new', free), false);

  // Deleting the segment while the flag uses it is refused; delete the flag, then the segment.
  const inUse = await gov.admin('DELETE', `/api/v1/segments/${segId}`);
  assert.equal(inUse.status, 409, JSON.stringify(inUse.body));
  const removed = await change('e2e.delta.new deleted',
    () => gov.admin('DELETE', '/api/v1/flags/e2e.delta.new'),
    () => sdk.getFeatureToggleDefinition('e2e.delta.new') === undefined,
    ['feature-removed:e2e.delta.new']);
  assert.equal(removed.delta.events[0].project, 'default');
  assert.equal(sdk.isEnabled('e2e.delta.new', beta), false);
  await change(`segment ${segId} deleted`,
    () => gov.admin('DELETE', `/api/v1/segments/${segId}`),
    () => sdk.repository.getSegment(segId) === undefined, [`segment-removed:${segId}`]);

  // From the first ETag: one delta with the net effect of all the changes, not a hydration
  // (e2e.static went off and on again, so it is not in it; segment 2 came and went).
  {
    const res = await rawDelta(firstEtag);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('etag'), etag);
    const delta = await res.json();
    assert.deepEqual(delta.events.map(describeEvent).sort(),
      ['feature-updated:e2e.legacy', 'feature-updated:e2e.users', 'segment-updated:1'],
      JSON.stringify(delta));
  }

  // Nothing changes any more: the SDK's next polls send its ETag and get 304.
  const unchangedBefore = unchangedEvents;
  await waitUntil(() => unchangedEvents >= unchangedBefore + 2, 3000, 'two 304s to the SDK');

  // The SDK asked /api/client/delta (many times) and never /api/client/features.
  const deltaRequests = await requestsOn(gov, '/api/client/delta');
  const sdkDeltaRequests = deltaRequests - rawDeltaCalls;
  console.log(`server counted ${deltaRequests} /api/client/delta requests (${sdkDeltaRequests} from the SDK, ` +
    `${await requestsOn(gov, '/api/client/delta', 304) - raw304} answered 304); ` +
    `SDK events: ${changedEvents} 'changed', ${unchangedEvents} 'unchanged'`);
  // One 'changed' per 200: the hydration and the nine changes (no empty 200 in between).
  assert.equal(changedEvents, 10);
  assert.ok(sdkDeltaRequests >= 10, `only ${sdkDeltaRequests} delta requests from the SDK`);
  assert.ok(await requestsOn(gov, '/api/client/delta', 304) - raw304 >= 2, 'the server counted no 304 to the SDK');
  assert.equal(await requestsOn(gov, '/api/client/features'), 0, 'the SDK polled /api/client/features');

  // The state the SDK built from deltas is the full state, and evaluates like it.
  const full = await (await fetch(`${gov.base}/api/client/features`, { headers: { Authorization: token } })).json();
  assert.deepEqual(sdk.repository.getToggles().sort(byName), full.features.sort(byName));
  assert.deepEqual([...sdk.repository.segments.values()].sort(byId), full.segments.sort(byId));
  const exported = ok(await gov.admin('GET', '/api/v1/flags/export?environment=development'), 'export');
  const after = await assertSameAsOffline(gov, sdk, { flags: exported, n: 100, newClient, clients });
  console.log(`after the changes: compared ${after} isEnabled+getVariant pairs`);

  assert.deepEqual(modes, []);
  assert.equal(sdk.repository.getMode(), 'polling');
  assert.deepEqual(warnings, []);
  console.log('ok');
} finally {
  for (const c of clients) c.destroy();
  await gov.stop();
}
