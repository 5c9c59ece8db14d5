// A whole A/B experiment driven through Governor's API, for the experiment end-to-end tests:
// a feature with two variants, a conversion metric, an experiment started on it, simulated
// users who convert at a chosen rate per variant, and the results read back once every unit is
// aggregated. Deterministic: the users and their conversions come from a seeded generator.
import assert from 'node:assert/strict';
import { ok, waitUntil } from './governor.mjs';

export const FEATURE = 'exp.checkout';

// The flags file: one feature whose variants (50/50 by userId) are the experiment's arms.
export const experimentFlags = {
  version: 2,
  features: [{
    name: FEATURE, type: 'experiment', enabled: true,
    strategies: [{
      name: 'flexibleRollout', parameters: { rollout: '100', stickiness: 'userId', groupId: FEATURE },
      variants: [
        { name: 'control', weight: 500, weightType: 'variable', stickiness: 'userId', payload: { type: 'string', value: 'old' } },
        { name: 'treatment', weight: 500, weightType: 'variable', stickiness: 'userId', payload: { type: 'string', value: 'new' } },
      ],
    }],
  }],
};

// Mulberry32: a small seeded generator, so every run simulates the same users.
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Creates the metric and the experiment and starts it. Returns the experiment's key.
export async function startExperiment(gov, key) {
  const metric = await gov.admin('POST', '/api/v1/metrics', {
    name: `${key}-purchase`, type: 'proportion', numerator: { event: 'purchase' },
    direction: 'higherIsBetter',
  });
  ok(metric, 'create metric');
  ok(await gov.admin('POST', '/api/v1/experiments', {
    key, name: 'New checkout', hypothesis: 'The new checkout converts better',
    environment: 'development', feature: FEATURE, controlVariant: 'control',
    metrics: [{ metric: `${key}-purchase`, role: 'goal' }],
  }), 'create experiment');
  ok(await gov.admin('POST', `/api/v1/experiments/${key}/start`, {}), 'start experiment');
  return key;
}

// Sends events in batches of 500 through POST /api/v1/events with `token`.
export async function sendEvents(gov, token, events) {
  for (let i = 0; i < events.length; i += 500) {
    const res = await fetch(`${gov.base}/api/v1/events`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ events: events.slice(i, i + 500) }),
    });
    const body = await res.json();
    assert.equal(res.status, 202, JSON.stringify(body));
    assert.deepEqual(body.rejected, [], JSON.stringify(body));
  }
}

// `purchase` track events for the users that convert: of each variant's users, exactly
// round(rates[variant] x users) convert, picked at random by `random` (a seeded shuffle), so the
// simulated rates are the true ones and only the choice of users is random. `assignments` maps
// userId -> variant.
export function conversions(assignments, rates, random, at) {
  const byVariant = new Map();
  for (const [user, variant] of assignments) {
    if (!byVariant.has(variant)) byVariant.set(variant, []);
    byVariant.get(variant).push(user);
  }
  const events = [];
  for (const [variant, users] of byVariant) {
    for (let i = users.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [users[i], users[j]] = [users[j], users[i]];
    }
    const converting = Math.round(rates[variant] * users.length);
    for (const user of users.slice(0, converting)) {
      events.push({ id: `purchase-${user}`, type: 'track', name: 'purchase', unit: user, timestamp: at });
    }
  }
  return events;
}

// The experiment's results once all `units` units are aggregated.
export async function resultsWhenAggregated(gov, key, units) {
  let results;
  await waitUntil(async () => {
    const res = await gov.admin('GET', `/api/v1/experiments/${key}/results`);
    if (res.status !== 200) return false;
    results = res.body;
    const total = results.variants.reduce((n, v) => n + v.units, 0);
    return total >= units && results.pendingEvents === 0;
  }, 60000, `${units} units aggregated`);
  return results;
}

// Asserts the goal metric's verdict for the treatment (`expected`: win or inconclusive), with
// the effect's sign matching a win, no sample-ratio mismatch, and the control's true rate
// `controlRate` inside the interval of the control's mean.
export function assertVerdict(results, { expected, controlRate }) {
  const summary = JSON.stringify(results.metrics);
  assert.equal(results.srm.mismatch, false, JSON.stringify(results.srm));
  assert.ok(!results.warnings.some((w) => w.code === 'sampleRatioMismatch'), JSON.stringify(results.warnings));
  assert.equal(results.multipleExposureUnits, 0);
  const goal = results.metrics[0];
  const control = goal.variants.find((v) => v.control);
  const treatment = goal.variants.find((v) => !v.control);
  assert.ok(control.meanCi[0] <= controlRate && controlRate <= control.meanCi[1], summary);
  assert.equal(treatment.decision, expected, summary);
  if (expected === 'win') {
    assert.ok(treatment.effect > 0, summary);
    assert.ok(treatment.ci[0] > 0, summary);
  } else {
    assert.ok(treatment.ci[0] <= 0 && 0 <= treatment.ci[1], summary);
  }
  console.log(`${goal.metric}: control ${control.mean.toFixed(3)} (${control.units} units), ` +
    `treatment ${treatment.mean.toFixed(3)} (${treatment.units} units), effect ${treatment.effect.toFixed(3)} ` +
    `[${treatment.ci.map((x) => x?.toFixed(3)).join(', ')}] -> ${treatment.decision}`);
}
