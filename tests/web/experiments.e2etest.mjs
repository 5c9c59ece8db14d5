// The console's Experiments pages in a real browser (playwright-core + Debian's chromium against
// `governor serve`, the contract check on). Through the REST API: three flags with variants
// (imported), two metrics, and three experiments - `checkout` (three arms, fixed-horizon
// frequentist, two metrics) and `search-ranking` (bayesian, its exposures skewed 70/30 against
// 50/50 weights: a sample-ratio mismatch) started, `nav-redesign` left a draft; exposures and
// conversion events for 600 + 300 units from a seeded generator, `checkout`'s spread over four
// days (client timestamps) so the daily cumulative series has four points. Then in the browser:
// signs in, opens Experiments from the nav and finds each experiment under its status; opens
// `checkout` and sees the forest plot (SVG, one row per treatment x metric) and the cumulative
// charts (uPlot canvases), checks every number of the results table against the API's results,
// downloads the CSV, stops it, concludes it through the form (first shipping without a variant:
// the API's field error beside the field, the typed reason kept; then shipping `blue`) and checks
// through the API that it is concluded; sees the SRM alert and the chance to win on
// `search-ranking`; starts `nav-redesign`. A viewer token then reads the pages, and concluding
// gets the API's 403 shown on the page. axe-core on both pages; screenshots 'experiments' and
// 'experiment'; fails on any page error or CSP report.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ok, waitUntil } from '../e2e/lib/governor.mjs';
import { rng } from '../e2e/lib/experiment.mjs';
import {
  artifacts, checkAxe, copyScreenshots, launchBrowser, newPage, screenshot, signIn, withGovernor,
} from './lib/console.mjs';

const DAY = 86400000;

function feature(name, variants) {
  return {
    name, type: 'experiment', enabled: true,
    strategies: [{
      name: 'flexibleRollout', parameters: { rollout: '100', stickiness: 'userId', groupId: name },
      variants: variants.map(([v, weight]) => ({ name: v, weight, weightType: 'variable', stickiness: 'userId' })),
    }],
  };
}

async function sendEvents(gov, token, events) {
  for (let i = 0; i < events.length; i += 1000) {
    const res = await fetch(`${gov.base}/api/v1/events`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ events: events.slice(i, i + 1000) }),
    });
    const body = await res.json();
    assert.equal(res.status, 202, JSON.stringify(body));
    assert.deepEqual(body.rejected, [], JSON.stringify(body));
  }
}

