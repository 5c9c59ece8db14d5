// A whole A/B experiment through unleash-client evaluating locally: the app asks getVariant for
// 2,000 users, sends each assignment as an `exposure` event and the conversions as `purchase`
// track events through POST /api/v1/events, and the results report the treatment (20% better)
// as a win with the right sign, no SRM warning and the control's rate inside its interval; a
// second run with no true difference reports inconclusive. A retried batch counts once.
import assert from 'node:assert/strict';
import { Unleash, InMemStorageProvider } from 'unleash-client';
import { startGovernor } from './lib/governor.mjs';
import {
  FEATURE, experimentFlags, rng, startExperiment, sendEvents, conversions, resultsWhenAggregated,
  assertVerdict,
} from './lib/experiment.mjs';

const USERS = 2000;
const CONTROL_RATE = 0.5;

async function run({ seed, treatmentRate, expected }) {
  const gov = await startGovernor({ flags: experimentFlags });
  let sdk;
  try {
    const key = await startExperiment(gov, `checkout-${seed}`);
    const token = await gov.token('client');
    sdk = new Unleash({
      appName: 'e2e-experiment', instanceId: `e2e-${seed}`, url: `${gov.base}/api`,
      customHeaders: { Authorization: token }, storageProvider: new InMemStorageProvider(),
      disableMetrics: true, refreshInterval: 60000,
    });
    await new Promise((resolve, reject) => { sdk.once('synchronized', resolve); sdk.once('error', reject); });
    const assignments = new Map();
    const exposures = [];
    const at = new Date().toISOString();
    for (let i = 0; i < USERS; i++) {
      const user = `user-${seed}-${i}`;
      const variant = sdk.getVariant(FEATURE, { userId: user });
      assert.ok(variant.enabled && ['control', 'treatment'].includes(variant.name), JSON.stringify(variant));
      assignments.set(user, variant.name);
      // The app names the feature; Governor resolves the experiment running on it.
      exposures.push({ id: `exposure-${user}`, type: 'exposure', name: FEATURE, unit: user,
        feature: FEATURE, variant: variant.name, timestamp: at });
    }
    await sendEvents(gov, token, exposures);
    // A client that retries a batch it did not see acknowledged: counted once.
    await sendEvents(gov, token, exposures.slice(0, 500));
    const events = conversions(assignments, { control: CONTROL_RATE, treatment: treatmentRate }, rng(seed),
      new Date(Date.parse(at) + 1000).toISOString());
    await sendEvents(gov, token, events);
    const results = await resultsWhenAggregated(gov, key, USERS);
    assert.equal(results.variants.reduce((n, v) => n + v.units, 0), USERS);
    assertVerdict(results, { expected, controlRate: CONTROL_RATE });
  } finally {
    sdk?.destroy();
    await gov.stop();
  }
}

await run({ seed: 21, treatmentRate: CONTROL_RATE * 1.2, expected: 'win' });
await run({ seed: 22, treatmentRate: CONTROL_RATE, expected: 'inconclusive' });
console.log('ok');
