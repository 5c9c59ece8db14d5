// Starts `governor serve` on 127.0.0.1 port 0 with SQLite in a temp dir, and talks to its
// admin API. Used by the *.e2etest.mjs files; each test starts its own server. Every server
// runs with the contract check on (GOVERNOR_CONTRACT_CHECK=1: each response is validated
// against api/openapi.yaml), and stop() throws when any response disagreed with it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';

// `env`: extra environment variables for the server process (e.g. GOVERNOR_STREAMING_MAX_STREAMS);
// `args`: extra command-line arguments after the defaults.
export async function startGovernor({ flags, env, args: extraArgs = [] } = {}) {
  const bin = process.env.GOVERNOR_BINARY_DIR;
  if (!bin) throw new Error('GOVERNOR_BINARY_DIR is not set');
  const dir = mkdtempSync(path.join(tmpdir(), 'gov-e2e-'));
  const args = ['serve', '--listen', '127.0.0.1:0', '--database', `sqlite://${dir}/g.db`,
    '--admin-token', ADMIN_TOKEN];
  if (flags) {
    const file = path.join(dir, 'flags.json');
    writeFileSync(file, JSON.stringify(flags));
    args.push('--flags-file', file);
  }
  args.push(...extraArgs);
  const child = spawn(path.join(bin, 'cli', 'governor'), args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GOVERNOR_CONTRACT_CHECK: '1', ...env },
  });
  let stderr = '';
  let log = '';  // stdout and stderr, for the contract check's lines
  child.stderr.on('data', (d) => { stderr += d; log += d; });
  child.stdout.on('data', (d) => { log += d; });
  const base = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`governor did not start: ${stderr}`)), 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`governor exited ${code}: ${stderr}`)); });
  });
  child.stdout.resume();
  const gov = {
    base,
    async admin(method, p, body, headers = {}) {
      const res = await fetch(base + p, {
        method,
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
    },
    async token(type, environment = 'development') {
      const res = await gov.admin('POST', '/api/v1/tokens', { type, name: `e2e-${type}-${environment}`, environment });
      if (res.status !== 201) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.secret;
    },
    async stop() {
      // The contract check's counter, read while the server still runs (null when it is gone).
      let violations = null;
      try {
        const text = await (await fetch(`${base}/metrics`)).text();
        const m = text.match(/^governor_contract_violations_total (\S+)$/m);
        violations = m ? Number(m[1]) : NaN;
      } catch {
        violations = null;
      }
      child.removeAllListeners('exit');
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
      const lines = log.split('\n').filter((line) => line.includes('contract violation'));
      if (Number.isNaN(violations)) throw new Error('GET /metrics has no governor_contract_violations_total');
      if (violations || lines.length) {
        throw new Error(`${violations ?? lines.length} response(s) disagree with api/openapi.yaml:\n${lines.join('\n')}`);
      }
    },
  };
  return gov;
}

// The body of a gov.admin() answer, asserting that its status is 2xx.
export function ok(res, what) {
  assert.ok(res.status >= 200 && res.status < 300, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

// The lines of the server's request counter on GET /metrics, one per method, route and status:
// `governor_http_requests_total{method="GET",route="/api/client/delta",status="304"} 3`.
export async function requestCounterLines(gov) {
  const text = await (await fetch(`${gov.base}/metrics`)).text();
  return text.split('\n').filter((line) => line.startsWith('governor_http_requests_total{'));
}

// Requests the server has answered on `route` (its Prometheus counter), by status when given.
export async function requestsOn(gov, route, status) {
  let n = 0;
  for (const line of await requestCounterLines(gov)) {
    if (line.includes(`route="${route}"`) && (status === undefined || line.includes(`status="${status}"`))) {
      n += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return n;
}

// Resolves when `predicate()` (sync or async) is truthy; rejects after `timeoutMs`.
export async function waitUntil(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Contexts for comparing evaluations: users, sessions, properties, addresses (fixed, no RNG).
export function contexts(n) {
  const out = [];
  const countries = ['no', 'se', 'dk', 'us', undefined];
  for (let i = 0; i < n; i++) {
    const c = { userId: `user-${i * 7919 % 1000}`, sessionId: `s-${i}` };
    const country = countries[i % countries.length];
    c.properties = country ? { country, plan: i % 3 === 0 ? 'pro' : 'free' } : { plan: 'free' };
    if (i % 4 === 0) c.remoteAddress = `10.0.${i % 256}.${(i * 13) % 256}`;
    if (i % 9 === 0) delete c.userId;
    out.push(c);
  }
  return out;
}

// Asserts that `online` (an unleash-client connected to `gov`) answers isEnabled and getVariant
// for every flag of `flags` and each of contexts(n) exactly as the same SDK does offline,
// bootstrapped from the admin export of `environment`. `newClient(options)` builds an SDK
// instance; the offline one is pushed onto `clients` for the caller to destroy. Returns the
// number of (flag, context) pairs compared.
export async function assertSameAsOffline(gov, online, { flags, n, newClient, clients, environment = 'development' }) {
  const exported = await gov.admin('GET', `/api/v1/flags/export?environment=${environment}`);
  assert.equal(exported.status, 200, JSON.stringify(exported.body));
  const offline = newClient({
    url: 'http://127.0.0.1:9/api', disableMetrics: true, refreshInterval: 0,
    bootstrap: { data: exported.body.features, segments: exported.body.segments },
  });
  clients.push(offline);
  await new Promise((resolve) => offline.once('ready', resolve));
  let compared = 0;
  for (const ctx of contexts(n)) {
    for (const f of flags.features) {
      assert.equal(online.isEnabled(f.name, ctx), offline.isEnabled(f.name, ctx), `${f.name} ${JSON.stringify(ctx)}`);
      assert.deepEqual(online.getVariant(f.name, ctx), offline.getVariant(f.name, ctx), `${f.name} ${JSON.stringify(ctx)}`);
      compared++;
    }
  }
  return compared;
}
