// A release plan seen through the real SDKs on the running binary (SQLite): each milestone a
// plan moves to by hand is served, within a second of the action request being sent, by
//  - unleash-client 6.12.1 in streaming mode (GET /api/client/streaming; it evaluates locally on
//    the streamed flags: isEnabled(feature, {userId})),
//  - @openfeature/server-sdk 1.23.0 with @openfeature/ofrep-provider 0.1.3 (server-side
//    evaluation, POST /ofrep/v1/evaluate/flags/{key}),
//  - the Unleash frontend API (GET /api/frontend?userId=, fetched directly: the proxy client
//    holds one context at a time, so it cannot ask for 2,000 ids cheaply),
// and after it each serves the milestone's percentage within 3 points on 2,000 random user ids.
//
// Plan "checkout" runs 10% → 50% → 100% (completed); its managed strategy is then replaced
// through the flags API (allowed once the plan is over), and plan "checkout-again" runs to 25%
// and rolls back to 0%. Milestones have no advanceAfterSeconds/advanceAt, so only this test's
// requests move them. The feature is on, and its only other strategy targets user "vip", so
// the managed flexibleRollout alone decides for the random ids.
//
// Timing. "Within a second" is the product requirement this test checks, the one wall-clock
// assertion here. A remote check of 2,000 ids takes long enough itself to blur the figure, so
// the timing uses a sample: the first 24 of the ids. Each id's answer at a percentage is known
// from the SDK's own hash (normalizedStrategyValue: murmur3 of "<groupId>:<userId>", 1-100,
// which the server shares), and the sample holds ids whose answer flips at every transition.
// Right before the action every client gives each sample id exactly its answer at the old
// percentage; after it, each client is polled every 50 ms until it gives each its answer at the
// new one, and its time is the END of that first matching check minus the moment the action
// request was sent (an upper bound: every answer of that check was already the new one). Then
// the full 2,000 ids are checked against the ±3 points, untimed. The sample is the ids' head,
// not the ids that flip: the plan counts the units its strategy exposed against the rest and
// pauses on a sample-ratio mismatch, so the evaluated units must be a random sample.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { Unleash, InMemStorageProvider } from 'unleash-client';
import { OpenFeature } from '@openfeature/server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { rng as seededUniform } from './lib/experiment.mjs';
import { startGovernor, ok, requestsOn, waitUntil } from './lib/governor.mjs';

const require = createRequire(import.meta.url);
const { normalizedStrategyValue } = require('unleash-client/lib/strategy/util.js');

const FEATURE = 'checkout-v2';
const ENV = 'production';
const N_IDS = 2000;
const TOLERANCE_POINTS = 3;
const SAMPLE = 24;
const LIMIT_MS = 1000;       // the requirement: served within a second of the action
const GIVE_UP_MS = 10000;    // a client still not there by then fails with its state printed
const POLL_MS = 50;
const CONCURRENCY = 16;      // remote evaluations in flight at once per client

// The e2e tests' seeded generator (mulberry32), as 32-bit integers: the same ids every run.
const uniform = seededUniform(20261206);
const rng = () => Math.floor(uniform() * 4294967296);
const ids = Array.from({ length: N_IDS }, () =>
  `u-${rng().toString(16).padStart(8, '0')}${rng().toString(16).padStart(8, '0')}`);
