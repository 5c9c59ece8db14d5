// Peer baseline for bench/flags_eval_benchmark.cc: the real Unleash Node SDK (unleash-client,
// as pinned in tests/e2e/package.json) evaluating the same flags (bench/flags_eval.json) for the
// same 1,024 contexts, in process, offline from a bootstrap. Prints ns per isEnabled and
// getVariant call, the median of 5 runs of ITERATIONS calls each.
//
//   node bench/flags_eval_node.mjs          # needs `scripts/install-deps` (npm packages)
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(new URL('../tests/e2e/package.json', import.meta.url));
const { Unleash, InMemStorageProvider } = require('unleash-client');
const sdkVersion = require('unleash-client/package.json').version;

const flags = JSON.parse(readFileSync(new URL('./flags_eval.json', import.meta.url)));
const ITERATIONS = Number(process.env.ITERATIONS || 2_000_000);

const client = new Unleash({
  appName: 'bench', url: 'http://127.0.0.1:9/api', disableMetrics: true, refreshInterval: 0,
  storageProvider: new InMemStorageProvider(),
  bootstrap: { data: flags.features, segments: flags.segments },
});
client.on('error', () => {});
client.on('warn', () => {});
await new Promise((resolve) => client.once('ready', resolve));

const now = new Date('2025-06-01T00:00:00Z');
const users = [];
for (let i = 0; i < 1024; i++) {
  users.push({
    userId: `user-${i * 7919}`, sessionId: `session-${i}`, environment: 'production',
    appName: 'web', currentTime: now,
    properties: { email: `user${i}@customer.example`, appVersion: '2.3.9', country: 'NO', plan: 'free' },
  });
}

function measure(call) {
  const runs = [];
  let sink = 0;
  for (let i = 0; i < ITERATIONS / 4; i++) sink += call(users[i & 1023]) ? 1 : 0;  // warm-up (JIT)
  for (let r = 0; r < 5; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS; i++) sink += call(users[i & 1023]) ? 1 : 0;
    runs.push(Number(process.hrtime.bigint() - start) / ITERATIONS);
  }
  runs.sort((a, b) => a - b);
  return { ns: runs[2], sink };
}

const rows = [
  // The SDK is several times faster when every call passes the same context object; shown for
  // fairness, though a server evaluates for a different user on nearly every call.
  ['isEnabled("simple"), one fixed context', () => client.isEnabled('simple', users[0])],
  ['isEnabled("simple")', (ctx) => client.isEnabled('simple', ctx)],
  ['isEnabled("complex")', (ctx) => client.isEnabled('complex', ctx)],
  ['getVariant("complex")', (ctx) => client.getVariant('complex', ctx).enabled],
];
console.log(`unleash-client ${sdkVersion}, node ${process.version}, ${ITERATIONS} calls per run, median of 5`);
for (const [name, call] of rows) {
  const { ns } = measure(call);
  console.log(`${name}\t${ns.toFixed(1)} ns`);
}
client.destroy();
