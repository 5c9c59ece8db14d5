// Flags whose constraints use REGEX and IN_CIDR (once left out of what Unleash SDKs get, now
// served as they are) reach unleash-client 6.12.1 in each of its modes — polling (full),
// polling (delta) and streaming — and each SDK evaluates them exactly as Governor's OFREP
// endpoint does (POST /ofrep/v1/evaluate/flags/{key} with a client token) for the same
// contexts: matching and non-matching emails (case-insensitive and not), IPv4 and IPv6
// addresses inside and outside the ranges, a bad address, no address; inverted constraints; a
// segment with a REGEX constraint; a variant flag. Then a REGEX pattern changes, and the three
// SDKs and OFREP agree again.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startGovernor, waitUntil, assertSameAsOffline, ok } from './lib/governor.mjs';
import { sdkFactory, recordWarnings, whenSynchronized } from './lib/sdk_modes.mjs';

const flags = JSON.parse(readFileSync(new URL('./flags.json', import.meta.url)));
const REFRESH_MS = 300;
const SEEN_MS = 5000;

const newClient = sdkFactory({ appName: 'e2e-operators' });

const CIDRS = ['10.0.0.0/24', '192.168.1.1', '2001:db8::/32'];
const NEW_FLAGS = [
  { name: 'e2e.op.email', type: 'release', environments: { development: { enabled: true, strategies: [
    { name: 'default', parameters: {}, constraints: [
      { contextName: 'email', operator: 'REGEX', value: '^[a-z0-9.]+@example\\.(com|org)$', caseInsensitive: true }] }] } } },
  { name: 'e2e.op.user', type: 'release', environments: { development: { enabled: true, strategies: [
    { name: 'flexibleRollout', parameters: { rollout: '50', stickiness: 'userId', groupId: 'op' }, constraints: [
      { contextName: 'userId', operator: 'REGEX', value: 'user-[0-9]*7$', inverted: true }] }] } } },
  { name: 'e2e.op.cidr', type: 'release', environments: { development: { enabled: true, strategies: [
    { name: 'default', parameters: {}, constraints: [
      { contextName: 'remoteAddress', operator: 'IN_CIDR', values: CIDRS }] }] } } },
  { name: 'e2e.op.outside', type: 'experiment', environments: { development: { enabled: true, strategies: [
    { name: 'flexibleRollout', parameters: { rollout: '100', stickiness: 'default', groupId: 'outside' },
      constraints: [{ contextName: 'remoteAddress', operator: 'IN_CIDR', values: CIDRS, inverted: true }],
      variants: [
        { name: 'a', weight: 600, stickiness: 'default', weightType: 'variable', payload: { type: 'string', value: 'A' } },
        { name: 'b', weight: 400, stickiness: 'default', weightType: 'variable', payload: { type: 'string', value: 'B' } }] }] } } },
];

const emails = ['ann@example.com', 'Bob.B@EXAMPLE.org', 'eve@example.net', 'x@corp.example', 'ANN@corp.EXAMPLE', undefined];
const addresses = ['10.0.0.7', '10.0.1.7', '192.168.1.1', '192.168.1.2', '2001:db8::1', '2001:db9::1', 'not-an-ip', undefined];

// Contexts as the SDK takes them; every one has a userId, since OFREP requires targetingKey.
function contexts() {
  const out = [];
  for (let i = 0; i < emails.length * addresses.length; i++) {
    const ctx = { userId: `user-${i * 37 % 100}`, properties: {} };
    const email = emails[i % emails.length];
    const address = addresses[Math.floor(i / emails.length)];
    if (email !== undefined) ctx.properties.email = email;
    if (address !== undefined) ctx.remoteAddress = address;
    out.push(ctx);
  }
  return out;
}

function ofrepContext(ctx) {
  const c = { targetingKey: ctx.userId, ...ctx.properties };
  if (ctx.remoteAddress !== undefined) c.remoteAddress = ctx.remoteAddress;
  return c;
}

