// The Release plans pages in a real browser (playwright-core, Debian's chromium) against
// `governor serve` with the contract check on (every response validated against
// api/openapi.yaml). Through the REST API: a flag on in development, a metric definition and a
// plan of three milestones (5% by hand, 25% until 2030, 100%) with a Prometheus guardrail (a
// server that refuses connections, forSeconds an hour: it reads "error" without pausing the
// plan) and an experiment-metric guardrail. Then, signed in:
//   - Release plans from the nav lists the plan; the new-plan form shows the API's field errors
//     beside the fields (a template's query left empty, a decreasing rollout) and creates plans
//     from the standard template and written out;
//   - the plan's page shows the milestone timeline (the plan's `definition.milestones`, in
//     order) and the guardrail rows (from `definition.guardrails`), none evaluated yet; Start,
//     Pause, Resume, Advance and Roll back (after its confirm step) through the page, each state
//     checked through the REST API and each action listed in the page's history; once running,
//     the Prometheus guardrail reads "error" with its last-evaluated time (by itself: the page
//     follows the plan's stream, GET /api/v1/release-plans/{name}/stream, and makes no
//     repeated reads), and a pause made through the API shows by itself;
//   - starting a plan whose flag is off shows the API's error beside the flag;
//   - a plan at 50% guarded by the experiment metric, with units evaluated through OFREP and
//     purchases sent through POST /api/v1/events: its metric row shows the relative effect and
//     the confidence sequence [ciLow, ciHigh] the API reports, as percentages, and when it was
//     last evaluated;
//   - the list shows plans in each state (one running, with its milestone of its definition's
//     and its next advance; guardrail statuses);
//   - a viewer token sees a draft plan, but its Start gets the API's 403, shown on the page, and
//     the plan stays a draft.
// axe-core on both pages (fails on serious or critical violations); fails on any page error
// or Content-Security-Policy report. Screenshots release-plans and release-plan.
import assert from 'node:assert/strict';
import { ok, waitUntil } from '../e2e/lib/governor.mjs';
import {
  artifacts, checkAxe, copyScreenshots, launchBrowser, newPage, screenshot, signIn, withGovernor,
} from './lib/console.mjs';

const FEATURE = 'checkout.redesign';
const PLAN = 'checkout-redesign';
const DRAFT = 'checkout-redesign-again';
const BANNER = 'checkout.banner';
const CI_FEATURE = 'checkout.upsell';
const CI_PLAN = 'checkout-upsell';

const problems = [];
const browser = await launchBrowser();
try {
  await withGovernor({}, flows);
  assert.deepEqual(problems, []);
  copyScreenshots(['release-plans', 'release-plan']);
  console.log('ok');
} finally {
  await browser.close();
}

async function flows(gov) {
  ok(await gov.admin('POST', '/api/v1/flags', { name: FEATURE }), 'create flag');
  ok(await gov.admin('POST', `/api/v1/flags/${FEATURE}/environments/development/on`), 'flag on');
  ok(await gov.admin('POST', '/api/v1/metrics', {
    name: 'checkout.conversion', type: 'proportion', numerator: { event: 'purchase' },
  }), 'metric');
  const planBody = (name) => ({
    name, feature: FEATURE, environment: 'development',
    milestones: [
      { rollout: 5 }, { rollout: 25, advanceAt: '2030-01-01T00:00:00Z' }, { rollout: 100 },
    ],
    guardrails: [
      { name: 'error-rate', prometheus: {
        query: 'sum(rate(http_errors_total[5m]))', url: 'http://127.0.0.1:1', above: 0.05,
        forSeconds: 3600 } },
      { name: 'conversion', metric: { metric: 'checkout.conversion', maxRelativeDrop: 0.02 } },
    ],
    onBreach: 'pause',
  });
  ok(await gov.admin('POST', '/api/v1/release-plans', planBody(PLAN)), 'create plan');
  const planOf = async (name = PLAN) =>
    ok(await gov.admin('GET', `/api/v1/release-plans/${name}`), `GET ${name}`);

  const page = await newPage(browser, problems);
  try {
    await drive(gov, page, planBody, planOf);
  } catch (e) {
    // What the page showed when a step failed, to read beside the error.
    await page.screenshot({ path: `${artifacts}/release-plans-failure.png`, fullPage: true });
    throw e;
  }
  await page.close();
}