async function setUp(gov) {
  ok(await gov.admin('POST', '/api/v1/flags/import?environment=development', {
    version: 2, segments: [], features: [
      feature('exp.checkout', [['control', 334], ['blue', 333], ['green', 333]]),
      feature('exp.search', [['control', 500], ['ranked', 500]]),
      feature('exp.nav', [['control', 500], ['sidebar', 500]]),
    ],
  }), 'import flags');
  ok(await gov.admin('POST', '/api/v1/metrics', {
    name: 'purchase', description: 'Units that bought at least once', type: 'proportion',
    numerator: { event: 'purchase' },
  }), 'purchase metric');
  ok(await gov.admin('POST', '/api/v1/metrics', {
    name: 'revenue', description: 'Revenue per unit', type: 'mean', numerator: { event: 'revenue' },
  }), 'revenue metric');
  ok(await gov.admin('POST', '/api/v1/experiments', {
    key: 'checkout', name: 'New checkout', hypothesis: 'A blue checkout button converts better',
    environment: 'development', feature: 'exp.checkout', controlVariant: 'control',
    metrics: [{ metric: 'purchase', role: 'goal' }, { metric: 'revenue', role: 'secondary' }],
    analysis: { sequential: null },
  }), 'checkout');
  ok(await gov.admin('POST', '/api/v1/experiments', {
    key: 'search-ranking', hypothesis: 'Ranked search results lead to more purchases',
    environment: 'development', feature: 'exp.search', controlVariant: 'control',
    metrics: [{ metric: 'purchase', role: 'goal' }], analysis: { engine: 'bayesian' },
  }), 'search-ranking');
  ok(await gov.admin('POST', '/api/v1/experiments', {
    key: 'nav-redesign', name: 'Sidebar navigation', hypothesis: 'A sidebar helps users find things',
    environment: 'development', feature: 'exp.nav', controlVariant: 'control',
    metrics: [{ metric: 'purchase', role: 'goal' }],
  }), 'nav-redesign');
  ok(await gov.admin('POST', '/api/v1/experiments/checkout/start', {}), 'start checkout');
  ok(await gov.admin('POST', '/api/v1/experiments/search-ranking/start', {}), 'start search-ranking');

  // checkout: 600 units over the last four days (UTC), converting 30% (control), 42% (blue)
  // and 28% (green); the converting ones also bring revenue.
  const random = rng(20261206);
  const today = Math.floor(Date.now() / DAY) * DAY;
  const rates = { control: 0.3, blue: 0.42, green: 0.28 };
  const arms = ['control', 'blue', 'green'];
  const events = [];
  for (let i = 0; i < 600; i++) {
    const unit = `user-${i}`;
    const variant = arms[Math.floor(random() * 3)];
    // Days -3..0 (UTC); today's events between midnight and now.
    const day = i % 4 - 3;
    const at = day < 0 ? today + day * DAY + 3600000 + i * 1000 : today + Math.floor((Date.now() - today) / 2);
    events.push({ id: `x-${unit}`, type: 'exposure', name: 'checkout', feature: 'exp.checkout',
      variant, unit, timestamp: at });
    if (random() < rates[variant]) {
      events.push({ id: `p-${unit}`, type: 'track', name: 'purchase', unit, timestamp: at + 1000 });
      events.push({ id: `r-${unit}`, type: 'track', name: 'revenue', unit,
        value: 20 + Math.round(random() * 80), timestamp: at + 1000 });
    }
  }
  // search-ranking: 300 units today, 210 control and 90 ranked.
  for (let i = 0; i < 300; i++) {
    const unit = `searcher-${i}`;
    const variant = i < 210 ? 'control' : 'ranked';
    const at = today + Math.floor((Date.now() - today) / 2);
    events.push({ id: `x-${unit}`, type: 'exposure', name: 'search-ranking', feature: 'exp.search',
      variant, unit, timestamp: at });
    if (random() < (variant === 'control' ? 0.2 : 0.3)) {
      events.push({ id: `p-${unit}`, type: 'track', name: 'purchase', unit, timestamp: at + 1 });
    }
  }
  await sendEvents(gov, await gov.token('client'), events);
  const aggregated = async (key, units) => {
    let results;
    await waitUntil(async () => {
      results = ok(await gov.admin('GET', `/api/v1/experiments/${key}/results`), 'results');
      return results.pendingEvents === 0 && results.variants.reduce((n, v) => n + v.units, 0) === units;
    }, 60000, `${key}'s ${units} units aggregated`);
    return results;
  };
  const checkout = await aggregated('checkout', 600);
  const search = await aggregated('search-ranking', 300);
  assert.equal(new Set(checkout.series.map((p) => p.date)).size, 4, 'four days in the series');
  assert.equal(search.srm.mismatch, true, JSON.stringify(search.srm));
  return checkout;
}

// The console's text of a number (see Experiment.tsx) back to a number.
const parseEffect = (text) => Number(text.replace('−', '-').replace('%', '')) / 100;
function assertClose(text, expected, tolerance, what) {
  assert.ok(Math.abs(parseEffect(text) - expected) <= tolerance, `${what}: ${text} against ${expected}`);
}
const pText = (p) => (p === null || p === undefined ? '—' : p < 0.001 ? '<0.001' : p.toFixed(3));

// Every row of the results table against the API's results.
async function checkTable(page, results) {
  let rows = 0;
  for (const metric of results.metrics) {
    for (const v of metric.variants) {
      const row = page.locator(`tr[data-metric="${metric.metric}"][data-variant="${v.name}"]`);
      const cell = (col) => row.locator(`[data-col="${col}"]`).textContent();
      assert.equal(Number(await cell('units')), v.units, `${metric.metric}/${v.name} units`);
      rows++;
      if (v.control) continue;
      assertClose(await cell('effect'), v.effect, 0.0005 + 1e-9, `${metric.metric}/${v.name} effect`);
      const [low, high] = (await cell('ci')).replace(/[[\]]/g, '').split(', ');
      assertClose(low, v.ci[0], 0.0005 + 1e-9, `${metric.metric}/${v.name} ci low`);
      assertClose(high, v.ci[1], 0.0005 + 1e-9, `${metric.metric}/${v.name} ci high`);
      assert.equal(await cell('pValue'), pText(v.pValue), `${metric.metric}/${v.name} p-value`);
      assert.equal(await cell('adjustedPValue'), pText(v.adjustedPValue), `${metric.metric}/${v.name} adjusted`);
      assert.equal(await cell('decision'), v.decision, `${metric.metric}/${v.name} decision`);
    }
  }
  assert.equal(await page.locator('.results-table tbody tr').count(), rows);
}

