// The console's Targets pages in a real browser (playwright-core, Debian's chromium, headless)
// against `governor serve --config FILE` with two dry-run targets whose metric is pushed and
// whose loop syncs every second: `checkout` (reactive) and `search` (with a `predictive` block
// but no load history, so its forecast is a fallback without a band).
//   Pushes 4.5 × the rps target to checkout with a client token until the loop records a
//   scale-up, then lets the sample go stale (the loop then keeps the count). Signs in, opens
//   Targets through the nav and checks checkout's row (current, desired, min, max, mode) against
//   the API. Opens the target: the chart (a canvas in the chart figure, the replica and metric
//   series in its legend); the decisions' server-sent event stream (GET .../decisions/stream,
//   opened once the history is read, with last=20) adding a newer decision, with no decisions
//   read by polling meanwhile, and the "Live" status; the stream closed while the tab is
//   hidden, failing when shown again ("Reconnecting…"), then live again, the range read again
//   since more decisions were made than the stream opens with (none missing); another range;
//   the newest decision expanded with the keyboard, its explanation being what the API
//   returned for it (reason, message, each metric's proposal and error), then collapsed; the
//   scale-up decision's explanation (its ratio, the change, the message). Opens `search`: no
//   error, the forecast fallback's reason; then, with one forecast answer served by the test
//   (page.route: a real forecast needs 2.7 days of history), the forecast and its quantile
//   band in the chart. Signs in with a viewer token and opens both pages (checkout's stream
//   live).
// Runs axe-core on both pages (fails on serious or critical violations) and fails on any page
// error or Content-Security-Policy report. Screenshots 'targets' and 'target'.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ok, waitUntil } from '../e2e/lib/governor.mjs';
import {
  checkAxe, copyScreenshots, launchBrowser, newPage, screenshot, signIn, withGovernor,
} from './lib/console.mjs';

const CONFIG = `
targets:
  - name: checkout
    mode: dryRun
    minReplicas: 2
    maxReplicas: 20
    syncPeriodSeconds: 1
    metrics:
      - {name: rps, type: AverageValue, target: 100, source: push}
  - name: search
    mode: dryRun
    minReplicas: 1
    maxReplicas: 10
    syncPeriodSeconds: 1
    metrics:
      - {name: rps, type: AverageValue, target: 50, source: push}
    predictive: {mode: forecastOnly, metric: rps}
`;

const decisionsOf = async (gov, name, limit = 200) =>
  ok(await gov.admin('GET', `/api/v1/targets/${name}/decisions?limit=${limit}`), 'decisions').items;

const dir = mkdtempSync(path.join(tmpdir(), 'gov-web-targets-'));
const configFile = path.join(dir, 'governor.yaml');
writeFileSync(configFile, CONFIG);

const problems = [];
const browser = await launchBrowser();
try {
  await withGovernor({ args: ['--config', configFile] }, flows);
  assert.deepEqual(problems, []);
  copyScreenshots(['targets', 'target']);
  console.log('ok');
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}