async function drive(gov, page, planBody, planOf) {
  await signIn(page, gov.base);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Release plans' }).click();
  await page.getByRole('heading', { name: 'Release plans', exact: true }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/ui/release-plans');
  const row = page.getByRole('row').filter({ hasText: PLAN });
  await row.waitFor();
  assert.match(await row.textContent(),
    new RegExp(`${FEATURE}.*development.*Draft.*Not started.*0%`));
  await page.getByRole('row').filter({ hasText: 'standard' }).waitFor();  // the built-in template
  await checkAxe(page, 'release plans');

  // The new-plan form, from the standard template: a query it leaves empty is the API's field
  // error beside that query's field (what was typed is kept); filled in, the plan is created.
  ok(await gov.admin('POST', '/api/v1/flags', { name: BANNER }), 'create the banner flag');
  await page.getByText('New release plan', { exact: true }).click();
  const form = page.getByRole('form', { name: 'New release plan' });
  await form.getByLabel('Plan name').fill('banner-standard');
  await form.getByLabel('Flag').fill(BANNER);
  await form.getByLabel('Environment').selectOption('development');
  await form.getByLabel('Template').selectOption('standard');
  await form.getByLabel('PromQL query for guardrail errors').fill('sum(rate(errors_total[5m]))');
  const create = form.getByRole('button', { name: 'Create plan' });
  await create.click();
  const p99 = form.getByLabel('PromQL query for guardrail p99');
  const p99Error = page.locator('#new-plan-queries-p99-error');
  await p99Error.waitFor();
  console.log(`field error shown: ${await p99Error.textContent()}`);
  assert.equal(await p99.getAttribute('aria-invalid'), 'true');
  assert.equal(await p99.getAttribute('aria-describedby'), 'new-plan-queries-p99-error');
  assert.equal(await form.getByLabel('Plan name').inputValue(), 'banner-standard');
  assert.equal(await form.getByLabel('PromQL query for guardrail errors').inputValue(),
    'sum(rate(errors_total[5m]))');
  await checkAxe(page, 'release plans (a field error)');
  await p99.fill('histogram_quantile(0.99, rate(latency_bucket[5m]))');
  await form.getByLabel('PromQL query for guardrail cpu').fill('avg(cpu_usage)');
  await create.click();
  await page.getByRole('status').getByText('Created banner-standard.').waitFor();
  await page.getByRole('row').filter({ hasText: 'banner-standard' }).waitFor();
  const fromTemplate = ok(await gov.admin('GET', '/api/v1/release-plans/banner-standard'), 'GET');
  assert.equal(fromTemplate.state, 'draft');
  assert.deepEqual(fromTemplate.guardrails.map((g) => g.name), ['p99', 'errors', 'cpu']);

  // Milestones written out: a rollout lower than the one before is the API's error beside it.
  await form.getByLabel('Template').selectOption('');
  await form.getByLabel('Plan name').fill('banner-manual');
  await form.getByLabel('Milestone 1 rollout (%)').fill('50');
  await form.getByLabel('Milestone 2 rollout (%)').fill('40');
  await create.click();
  await page.locator('#new-plan-milestones-1--rollout-error').waitFor();
  assert.equal(await form.getByLabel('Milestone 2 rollout (%)').getAttribute('aria-invalid'),
    'true');
  await form.getByLabel('Milestone 2 rollout (%)').fill('100');
  await form.getByLabel('Milestone 1 advances').selectOption('after');
  await form.getByLabel('Milestone 1: minutes before advancing').fill('30');
  await create.click();
  await page.getByRole('status').getByText('Created banner-manual.').waitFor();
  const written = ok(await gov.admin('GET', '/api/v1/release-plans/banner-manual'), 'GET')
    .definition;
  assert.deepEqual(written.milestones.map((m) => [m.rollout, m.advanceAfterSeconds ?? null]),
    [[50, 1800], [100, null]]);

  await row.getByRole('link', { name: PLAN }).click();
  await page.getByRole('heading', { name: `Release plan ${PLAN}` }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/ui/release-plans/${PLAN}`);

  // The timeline: the definition's three milestones in order, each with its rule, none started.
  const { definition } = await planOf();
  assert.deepEqual(definition.milestones.map((m) => m.rollout), [5, 25, 100]);
  const steps = page.getByRole('list', { name: 'Milestones' }).getByRole('listitem');
  await waitUntil(async () => (await steps.count()) === definition.milestones.length, 30000,
    'the definition\'s milestones');
  for (const [i, m] of definition.milestones.entries()) {
    assert.match(await steps.nth(i).textContent(),
      new RegExp(`^Milestone ${i + 1}: ${m.rollout}%`));
  }
  assert.match(await steps.nth(0).textContent(), /5%.*Pending.*Advances by hand/);
  assert.match(await steps.nth(1).textContent(), /25%.*Pending.*Advances at/);
  assert.match(await steps.nth(2).textContent(), /100%.*Pending.*Completes the plan/);

  // The guardrail rows: what each watches and its threshold, none evaluated yet (a draft).
  const guardrails = page.getByRole('table', { name: 'Guardrail readings' });
  const errorRate = guardrails.getByRole('row').filter({ hasText: 'error-rate' });
  assert.match(await errorRate.textContent(),
    /Prometheus query.*http_errors_total.*above 0\.05 for 1 h/);
  const lastEvaluated = (row) => row.getByRole('cell').last();
  assert.equal(await lastEvaluated(errorRate).textContent(), 'Not yet');
  const conversion = guardrails.getByRole('row').filter({ hasText: 'conversion' });
  assert.match(await conversion.textContent(),
    /Experiment metric.*checkout\.conversion.*more than 2%/);
  assert.equal(await guardrails.getByRole('columnheader').last().textContent(), 'Last evaluated');
  await guardrails.getByRole('row').filter({ hasText: 'Sample ratio' }).waitFor();

  const controls = page.getByRole('group', { name: 'Plan controls' });
  const button = (name) => controls.getByRole('button', { name });
  const history = page.getByRole('table', { name: /Plan history/ });
  const historyRow = (event) => history.getByRole('row').filter({
    has: page.getByRole('rowheader', { name: event, exact: true }),
  });
  // Only Start and (disabled) the others in draft.
  assert.equal(await button('Pause').isDisabled(), true);
  assert.equal(await button('Roll back…').isDisabled(), true);

  // Each action through the page, its state checked through the API.
  const expectState = async (state, milestone, rollout) => {
    await waitUntil(async () => {
      const p = await planOf();
      return p.state === state && p.milestone === milestone && p.rollout === rollout;
    }, 30000, `${PLAN} to be ${state} at milestone ${milestone}, ${rollout}%`);
  };
  await button('Start').click();
  await page.getByRole('status').getByText(`Started ${PLAN}`).waitFor();
  await expectState('running', 0, 5);
  await historyRow('Started').waitFor();
  assert.match(await historyRow('Started').textContent(), /Draft, 0%.*Milestone 1, 5%.*By /);
  await page.locator('.rp-state', { hasText: 'Running' }).waitFor();
  // The page follows the plan's stream: the Prometheus guardrail's failed reading shows by
  // itself, with no repeated reads of the plan.
  await page.locator('.rp-live', { hasText: 'Live' }).waitFor();
  const reads = [];
  const onRequest = (r) => {
    if (new URL(r.url()).pathname === `/api/v1/release-plans/${PLAN}`) reads.push(r.url());
  };
  page.on('request', onRequest);
  await waitUntil(async () => /error.*cannot connect/i.test(await errorRate.textContent()), 30000,
    'the error-rate guardrail to read "error"');
  // ... with when it was last evaluated (the API's lastEvaluatedAt, as the browser shows times).
  const evaluated = (await planOf()).guardrails.find((g) => g.name === 'error-rate');
  assert.equal(evaluated.status, 'error');
  assert.ok(evaluated.lastEvaluatedAt, 'error-rate has lastEvaluatedAt');
  await waitUntil(async () => (await lastEvaluated(errorRate).textContent()) !== 'Not yet', 30000,
    'the error-rate guardrail\'s last-evaluated time');
  const shownAt = await lastEvaluated(errorRate).textContent();
  console.log(`error-rate last evaluated: ${shownAt} (API ${evaluated.lastEvaluatedAt})`);
  assert.match(shownAt, /\d/);
  assert.match(await steps.nth(0).textContent(), /Current.*Started/);

  // A change made elsewhere (a pause through the API) shows by itself; Resume through the page.
  ok(await gov.admin('POST', `/api/v1/release-plans/${PLAN}/pause`), 'pause through the API');
  await page.locator('.rp-summary .rp-state', { hasText: 'Paused' }).waitFor({ timeout: 15000 });
  page.off('request', onRequest);
  assert.deepEqual(reads, [], 'the plan came through its stream, not by reading it again');
  await button('Resume').click();
  await page.getByRole('status').getByText(`Resumed ${PLAN}`).waitFor();
  await expectState('running', 0, 5);

  await button('Pause').click();
  await page.getByRole('status').getByText(`Paused ${PLAN}`).waitFor();
  await expectState('paused', 0, 5);
  await waitUntil(async () => (await historyRow('Paused').count()) === 2, 30000, 'two paused rows');
  assert.equal(await button('Pause').isDisabled(), true);

  await button('Resume').click();
  await page.getByRole('status').getByText(`Resumed ${PLAN}`).waitFor();
  await expectState('running', 0, 5);
  await waitUntil(async () => (await historyRow('Resumed').count()) === 2, 30000,
    'two resumed rows');

  await button('Advance to 25%').click();
  await page.getByRole('status').getByText(`Advanced ${PLAN}`).waitFor();
  await expectState('running', 1, 25);
  await historyRow('Advanced').waitFor();
  assert.match(await steps.nth(0).textContent(), /Done/);
  assert.match(await steps.nth(1).textContent(), /25%.*Current/);
  assert.equal(await page.getByRole('listitem').filter({ hasText: '25%' })
    .first().getAttribute('aria-current'), 'step');
  await checkAxe(page, 'release plan (running)');

  // Roll back: a confirm step first; Cancel leaves the plan running.
  await button('Roll back…').click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  assert.equal((await planOf()).state, 'running');
  await button('Roll back…').click();
  const confirm = page.getByRole('button', { name: 'Confirm rollback' });
  await waitUntil(() => confirm.evaluate((el) => el === document.activeElement), 10000,
    'the confirm button to take focus');
  await checkAxe(page, 'release plan (confirming the rollback)');
  await page.keyboard.press('Enter');
  await page.getByRole('status').getByText(`Rolled back ${PLAN}`).waitFor();
  await expectState('rolledBack', 1, 0);
  await historyRow('Rolled back').waitFor();
  assert.match(await steps.nth(1).textContent(), /Rolled back here/);
  for (const name of ['Pause', 'Resume', 'Roll back…']) {
    assert.equal(await button(name).isDisabled(), true, `${name} after the rollback`);
  }
  const events = (await planOf()).history.map((t) => t.event);
  assert.deepEqual(events,
    ['started', 'paused', 'resumed', 'paused', 'resumed', 'advanced', 'rolledBack']);
  assert.equal(await history.getByRole('row').count(), 1 + events.length);
  const flag = ok(await gov.admin('GET', `/api/v1/flags/${FEATURE}`), 'flag');
  const strategies = flag.environments.development.strategies;
  console.log(`strategies after the rollback: ${JSON.stringify(strategies)}`);

  // Starting a plan whose flag is off in its environment: the API's 409 names the field
  // feature, shown beside the plan's flag; the plan stays a draft.
  ok(await gov.admin('POST', '/api/v1/release-plans', planBody(DRAFT)), 'create the draft');
  ok(await gov.admin('POST', `/api/v1/flags/${FEATURE}/environments/development/off`), 'flag off');
  await nav.getByRole('link', { name: 'Release plans' }).click();
  await page.getByRole('row').filter({ hasText: DRAFT }).getByRole('link', { name: DRAFT }).click();
  await page.getByRole('heading', { name: `Release plan ${DRAFT}` }).waitFor();
  await button('Start').click();
  const featureError = page.locator('#plan-feature-error');
  await featureError.waitFor();
  assert.match(await featureError.textContent(), /disabled in development/);
  assert.equal((await planOf(DRAFT)).state, 'draft');
  ok(await gov.admin('POST', `/api/v1/flags/${FEATURE}/environments/development/on`), 'flag on');

  await metricGuardrailInterval(gov, page, nav, steps, lastEvaluated);

  // The list with plans in several states: banner-manual started through the API runs, its
  // milestone (of its definition's two) and scheduled advance (30 minutes after its start) shown.
  ok(await gov.admin('POST', `/api/v1/flags/${BANNER}/environments/development/on`), 'banner on');
  ok(await gov.admin('POST', '/api/v1/release-plans/banner-manual/start'), 'start banner-manual');
  await nav.getByRole('link', { name: 'Release plans' }).click();
  const running = page.getByRole('row').filter({ hasText: 'banner-manual' });
  await running.getByText('Running').waitFor();
  assert.match(await running.textContent(), /Running.*1 of 2, next 100%.*50%.*None/);
  assert.doesNotMatch(await running.textContent(), /—/);
  assert.match(await page.getByRole('row').filter({ hasText: DRAFT }).textContent(),
    /Draft.*Not started0%2—/);  // milestone, rollout, two guardrails, no advance
  assert.match(await page.getByRole('row').filter({ hasText: CI_PLAN }).textContent(),
    /Running.*1 of 2, next 100%.*50%.*2: latency error/);
  await page.getByRole('row').filter({ hasText: PLAN }).getByText('Rolled back').waitFor();
  await screenshot(page, 'release-plans');

  // A viewer sees the plans, but the API refuses its Start (403, shown) and nothing changes.
  await page.getByRole('button', { name: 'Log out' }).click();
  const viewer = ok(await gov.admin('POST', '/api/v1/tokens',
    { type: 'viewer', name: 'plans-viewer' }), 'viewer token').secret;
  await signIn(page, gov.base, viewer);
  await nav.getByRole('link', { name: 'Release plans' }).click();
  await page.getByRole('row').filter({ hasText: DRAFT }).getByRole('link', { name: DRAFT }).click();
  await page.getByRole('heading', { name: `Release plan ${DRAFT}` }).waitFor();
  await waitUntil(async () => (await steps.count()) === 3, 30000, 'the viewer\'s timeline');
  await button('Start').click();
  await page.getByRole('alert').getByText('viewer tokens are read-only').waitFor();
  assert.equal((await planOf(DRAFT)).state, 'draft');
  assert.equal((await planOf(DRAFT)).history.length, 0);
  await checkAxe(page, 'release plan (viewer)');
}

// A running plan at 50% guarded by the experiment metric (and by a Prometheus query whose server
// refuses connections): 400 units evaluated through OFREP, 3 in 10 exposed units buying and 2 in
// 10 of the rest (the treatment is better: no partial view of the data breaches the guardrail).
// Once the API reports the metric guardrail's confidence sequence, the plan's page shows it
// beside the relative effect, as percentages, and when the guardrail was last evaluated.
async function metricGuardrailInterval(gov, page, nav, steps, lastEvaluated) {
  ok(await gov.admin('POST', '/api/v1/flags', { name: CI_FEATURE }), 'create the upsell flag');
  ok(await gov.admin('POST', `/api/v1/flags/${CI_FEATURE}/environments/development/on`), 'on');
  ok(await gov.admin('POST', '/api/v1/release-plans', {
    name: CI_PLAN, feature: CI_FEATURE, environment: 'development',
    milestones: [{ rollout: 50 }, { rollout: 100 }],
    guardrails: [
      { name: 'latency', prometheus: {
        query: 'histogram_quantile(0.99, rate(latency_bucket[5m]))', url: 'http://127.0.0.1:1',
        above: 1, forSeconds: 3600 } },
      { name: 'upsell-conversion',
        metric: { metric: 'checkout.conversion', maxRelativeDrop: 0.5 } },
    ],
    onBreach: 'pause',
  }), 'create the upsell plan');
  ok(await gov.admin('POST', `/api/v1/release-plans/${CI_PLAN}/start`), 'start the upsell plan');

  const client = await gov.token('client', 'development');
  const evaluate = async (unit) => {
    const res = await fetch(`${gov.base}/ofrep/v1/evaluate/flags/${CI_FEATURE}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${client}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ context: { targetingKey: unit } }),
    });
    assert.equal(res.status, 200, `OFREP for ${unit}`);
    return (await res.json()).value;
  };
  const units = Array.from({ length: 400 }, (_, i) => `upsell-${i}`);
  const exposed = [];
  for (let i = 0; i < units.length; i += 20) {
    exposed.push(...await Promise.all(units.slice(i, i + 20).map(evaluate)));
  }
  const on = exposed.filter(Boolean).length;
  console.log(`upsell: ${on} of ${units.length} units exposed`);
  assert.ok(on > 100 && on < 300, `${on} exposed`);
  const at = Date.now() + 1000;
  const events = units.filter((_, i) => i % 10 < (exposed[i] ? 3 : 2)).map((unit) => ({
    id: `buy-${unit}`, type: 'track', name: 'purchase', unit, timestamp: at,
  }));
  const sent = await fetch(`${gov.base}/api/v1/events`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${client}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ events }),
  });
  assert.equal(sent.status, 202, `events: ${await sent.text()}`);

  let metric;
  await waitUntil(async () => {
    const plan = ok(await gov.admin('GET', `/api/v1/release-plans/${CI_PLAN}`), 'GET upsell');
    metric = plan.guardrails.find((g) => g.name === 'upsell-conversion');
    return metric.ciLow !== null && metric.ciLow !== undefined;
  }, 45000, 'the metric guardrail\'s confidence sequence');
  console.log(`upsell-conversion: ${JSON.stringify(metric)}`);
  assert.ok(metric.ciLow <= metric.value && metric.value <= metric.ciHigh);
  assert.ok(metric.lastEvaluatedAt);

  await nav.getByRole('link', { name: 'Release plans' }).click();
  await page.getByRole('row').filter({ hasText: CI_PLAN }).getByRole('link', { name: CI_PLAN })
    .click();
  await page.getByRole('heading', { name: `Release plan ${CI_PLAN}` }).waitFor();
  await waitUntil(async () => (await steps.count()) === 2, 30000, 'the upsell plan\'s timeline');
  const guardrails = page.getByRole('table', { name: 'Guardrail readings' });
  const row = guardrails.getByRole('row').filter({ hasText: 'upsell-conversion' });
  // The page's numbers, from the API's fractions: a signed percentage of up to 4 digits.
  const pct = (v) => {
    const n = Math.abs(v) * 100;
    const digits = Number.isInteger(n) ? String(n) : n.toPrecision(4).replace(/\.?0+$/, '');
    return `${v > 0 ? '+' : v < 0 ? '−' : ''}${digits}%`;
  };
  // The page follows the running plan's stream and the metric is re-evaluated as exposures and events
  // arrive: the row shows the interval the API reports around the same time.
  let interval;
  await waitUntil(async () => {
    const plan = ok(await gov.admin('GET', `/api/v1/release-plans/${CI_PLAN}`), 'GET upsell');
    const m = plan.guardrails.find((g) => g.name === 'upsell-conversion');
    if (m.ciLow === null || m.ciHigh === null) return false;
    interval = `${pct(m.value)} relative effect95% confidence sequence ` +
      `[${pct(m.ciLow)}, ${pct(m.ciHigh)}]`;
    return (await row.textContent()).includes(interval);
  }, 30000, 'the row to show the API\'s confidence sequence');
  const text = await row.textContent();
  console.log(`upsell-conversion row: ${text}`);
  assert.match(text, /relative effect.*95% confidence sequence \[[−+]?[\d.]+%, [−+]?[\d.]+%\]/);
  assert.notEqual(await lastEvaluated(row).textContent(), 'Not yet');
  const latency = guardrails.getByRole('row').filter({ hasText: 'latency' });
  await waitUntil(async () => /error/.test(await latency.textContent()), 30000, 'latency error');
  assert.doesNotMatch(await latency.textContent(), /confidence sequence/);
  assert.notEqual(await lastEvaluated(latency).textContent(), 'Not yet');
  await checkAxe(page, 'release plan (a metric guardrail\'s interval)');
  // The screenshot shows the timeline and the guardrail readings.
  await page.evaluate(() => document.getElementById('milestones-title').scrollIntoView());
  await screenshot(page, 'release-plan');
}
