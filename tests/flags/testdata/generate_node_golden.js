// Generates node_golden.json: random flag definitions and contexts evaluated by the
// reference SDK itself (unleash-client 6.12.1 from tests/e2e/node_modules), for
// tests/flags/node_golden_test.cc to replay against Governor's evaluator.
//
//   cd tests/e2e && node ../flags/testdata/generate_node_golden.js > ../flags/testdata/node_golden.json
//
// Deterministic: a seeded PRNG builds the inputs and Math.random is pinned to 0.5 so
// "random" stickiness and gradualRolloutRandom draw the same ids on both sides.
// Left out on purpose, because Governor differs there by design (see flags/): disabled
// strategies and sortOrder (the Unleash server removes/orders them before SDKs see
// them), IPv6 ranges in remoteAddress IPs (a Governor extension), non-ASCII text under
// caseInsensitive (Governor folds ASCII only) and non-date operators on currentTime.
'use strict';
process.env.HOSTNAME = 'host-a';
Math.random = () => 0.5;
const path = require('path');
const lib = path.join(process.cwd(), 'node_modules/unleash-client/lib');
const UnleashClient = require(path.join(lib, 'client')).default;
const { defaultStrategies } = require(path.join(lib, 'strategy'));

function mulberry32(a) {
  return function () {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
let rnd = mulberry32(20251125);
const chance = (p) => rnd() < p;
const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];

const FEATURES = ['f0', 'f1', 'f2', 'fü-😊', 'f4'];
const OPERATORS = ['IN', 'NOT_IN', 'STR_STARTS_WITH', 'STR_ENDS_WITH', 'STR_CONTAINS', 'NUM_EQ',
  'NUM_GT', 'NUM_GTE', 'NUM_LT', 'NUM_LTE', 'DATE_AFTER', 'DATE_BEFORE', 'SEMVER_EQ', 'SEMVER_GT',
  'SEMVER_LT', 'SEMVER_GTE', 'SEMVER_LTE', 'REGEX', 'IN_CIDR', 'BOGUS'];
const CONTEXT_NAMES = ['userId', 'sessionId', 'remoteAddress', 'environment', 'appName', 'country',
  'version', 'age', 'email'];
const PROPERTY_NAMES = ['country', 'version', 'age', 'email', 'userId'];
const USER_IDS = ['1', '2', '42', 'u-123', 'ünïcødé', '', ' 7 ', '174', '499', '😊'];
const ENVIRONMENTS = ['dev', 'prod', '', 'Prod'];
const IPS = ['127.0.0.1', '10.1.2.3', '192.168.0.7', '2001:db8::1', '::1', 'bad', ''];
const ANY = ['NO', 'no', 'SE', '1', '42', ' 42 ', '', '12', '12.0', '0x10', '1e3', '-3', 'abc',
  '1.2.3', '1.2.3-alpha.1', 'v1.2.3', '2.0.0', 'a@x.com', 'B@Y.COM', '10.0.0.0/8',
  '2001:db8::/32', '127.0.0.1', 'dev', 'prod', 'u-123'];
const SINGLE = ['12', '12.0', '0x10', ' 7 ', '-3', 'abc', '', 'Infinity', '1.2.3', '1.2.3-alpha.1',
  'v1.2.3', '2.0.0-rc.1', '1.10.0', '2022-01-29T13:00:00.000Z', '2020-01-01T00:00:00Z',
  '2099-12-31T23:59:59+02:00', 'not a date', '^u-', '(?i)^NO$', '(', '\\d+', 'NO|SE'];
const DATES = ['2022-01-29T13:00:00.000Z', '2022-01-29T13:00:00.001Z', '2030-01-01T00:00:00Z',
  '2001-01-01T00:00:00Z'];
const STRATEGIES = ['default', 'userWithId', 'flexibleRollout', 'gradualRolloutUserId',
  'gradualRolloutSessionId', 'gradualRolloutRandom', 'remoteAddress', 'applicationHostname', 'custom'];
const PERCENTAGES = ['0', '1', '37', '50', '99', '100', 'abc', '', ' 50 ', '37.5'];
const STICKINESS = ['default', 'userId', 'sessionId', 'random', 'country', ''];

function constraint() {
  const c = { contextName: pick(CONTEXT_NAMES), operator: pick(OPERATORS), values: [] };
  for (let i = int(0, 3); i > 0; --i) c.values.push(pick(ANY));
  if (chance(0.8)) c.value = pick(SINGLE);
  if (chance(0.3)) c.caseInsensitive = true;
  if (chance(0.25)) c.inverted = true;
  if (c.operator.startsWith('DATE')) c.contextName = 'currentTime';
  return c;
}

function variant(overrides) {
  const v = { name: pick(['red', 'green', 'blue', 'disabled', 'ünï']), weight: pick([0, 1, 33, 50, 100, 500]) };
  if (chance(0.3)) v.stickiness = pick(STICKINESS);
  if (chance(0.7)) v.payload = { type: chance(0.5) ? 'string' : 'number', value: pick(ANY) };
  if (overrides && chance(0.3)) {
    const o = { contextName: pick(CONTEXT_NAMES), values: [] };
    for (let i = int(1, 2); i > 0; --i) o.values.push(pick(ANY));
    v.overrides = [o];
  }
  return v;
}

function strategy() {
  const s = { name: pick(STRATEGIES), parameters: {}, constraints: [] };
  const param = (key, pool, p) => { if (chance(p)) s.parameters[key] = pick(pool); };
  param('rollout', PERCENTAGES, 0.9);
  param('percentage', PERCENTAGES, 0.9);
  param('stickiness', STICKINESS, 0.6);
  param('groupId', ['', 'g1', 'f1', 'grüp'], 0.8);
  param('userIds', ['1,2, 42 ,u-123', 'ünïcødé', '', ' 7 ,8'], 0.9);
  param('IPs', ['127.0.0.1, 10.0.0.0/8', '2001:db8::1,bad', '::1'], 0.9);
  param('hostNames', ['HOST-A, other', 'host-b', ''], 0.9);
  if (chance(0.5)) for (let i = int(1, 2); i > 0; --i) s.constraints.push(constraint());
  if (chance(0.3)) s.segments = [pick([1, 2, 3, 99])];
  if (chance(0.4)) {
    s.variants = [];
    for (let i = int(1, 3); i > 0; --i) s.variants.push(variant(false));
  }
  return s;
}

function feature() {
  const f = { name: pick(FEATURES), enabled: chance(0.9), strategies: [], variants: [] };
  for (let i = int(0, 4); i > 0; --i) f.strategies.push(strategy());
  if (chance(0.5)) for (let i = int(1, 3); i > 0; --i) f.variants.push(variant(true));
  if (chance(0.3)) {
    const d = { feature: pick(['f0', 'f1', 'f2', 'ghost']) };
    if (chance(0.6)) d.enabled = chance(0.7);
    if (chance(0.4)) d.variants = [pick(['red', 'disabled', 'blue'])];
    f.dependencies = [d];
  }
  return f;
}

function state() {
  const segments = [];
  for (let id = 1; id <= 3; ++id) {
    if (chance(0.2)) continue;
    const s = { id, constraints: [] };
    for (let i = int(0, 2); i > 0; --i) s.constraints.push(constraint());
    segments.push(s);
  }
  const features = [];
  for (let i = int(1, 6); i > 0; --i) features.push(feature());
  return { version: 2, features, segments };
}

function context() {
  const c = {};
  const maybe = (key, pool) => { if (chance(0.6)) c[key] = pick(pool); };
  maybe('userId', USER_IDS);
  maybe('sessionId', USER_IDS);
  maybe('remoteAddress', IPS);
  maybe('environment', ENVIRONMENTS);
  maybe('appName', ENVIRONMENTS);
  if (chance(0.4)) c.currentTime = pick(DATES);
  const props = {};
  for (const name of PROPERTY_NAMES) if (chance(0.5)) props[name] = pick(ANY);
  c.properties = props;
  return c;
}

function evaluate(st, ctx) {
  const byName = {};
  for (const f of st.features) byName[f.name] = f;
  const segments = new Map(st.segments.map((s) => [s.id, s]));
  const repo = { getToggle: (n) => byName[n], getSegment: (id) => segments.get(id) };
  const client = new UnleashClient(repo, defaultStrategies);
  client.on('warn', () => {});
  client.on('error', () => {});
  // The SDK is given what a caller would pass: strings, with currentTime as a Date.
  const sdkContext = { ...ctx };
  if (sdkContext.currentTime) sdkContext.currentTime = new Date(sdkContext.currentTime);
  const out = {};
  for (const name of [...FEATURES, 'ghost']) {
    const enabled = client.isEnabled(name, sdkContext, () => false);
    const v = client.getVariant(name, sdkContext);
    out[name] = [enabled, v.name, v.enabled, v.feature_enabled,
      v.payload ? v.payload.type : null, v.payload ? v.payload.value : null];
  }
  return out;
}

const cases = [];
for (let n = 0; n < 150; ++n) {
  const st = state();
  const checks = [];
  for (let k = 0; k < 12; ++k) {
    const ctx = context();
    checks.push({ context: ctx, results: evaluate(st, ctx) });
  }
  cases.push({ state: st, checks });
}
process.stdout.write(JSON.stringify({
  reference: 'unleash-client ' + require(path.join(lib, '..', 'package.json')).version,
  hostname: process.env.HOSTNAME,
  random: 0.5,
  flags: [...FEATURES, 'ghost'],
  cases,
}) + '\n');