assert.equal(new Set(ids).size, N_IDS);
const bucket = new Map(ids.map((id) => [id, normalizedStrategyValue(id, FEATURE)]));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Runs `fn` over `items` with at most `limit` calls in flight; the results in order.
async function mapLimited(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const gov = await startGovernor();
let streaming;
try {
  ok(await gov.admin('POST', '/api/v1/flags', {
    name: FEATURE,
    environments: { [ENV]: { enabled: true, strategies: [{ name: 'userWithId', parameters: { userIds: 'vip' } }] } },
  }), 'create the feature');
  const clientToken = await gov.token('client', ENV);
  const frontendToken = await gov.token('frontend', ENV);

  // unleash-client in streaming mode; a one-hour refreshInterval rules polling out.
  streaming = new Unleash({
    appName: 'e2e-release-plan', instanceId: 'e2e-rp', url: `${gov.base}/api`,
    customHeaders: { Authorization: clientToken }, storageProvider: new InMemStorageProvider(),
    refreshInterval: 3600 * 1000, disableMetrics: true, experimentalMode: { type: 'streaming' },
  });
  const warnings = [];
  streaming.on('warn', (w) => warnings.push(String(w)));
  streaming.on('error', (e) => warnings.push(`error: ${e.message}`));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no flags from the stream: ${warnings.join('; ')}`)), 15000);
    streaming.once('synchronized', () => { clearTimeout(timer); resolve(); });
  });

  // The OFREP server provider 0.1.3 keeps no cache: every evaluation is one
  // POST /ofrep/v1/evaluate/flags/{key} (see its OFREPProvider.evaluate; it only remembers a
  // 429's Retry-After). It has no bulk evaluation, so 2,000 ids are 2,000 requests. An error
  // would come back as the default value, so each answer's errorCode is asserted absent.
  await OpenFeature.setProviderAndWait(new OFREPProvider({
    baseUrl: gov.base, headers: [['Authorization', `Bearer ${clientToken}`]],
  }));
  const of = OpenFeature.getClient();

  // Each client answers, for a list of ids, whether each gets the feature.
  const clients = {
    'unleash-client streaming': async (list) => list.map((id) => streaming.isEnabled(FEATURE, { userId: id })),
    'OFREP server provider': (list) => mapLimited(list, CONCURRENCY, async (id) => {
      const d = await of.getBooleanDetails(FEATURE, false, { targetingKey: id });
      assert.equal(d.errorCode, undefined, `OFREP ${id}: ${d.errorCode} ${d.errorMessage}`);
      return d.value;
    }),
    'frontend API': (list) => mapLimited(list, CONCURRENCY, async (id) => {
      const res = await fetch(`${gov.base}/api/frontend?userId=${encodeURIComponent(id)}`,
        { headers: { Authorization: frontendToken } });
      assert.equal(res.status, 200, `frontend ${id}`);
      const body = await res.json();
      return body.toggles.some((t) => t.name === FEATURE && t.enabled === true);
    }),
  };
  const names = Object.keys(clients);
  const percentOn = (answers) => (100 * answers.filter(Boolean).length) / answers.length;

  // What the server holds right now: the plan's state and the managed strategy's rollout.
  async function expectPlan(plan, state, rollout) {
    const p = ok(await gov.admin('GET', `/api/v1/release-plans/${plan}`), `GET ${plan}`);
    assert.equal(p.state, state, JSON.stringify(p));
    assert.equal(p.rollout, rollout, JSON.stringify(p));
  }

  // Sends `action` on `plan`, moving the rollout from `from` to `to` percent and the plan to
  // `state`: checks the sample still gets its answers at `from`, sends the action, times each
  // client until the sample gets its answers at `to` (a row of `timings`), then checks 2,000 ids.
  const sample = ids.slice(0, SAMPLE);
  const timings = [];
  async function transition(plan, action, from, to, state) {
    const answersAt = (percent) => sample.map((id) => bucket.get(id) <= percent);
    const before = answersAt(from);
    const after = answersAt(to);
    assert.ok(before.some((a, i) => a !== after[i]), `no sample id flips from ${from}% to ${to}%`);
    for (const name of names) {
      assert.deepEqual(await clients[name](sample), before, `${name} before ${action} to ${to}%`);
    }
    const sentAt = performance.now();
    const request = gov.admin('POST', `/api/v1/release-plans/${plan}/${action}`);
    // Polls one client from the moment the action is sent; the watches and the request run
    // side by side, as independent clients would.
    const watch = async (name) => {
      for (;;) {
        const answers = await clients[name](sample);
        const now = performance.now() - sentAt;
        if (answers.every((a, i) => a === after[i])) return now;
        if (now > GIVE_UP_MS) {
          throw new Error(`${name}: ${answers.filter((a, i) => a === after[i]).length}/${SAMPLE} ids as at ${to}% ` +
            `${Math.round(now)} ms after ${action} to ${to}%`);
        }
        await sleep(POLL_MS);
      }
    };
    const [res, ...ms] = await Promise.all([request, ...names.map(watch)]);
    const acted = ok(res, `${action} ${plan}`);
    assert.equal(acted.state, state, JSON.stringify(acted));
    assert.equal(acted.rollout, to, JSON.stringify(acted));
    const row = { milestone: `${plan} ${action} → ${to}%` };
    names.forEach((name, i) => { row[name] = Math.round(ms[i]); });
    timings.push(row);

    const percents = Object.fromEntries(await Promise.all(
      names.map(async (name) => [name, percentOn(await clients[name](ids))])));
    console.log(`${row.milestone}: served after ${names.map((n) => `${n} ${row[n]} ms`).join(', ')}; ` +
      `on ${N_IDS} ids: ${names.map((n) => `${n} ${percents[n].toFixed(2)}%`).join(', ')}`);
    for (const name of names) {
      assert.ok(Math.abs(percents[name] - to) <= TOLERANCE_POINTS, `${name} serves ${percents[name]}% at ${to}%`);
      assert.ok(row[name] <= LIMIT_MS, `${name} served ${to}% ${row[name]} ms after ${action} was sent`);
    }
  }

  // Before the plan starts only "vip" gets the feature (the first transition checks the sample).
  assert.deepEqual(await clients['OFREP server provider'](['vip']), [true]);

  ok(await gov.admin('POST', '/api/v1/release-plans', {
    name: 'checkout', feature: FEATURE, environment: ENV, stickiness: 'userId',
    milestones: [{ rollout: 10 }, { rollout: 50 }, { rollout: 100 }],
  }), 'create plan checkout');
  await expectPlan('checkout', 'draft', 0);
  await transition('checkout', 'start', 0, 10, 'running');
  await transition('checkout', 'advance', 10, 50, 'running');
  await transition('checkout', 'advance', 50, 100, 'completed');

  // A completed plan's strategy is the flags API's again: back to "vip" only, then a second plan
  // that is rolled back.
  ok(await gov.admin('PUT', `/api/v1/flags/${FEATURE}/environments/${ENV}/strategies`, {
    strategies: [{ name: 'userWithId', parameters: { userIds: 'vip' } }],
  }), 'reset the strategies');
  ok(await gov.admin('POST', '/api/v1/release-plans', {
    name: 'checkout-again', feature: FEATURE, environment: ENV, stickiness: 'userId',
    milestones: [{ rollout: 25 }, { rollout: 100 }],
  }), 'create plan checkout-again');
  for (const name of names) {
    await waitUntil(async () => (await clients[name](sample)).every((a) => !a), GIVE_UP_MS,
      `${name} to serve "vip" only again`);
  }
  await transition('checkout-again', 'start', 0, 25, 'running');
  await transition('checkout-again', 'rollback', 25, 0, 'rolledBack');
  await expectPlan('checkout-again', 'rolledBack', 0);
  assert.deepEqual(await clients['OFREP server provider'](['vip']), [true], 'vip after the rollback');

  console.table(timings);
  const worst = Math.max(...timings.flatMap((r) => names.map((n) => r[n])));
  console.log(`slowest: ${worst} ms of the ${LIMIT_MS} ms allowed`);
  assert.equal(await requestsOn(gov, '/api/client/features'), 0, 'the streaming SDK polled');
  assert.equal(streaming.repository.getMode(), 'streaming');
  assert.deepEqual(warnings, []);
  console.log('ok');
} finally {
  streaming?.destroy();
  await OpenFeature.close();
  await gov.stop();
}