const problems = [];
const browser = await launchBrowser();
try {
  await withGovernor({}, flows);
  assert.deepEqual(problems, []);
  copyScreenshots(['experiments', 'experiment']);
  console.log('ok');
} finally {
  await browser.close();
}

async function flows(gov) {
  const results = await setUp(gov);
  const page = await newPage(browser, problems);
  await signIn(page, gov.base);
  const nav = page.getByRole('navigation', { name: 'Main' });
  const group = (status) => page.getByRole('region', { name: new RegExp(`^${status} \\(`) });

  // The list, grouped by status.
  await nav.getByRole('link', { name: 'Experiments' }).click();
  await page.getByRole('heading', { name: 'Experiments', exact: true }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/ui/experiments');
  await group('Running').getByRole('link', { name: 'New checkout' }).waitFor();
  await group('Running').getByRole('link', { name: 'search-ranking' }).waitFor();
  await group('Draft').getByRole('link', { name: 'Sidebar navigation' }).waitFor();
  assert.match(await group('Running').getByRole('row').filter({ hasText: 'New checkout' }).textContent(),
    /exp\.checkout.*development/);
  assert.equal(await group('Concluded').getByText('No concluded experiments.').count(), 1);
  await checkAxe(page, 'experiments');
  await screenshot(page, 'experiments');

  // The experiment: the forest plot (two treatments x two metrics), the cumulative charts, the
  // table's numbers as the API's.
  await group('Running').getByRole('link', { name: 'New checkout' }).click();
  await page.getByRole('heading', { name: /New checkout/, level: 1 }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/ui/experiments/checkout');
  await page.getByText('A blue checkout button converts better').waitFor();
  const forest = page.locator('svg.forest[role="img"]');
  await forest.waitFor();
  assert.match(await forest.getAttribute('aria-label'), /Forest plot/);
  assert.equal(await forest.locator('circle.forest-point').count(), 4);
  assert.equal(await forest.locator('line.forest-zero').count(), 1);
  await waitUntil(async () => (await page.locator('.chart canvas').count()) === 2, 30000, 'two uPlot charts');
  assert.equal(await page.getByRole('heading', { name: 'purchase (4 days)' }).count(), 1);
  await page.getByText('Sample ratio check passed').waitFor();
  await page.locator('.warnings').getByText('peeking').waitFor();
  await checkTable(page, results);
  await checkAxe(page, 'experiment');
  await page.screenshot({ path: path.join(artifacts, 'experiment.png'), fullPage: true });

  // The CSV, as the API serves it.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download results (CSV)' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'checkout-results.csv');
  const csvPath = await download.path();
  const csv = readFileSync(csvPath, 'utf8');
  assert.match(csv, /^metric,role,type,direction,variant,control,units/);
  assert.equal(csv.trim().split('\n').length, 1 + 2 * 3);

  // Stop it (after confirming).
  await page.getByRole('button', { name: 'Stop experiment' }).click();
  await page.getByRole('button', { name: 'Confirm stopping checkout' }).click();
  await page.getByRole('status').getByText('Stopped checkout.').waitFor();
  assert.equal(ok(await gov.admin('GET', '/api/v1/experiments/checkout'), 'get').status, 'stopped');

  // Conclude: shipping without a variant gets the API's field error beside the field, the
  // reason typed is kept; then ship blue.
  const reason = 'Blue converts better on purchases; revenue holds.';
  await page.getByLabel('Decision').selectOption('ship');
  await page.getByLabel('Reason').fill(reason);
  await page.getByRole('button', { name: 'Conclude…' }).click();
  await page.getByRole('button', { name: 'Confirm concluding checkout' }).click();
  const variantError = page.locator('#conclude-variant-error');
  await variantError.waitFor();
  console.log(`field error shown: ${await variantError.textContent()}`);
  const variantSelect = page.getByLabel('Variant to ship');
  assert.equal(await variantSelect.getAttribute('aria-invalid'), 'true');
  assert.equal(await variantSelect.getAttribute('aria-describedby'), 'conclude-variant-error');
  assert.equal(await page.getByLabel('Reason').inputValue(), reason);
  assert.equal(ok(await gov.admin('GET', '/api/v1/experiments/checkout'), 'get').status, 'stopped');
  await checkAxe(page, 'experiment (with a field error)');
  await variantSelect.selectOption('blue');
  await page.getByRole('button', { name: 'Conclude…' }).click();
  await page.getByText('Conclude checkout and ship blue').waitFor();
  // The confirm button takes the focus: Enter confirms.
  await waitUntil(async () => (await page.evaluate(() => document.activeElement?.textContent)) ===
    'Confirm concluding checkout', 10000, 'the confirm button to take the focus');
  await page.keyboard.press('Enter');
  await page.getByRole('status').getByText('Concluded checkout: Shipped blue.').waitFor();
  const concluded = ok(await gov.admin('GET', '/api/v1/experiments/checkout'), 'get');
  assert.equal(concluded.status, 'concluded');
  assert.equal(concluded.conclusion.decision, 'ship');
  assert.equal(concluded.conclusion.variant, 'blue');
  assert.equal(concluded.conclusion.reason, reason);
  await page.getByRole('heading', { name: 'Conclusion: Shipped blue' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Conclude…' }).count(), 0);

  // search-ranking: the SRM alert, the chance to win instead of p-values.
  await nav.getByRole('link', { name: 'Experiments' }).click();
  await group('Concluded').getByRole('row').filter({ hasText: 'Shipped blue' }).waitFor();
  await group('Running').getByRole('link', { name: 'search-ranking' }).click();
  await page.getByRole('alert').filter({ hasText: 'Sample ratio mismatch' }).waitFor();
  await page.getByRole('columnheader', { name: 'Chance to win' }).waitFor();
  const search = ok(await gov.admin('GET', '/api/v1/experiments/search-ranking/results'), 'results');
  const ranked = search.metrics[0].variants.find((v) => v.name === 'ranked');
  assert.equal(await page.locator('tr[data-variant="ranked"] [data-col="chanceToWin"]').textContent(),
    `${(ranked.chanceToWin * 100).toFixed(1)}%`);
  await checkAxe(page, 'experiment (SRM)');
  await page.screenshot({ path: path.join(artifacts, 'experiment-srm.png'), fullPage: true });

  // nav-redesign: start the draft.
  await nav.getByRole('link', { name: 'Experiments' }).click();
  await group('Draft').getByRole('link', { name: 'Sidebar navigation' }).click();
  await page.getByRole('button', { name: 'Start experiment' }).waitFor();
  await page.getByText('The arms are the flag\'s variants when the experiment starts.').waitFor();
  assert.equal(await page.getByRole('alert').count(), 0);
  await page.getByRole('button', { name: 'Start experiment' }).click();
  await page.getByRole('status').getByText('Started nav-redesign.').waitFor();
  assert.equal(ok(await gov.admin('GET', '/api/v1/experiments/nav-redesign'), 'get').status, 'running');
  await page.getByRole('table', { name: 'Arms' }).getByRole('row').filter({ hasText: 'sidebar' }).waitFor();
  await page.getByRole('button', { name: 'Stop experiment' }).waitFor();
  await page.getByRole('button', { name: 'Log out' }).click();

  // A viewer reads the pages; concluding gets the API's 403, shown, the input kept.
  const viewer = ok(await gov.admin('POST', '/api/v1/tokens', { type: 'viewer', name: 'experiments-viewer' }),
    'viewer token').secret;
  await signIn(page, gov.base, viewer);
  await nav.getByRole('link', { name: 'Experiments' }).click();
  await group('Running').getByRole('link', { name: 'search-ranking' }).click();
  await page.locator('svg.forest').waitFor();
  await page.getByLabel('Decision').selectOption('rollback');
  await page.getByLabel('Reason').fill('by a viewer');
  await page.getByRole('button', { name: 'Conclude…' }).click();
  await page.getByRole('button', { name: 'Confirm concluding search-ranking' }).click();
  await page.getByRole('alert').filter({ hasText: 'viewer tokens are read-only' }).waitFor();
  assert.equal(await page.getByLabel('Reason').inputValue(), 'by a viewer');
  assert.equal(ok(await gov.admin('GET', '/api/v1/experiments/search-ranking'), 'get').status, 'running');
  await page.close();
}