async function flows(gov) {
  const client = await gov.token('client', 'production');
  const push = async (value) => {
    const res = await fetch(`${gov.base}/api/v1/targets/checkout/metrics`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${client}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ samples: [{ metric: 'rps', value }] }),
    });
    assert.equal(res.status, 202, await res.text());
  };

  // A scale-up: 450 rps per replica against a target of 100. The sample counts for 2 sync
  // periods, so it is pushed again while waiting.
  let pushedAt = 0;
  let scaleUp = null;
  await waitUntil(async () => {
    if (Date.now() - pushedAt > 500) {
      await push(450);
      pushedAt = Date.now();
    }
    scaleUp = (await decisionsOf(gov, 'checkout', 20))
      .find((d) => d.replicas > d.currentReplicas && d.reason !== 'MissingMetrics');
    return scaleUp;
  }, 30000, 'a scale-up decision');
  console.log(`scale-up: ${scaleUp.currentReplicas} -> ${scaleUp.replicas}: ${scaleUp.message}`);
  // With no fresh sample the loop keeps the count (it never scales down on missing data).
  await waitUntil(async () => (await decisionsOf(gov, 'checkout', 1))[0].reason === 'MissingMetrics',
    30000, 'the sample to go stale');
  const status = ok(await gov.admin('GET', '/api/v1/targets/checkout'), 'target').status;
  assert.ok(status.desiredReplicas > 2, JSON.stringify(status));

  const page = await newPage(browser, problems);
  // Every request the page makes, to check that the live view streams instead of polling.
  const requests = [];
  page.on('request', (r) => requests.push({ at: Date.now(), url: new URL(r.url()) }));
  await signIn(page, gov.base);
  const nav = page.getByRole('navigation', { name: 'Main' });

  // The list: checkout's current / desired / min / max replicas and mode.
  await nav.getByRole('link', { name: 'Targets' }).click();
  await page.getByRole('heading', { name: 'Targets', exact: true }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/ui/targets');
  const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'checkout' }) });
  await row.waitFor();
  const cells = await row.locator('th, td').allTextContents();
  console.log(`checkout row: ${cells.join(' | ')}`);
  assert.deepEqual(cells.slice(0, 6),
    ['checkout', String(status.replicas), String(status.desiredReplicas), '2', '20', 'dry run']);
  assert.notEqual(cells[6], '—');  // the last decision's time
  assert.equal(cells[7], 'MissingMetrics');
  await page.getByRole('row').filter({ has: page.getByRole('link', { name: 'search' }) }).waitFor();
  await checkAxe(page, 'targets');
  await screenshot(page, 'targets');

  // The target: the chart and the decisions.
  await row.getByRole('link', { name: 'checkout' }).click();
  await page.getByRole('heading', { name: 'Target checkout' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/ui/targets/checkout');
  await page.locator('figure.chart canvas').first().waitFor();
  // Once the decisions and the spec are in: the replica and metric series.
  const labels = ['Desired replicas', 'Current replicas', 'rps value', 'rps target'];
  const legend = () => page.locator('figure.chart .u-legend').textContent({ timeout: 10000 });
  await waitUntil(async () => { const l = await legend(); return labels.every((x) => l.includes(x)); },
    10000, 'the chart to show replicas and rps');
  assert.equal(await page.getByLabel('Range').inputValue(), '900');

  // Live: the stream brings the loop's newer decisions (one a second) without a reload.
  const liveStatus = page.locator('.history-head [role="status"]');
  const waitLive = (text, what) =>
    waitUntil(async () => (await liveStatus.textContent()) === text, 20000, what);
  await waitLive('Live', 'the stream to be live');
  const newestRow = page.locator('table.decisions tbody').first();
  await newestRow.waitFor();
  const loadedId = await newestRow.getAttribute('data-id');
  await waitUntil(async () => (await newestRow.getAttribute('data-id')) !== loadedId, 20000,
    'a newer decision to appear');
  // It came through the stream: opened once after the history's read, with last=20, and no
  // decisions read since. Checked over more than the old 5 s poll period (and until the live
  // view shows yet another decision).
  const isStream = (u) => u.pathname === '/api/v1/targets/checkout/decisions/stream';
  const isRead = (u) => u.pathname === '/api/v1/targets/checkout/decisions';
  const streams = requests.filter((r) => isStream(r.url));
  assert.equal(streams.length, 1, streams.map((r) => r.url.href).join('\n'));
  assert.equal(streams[0].url.searchParams.get('last'), '20');
  const reads = requests.filter((r) => isRead(r.url));
  assert.ok(reads.length >= 1 && reads.every((r) => r.at <= streams[0].at),
    'the history is read before the stream opens');
  const liveId = await newestRow.getAttribute('data-id');
  await waitUntil(async () => Date.now() - streams[0].at > 6500 &&
    (await newestRow.getAttribute('data-id')) !== liveId, 20000, 'another live decision');
  const polls = requests.filter((r) => isRead(r.url) && r.at > streams[0].at);
  assert.deepEqual(polls.map((r) => r.url.search), [], 'no decisions polled while streaming');
  assert.equal(requests.filter((r) => isStream(r.url)).length, 1, 'one stream');
  assert.equal(await page.getByRole('alert').count(), 0);

  // A hidden tab closes the stream. Shown again, it opens a new one; while that fails (the
  // test aborts it) the page says it reconnects, and it is live again once one opens (after
  // the stream's retry delay, 5 s). Meanwhile more decisions were made than a stream opens
  // with (20), so the page reads the range again: the decisions listed have no gap.
  const setHidden = (hidden) => page.evaluate((h) => {
    Object.defineProperty(document, 'hidden', { value: h, configurable: true });
    Object.defineProperty(document, 'visibilityState',
      { value: h ? 'hidden' : 'visible', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
  await setHidden(true);
  await waitLive('Paused while the tab is hidden', 'the stream to close');
  const hiddenAt = Date.now();
  const lastShown = await newestRow.getAttribute('data-id');
  await waitUntil(async () => {
    const ids = (await decisionsOf(gov, 'checkout', 30)).map((d) => d.id);
    return !ids.slice(0, 22).includes(lastShown);
  }, 60000, 'more decisions than a stream opens with');
  assert.equal(requests.filter((r) => r.at > hiddenAt).length, 0, 'no requests while hidden');
  await page.route('**/decisions/stream?*', (route) => route.abort());
  await setHidden(false);
  await waitLive('Reconnecting…', 'the indicator to show the failed stream');
  await page.unroute('**/decisions/stream?*');
  await waitLive('Live', 'the stream to reconnect');
  const reopened = requests.filter((r) => isStream(r.url)).at(-1);
  assert.ok(reopened.at > hiddenAt, 'the stream reopened');
  await waitUntil(async () => requests.some((r) => isRead(r.url) && r.at > reopened.at), 20000,
    'the range read again after the gap');
  const backId = await newestRow.getAttribute('data-id');
  await waitUntil(async () => (await newestRow.getAttribute('data-id')) !== backId, 20000,
    'a decision after the reconnect');
  const listed = await page.locator('table.decisions tbody').evaluateAll(
    (rows) => rows.map((r) => r.dataset.id));
  const api = (await decisionsOf(gov, 'checkout')).map((d) => d.id);
  const from = api.indexOf(listed[0]);
  assert.ok(from >= 0, `${listed[0]} is the API's`);
  assert.deepEqual(listed, api.slice(from, from + listed.length), 'the decisions listed, no gap');
  assert.ok(listed.includes(lastShown), 'back to the decisions shown before');

  // Another range loads again (page by page) and keeps the chart.
  await page.getByLabel('Range').selectOption('3600');
  await waitLive('Live', 'the stream after the range change');
  await page.getByText(/\d+ decisions in range/).waitFor();
  await page.locator('figure.chart canvas').first().waitFor();
  await page.getByLabel('Range').selectOption('900');
  await waitLive('Live', 'the stream after the range change');

  // The newest decision, expanded with the keyboard: its explanation is the API's.
  // (Pinned by its id: the stream puts newer decisions above it.)
  const shownId = await page.locator('table.decisions tbody').first().getAttribute('data-id');
  const first = page.locator(`table.decisions tbody[data-id="${shownId}"] button[aria-expanded]`);
  assert.equal(await first.getAttribute('aria-expanded'), 'false');
  await first.focus();
  await page.keyboard.press('Enter');
  await waitUntil(async () => (await first.getAttribute('aria-expanded')) === 'true', 10000,
    'the decision to expand');
  assert.equal(await first.getAttribute('aria-controls'), `decision-${shownId}`);
  const panel = page.locator(`#decision-${shownId}`);
  await panel.waitFor();
  const newest = (await decisionsOf(gov, 'checkout')).find((d) => d.id === shownId);
  assert.ok(newest, `decision ${shownId} is the API's`);
  const text = await panel.textContent();
  assert.ok(text.includes(newest.reason), text);
  assert.ok(text.includes(newest.message), `${text} has ${newest.message}`);
  assert.ok(text.includes('Metrics read and their proposals'), text);
  for (const m of newest.metrics) {
    assert.ok(text.includes(m.error ?? m.name), `${text} has ${m.name}'s error`);
  }

  // The scale-up decision's row: its proposal (4.5 × the target) and the change it made.
  const upButton = page.locator(`table.decisions tbody[data-id="${scaleUp.id}"] button`);
  // The table lists the newest 50 at first; older ones come with "Show … more decisions".
  while (await upButton.count() === 0) {
    await page.getByRole('button', { name: /^Show \d+ more decisions$/ }).click();
  }
  await upButton.click();
  const upText = await page.locator(`#decision-${scaleUp.id}`).textContent();
  assert.ok(upText.includes(scaleUp.message), upText);
  assert.ok(upText.includes(`${scaleUp.currentReplicas} → ${scaleUp.replicas}`), upText);
  assert.ok(upText.includes('4.5'), `the ratio in ${upText}`);
  await checkAxe(page, 'target');
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'target');

  // Collapsing with the keyboard hides the explanation again.
  await first.focus();
  await page.keyboard.press('Space');
  await waitUntil(async () => (await first.getAttribute('aria-expanded')) === 'false', 10000,
    'the decision to collapse');
  assert.equal(await panel.count(), 0);

  // A predictive target without history: the fallback's reason, no band, no error.
  await page.goto(`${gov.base}/ui/targets/search`);
  await page.getByRole('heading', { name: 'Target search' }).waitFor();
  await page.getByRole('heading', { name: 'Forecast and capacity' }).waitFor();
  await page.getByText('No forecast band:').waitFor();
  await page.locator('figure.chart canvas').first().waitFor();
  assert.equal(await page.getByRole('alert').count(), 0);
  await checkAxe(page, 'target (predictive)');

  // The band: a real forecast needs 2.7 days of load history, so the browser gets one answer
  // of GET .../forecast in the API's shape from the test (page.route) and draws its quantiles.
  const start = Math.ceil(Date.now() / 60000) * 60 + 60;  // Unix seconds, in the future
  const times = Array.from({ length: 10 }, (_, i) => new Date((start + 60 * i) * 1000).toISOString());
  const point = times.map((_, i) => 40 + i);
  const forecast = {
    target: 'search', metric: 'rps', mode: 'forecastOnly', stepSeconds: 300,
    history: { steps: 900, observed: 900, start: times[0], end: times[0] },
    model: 'seasonalNaive(daily)', reason: 'test forecast', fallback: 'none', accuracy: null,
    forecast: {
      start: times[0], stepSeconds: 60, times, point,
      bands: [0.1, 0.5, 0.9].map((q) => ({ quantile: q, values: point.map((v) => v + (q - 0.5) * 20) })),
    },
  };
  await page.route('**/api/v1/targets/search/forecast', (route) => route.fulfill({ json: forecast }));
  await page.reload();
  const bandLabels = ['rps forecast (total load)', 'rps forecast q0.1', 'rps forecast q0.9'];
  await waitUntil(async () => {
    const l = (await legend()) ?? '';
    return bandLabels.every((x) => l.includes(x));
  }, 10000, 'the forecast band');
  assert.match(await page.locator('figure.chart [role="img"]').getAttribute('aria-label'),
    /with the forecast band/);
  assert.equal(await page.getByText('No forecast band:').count(), 0);
  await page.getByText('seasonalNaive(daily)').waitFor();
  await page.unroute('**/api/v1/targets/search/forecast');

  // A viewer token reads both pages.
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  const viewer = ok(await gov.admin('POST', '/api/v1/tokens', { type: 'viewer', name: 'targets-viewer' }),
    'viewer token').secret;
  await signIn(page, gov.base, viewer);
  await nav.getByRole('link', { name: 'Targets' }).click();
  await row.waitFor();
  await row.getByRole('link', { name: 'checkout' }).click();
  await page.getByRole('heading', { name: 'Target checkout' }).waitFor();
  await page.locator('figure.chart canvas').first().waitFor();
  await page.locator('table.decisions tbody button[aria-expanded]').first().waitFor();
  await waitLive('Live', "the viewer's stream");
  assert.equal(await page.getByRole('alert').count(), 0);
  await page.close();
}
