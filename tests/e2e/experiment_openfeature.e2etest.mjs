// A whole A/B experiment through @openfeature/server-sdk with the OFREP provider: the app
// evaluates the experiment's flag for 2,000 users (Governor records the exposures itself),
// sends `purchase` track events through POST /api/v1/events for the users that convert, and
// the results then report the treatment as a win with the right sign, no SRM warning, and the
// control's conversion rate inside the control's interval. A second run, where both variants
// convert alike, reports inconclusive. Users and conversions come from a seeded generator.
import assert from 'node:assert/strict';
import { OpenFeature } from '@openfeature/server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { startGovernor, waitUntil } from './lib/governor.mjs';
import {
  FEATURE, experimentFlags, rng, startExperiment, sendEvents, conversions, resultsWhenAggregated,
  assertVerdict,
} from './lib/experiment.mjs';

const USERS = 2000;
const CONTROL_RATE = 0.5;

async function run({ seed, treatmentRate, expected }) {
  const gov = await startGovernor({ flags: experimentFlags });
  try {
    const key = await startExperiment(gov, `checkout-${seed}`);
    const token = await gov.token('client');
    await OpenFeature.setProviderAndWait(new OFREPProvider({ baseUrl: gov.base, headers: [['Authorization', `Bearer ${token}`]] }));
    const client = OpenFeature.getClient();
    const assignments = new Map();
    for (let i = 0; i < USERS; i++) {
      const user = `user-${seed}-${i}`;
      const details = await client.getStringDetails(FEATURE, 'none', { targetingKey: user });
      assert.ok(['control', 'treatment'].includes(details.variant), JSON.stringify(details));
      assignments.set(user, details.variant);
    }
    const random = rng(seed);
    const events = conversions(assignments, { control: CONTROL_RATE, treatment: treatmentRate }, random,
      new Date().toISOString());
    await sendEvents(gov, token, events);
    const results = await resultsWhenAggregated(gov, key, USERS);
    assertVerdict(results, { expected, controlRate: CONTROL_RATE });
    // The exposures and events show on /metrics (the recorder counts a write once its commit
    // returns, which may be just after the aggregator has seen the rows).
    const counter = async (name) => {
      const metrics = await (await fetch(`${gov.base}/metrics`)).text();
      return Number(metrics.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1]);
    };
    await waitUntil(async () => await counter('governor_exposures_total\\{outcome="written"\\}') === USERS,
      10000, `${USERS} exposures written on /metrics`);
    assert.equal(await counter('governor_events_total\\{outcome="stored"\\}'), USERS + events.length);
    await OpenFeature.close();
  } finally {
    await gov.stop();
  }
}

// The treatment converts 20% better (0.6 against 0.5).
await run({ seed: 11, treatmentRate: CONTROL_RATE * 1.2, expected: 'win' });
// No true difference.
await run({ seed: 12, treatmentRate: CONTROL_RATE, expected: 'inconclusive' });
console.log('ok');
