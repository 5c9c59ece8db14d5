// @openfeature/server-sdk 1.23.0 with @openfeature/ofrep-provider 0.1.3 against Governor's
// OFREP single-flag evaluation: boolean, string, number and object flags, FLAG_NOT_FOUND, and
// a type mismatch.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { OpenFeature } from '@openfeature/server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { startGovernor } from './lib/governor.mjs';

const flags = JSON.parse(readFileSync(new URL('./flags.json', import.meta.url)));
const gov = await startGovernor({ flags });
try {
  const token = await gov.token('client');
  await OpenFeature.setProviderAndWait(new OFREPProvider({ baseUrl: gov.base, headers: [['Authorization', `Bearer ${token}`]] }));
  const client = OpenFeature.getClient();
  const ctx = { targetingKey: 'user-7', plan: 'pro', country: 'no' };

  const b = await client.getBooleanDetails('e2e.static', false, ctx);
  assert.equal(b.value, true);
  assert.equal(b.reason, 'STATIC');
  const t = await client.getBooleanDetails('e2e.users', false, ctx);
  assert.equal(t.value, true);
  assert.equal(t.reason, 'TARGETING_MATCH');
  const d = await client.getBooleanDetails('e2e.off', true, ctx);
  assert.equal(d.value, false);
  assert.equal(d.reason, 'DISABLED');
  assert.equal(d.variant, 'disabled');

  const s = await client.getStringDetails('e2e.color', 'none', ctx);
  assert.ok(['#ff0000', '#00ff00', '#0000ff'].includes(s.value), JSON.stringify(s));
  assert.equal(s.reason, 'SPLIT');
  const n = await client.getNumberDetails('e2e.limit', 0, ctx);
  assert.equal(n.value, 42);
  assert.equal(n.variant, 'high');
  const o = await client.getObjectDetails('e2e.config', {}, ctx);
  assert.deepEqual(o.value, { retries: 3, mode: 'fast' });
  assert.equal(o.flagMetadata.flagType, 'operational');

  const missing = await client.getBooleanDetails('e2e.nope', true, ctx);
  assert.equal(missing.value, true);
  assert.equal(missing.errorCode, 'FLAG_NOT_FOUND');
  assert.equal(missing.reason, 'ERROR');

  const mismatch = await client.getNumberDetails('e2e.color', 7, ctx);
  assert.equal(mismatch.value, 7);
  assert.equal(mismatch.errorCode, 'TYPE_MISMATCH');

  const noKey = await client.getBooleanDetails('e2e.static', false, { plan: 'pro' });
  assert.equal(noKey.errorCode, 'TARGETING_KEY_MISSING');
  console.log('ok');
} finally {
  await OpenFeature.close();
  await gov.stop();
}