// Asserts that `sdks` (name -> SDK) all answer each flag of `names` for every context as OFREP
// does; returns how many (flag, context) pairs were compared per SDK, and how many were on.
async function assertSameAsOfrep(gov, token, sdks, names) {
  let compared = 0;
  let on = 0;
  for (const ctx of contexts()) {
    const answers = await Promise.all(names.map(async (name) => {
      const res = await fetch(`${gov.base}/ofrep/v1/evaluate/flags/${name}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ context: ofrepContext(ctx) }),
      });
      const body = await res.json();
      assert.equal(res.status, 200, `OFREP ${name}: ${JSON.stringify(body)}`);
      return body;
    }));
    names.forEach((name, i) => {
      const o = answers[i];
      const what = `${name} ${JSON.stringify(ctx)} OFREP ${JSON.stringify(o)}`;
      for (const [mode, sdk] of Object.entries(sdks)) {
        const v = sdk.getVariant(name, ctx);
        if (v.enabled) {
          assert.equal(o.variant, v.name, `${mode}: ${what}`);
          assert.equal(o.value, v.payload.value, `${mode}: ${what}`);
        } else {
          assert.equal(sdk.isEnabled(name, ctx), o.value, `${mode}: ${what}`);
        }
      }
      if (o.value !== false) on++;
      compared++;
    });
  }
  return { compared, on };
}

const gov = await startGovernor({ flags });
const clients = [];
try {
  const token = await gov.token('client');

  // A segment with a REGEX constraint, and flags using REGEX and IN_CIDR.
  const segment = ok(await gov.admin('POST', '/api/v1/segments', {
    name: 'corp', constraints: [{ contextName: 'email', operator: 'REGEX', value: '@corp\\.example$', caseInsensitive: false }],
  }), 'segment');
  const withSegment = {
    name: 'e2e.op.segment', type: 'release', environments: { development: { enabled: true, strategies: [
      { name: 'default', parameters: {}, segments: [segment.id], constraints: [
        { contextName: 'remoteAddress', operator: 'IN_CIDR', values: ['10.0.0.0/8', '2001:db8::/32'] }] }] } },
  };
  for (const f of [...NEW_FLAGS, withSegment]) ok(await gov.admin('POST', '/api/v1/flags', f), `create ${f.name}`);
  const names = [...NEW_FLAGS, withSegment].map((f) => f.name);

  // GET /api/client/features serves them, operators and operands as stored.
  const full = await (await fetch(`${gov.base}/api/client/features`, { headers: { Authorization: token } })).json();
  for (const name of names) assert.ok(full.features.some((f) => f.name === name), `${name} not served`);
  const email = full.features.find((f) => f.name === 'e2e.op.email');
  assert.deepEqual(email.strategies[0].constraints[0], {
    contextName: 'email', operator: 'REGEX', value: '^[a-z0-9.]+@example\\.(com|org)$', caseInsensitive: true, inverted: false, values: [],
  });
  const seg = full.segments.find((s) => s.id === segment.id);
  assert.equal(seg?.constraints[0].operator, 'REGEX');

  // One SDK per mode.
  const warnings = [];
  const base = { url: `${gov.base}/api`, customHeaders: { Authorization: token }, refreshInterval: REFRESH_MS, disableMetrics: true };
  const sdks = {
    'polling (full)': newClient({ ...base, instanceId: 'op-full' }),
    'polling (delta)': newClient({ ...base, instanceId: 'op-delta', experimentalMode: { type: 'polling', format: 'delta' } }),
    streaming: newClient({ ...base, instanceId: 'op-stream', experimentalMode: { type: 'streaming' } }),
  };
  await Promise.all(Object.entries(sdks).map(([mode, sdk]) => {
    clients.push(sdk);
    recordWarnings(sdk, warnings, `${mode}: `);
    return whenSynchronized(sdk, `${mode} did not sync`, warnings);
  }));
  for (const [mode, sdk] of Object.entries(sdks)) {
    assert.equal(sdk.repository.getMode(), mode === 'streaming' ? 'streaming' : 'polling', mode);
    for (const name of names) assert.ok(sdk.getFeatureToggleDefinition(name), `${mode}: ${name} missing`);
  }

  // Spot checks, so that agreement cannot come from everything being off.
  const s = sdks['polling (full)'];
  assert.equal(s.isEnabled('e2e.op.email', { userId: 'u', properties: { email: 'Bob.B@EXAMPLE.org' } }), true);
  assert.equal(s.isEnabled('e2e.op.email', { userId: 'u', properties: { email: 'eve@example.net' } }), false);
  assert.equal(s.isEnabled('e2e.op.cidr', { userId: 'u', remoteAddress: '2001:db8::1' }), true);
  assert.equal(s.isEnabled('e2e.op.cidr', { userId: 'u', remoteAddress: '10.0.1.7' }), false);
  assert.equal(s.isEnabled('e2e.op.segment', { userId: 'u', remoteAddress: '10.9.9.9', properties: { email: 'x@corp.example' } }), true);
  assert.equal(s.isEnabled('e2e.op.segment', { userId: 'u', remoteAddress: '10.9.9.9', properties: { email: 'x@CORP.example' } }), false);

  const first = await assertSameAsOfrep(gov, token, sdks, names);
  console.log(`3 SDK modes agree with OFREP on ${first.compared} (flag, context) pairs each; ${first.on} on`);
  assert.ok(first.on > first.compared / 5 && first.on < first.compared * 4 / 5, `${first.on} of ${first.compared} on`);
  const exported = ok(await gov.admin('GET', '/api/v1/flags/export?environment=development'), 'export');
  const offline = await assertSameAsOffline(gov, s, { flags: exported, n: 60, newClient, clients });
  console.log(`polling (full) SDK agrees with an offline SDK on ${offline} pairs`);

  // A new REGEX pattern (now .net only, case-sensitive) reaches every mode.
  ok(await gov.admin('PUT', '/api/v1/flags/e2e.op.email/environments/development/strategies', { strategies: [
    { name: 'default', parameters: {}, constraints: [
      { contextName: 'email', operator: 'REGEX', value: '@example\\.net$', caseInsensitive: false }] }] }), 'new pattern');
  const eve = { userId: 'u', properties: { email: 'eve@example.net' } };
  await waitUntil(() => Object.values(sdks).every((sdk) => sdk.isEnabled('e2e.op.email', eve)), SEEN_MS, 'the new pattern in every SDK');
  const second = await assertSameAsOfrep(gov, token, sdks, names);
  console.log(`after the pattern change: agree on ${second.compared} pairs each; ${second.on} on`);
  assert.notEqual(second.on, first.on);

  assert.deepEqual(warnings, []);
  console.log('ok');
} finally {
  for (const c of clients) c.destroy();
  await gov.stop();
}
