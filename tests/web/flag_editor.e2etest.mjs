// The flag editor (/ui/flags/{name}) in a real browser against `governor serve` (contract check
// on: every response validated against api/openapi.yaml):
//   - opens a flag created through the API from the flags list by its link; sees the empty
//     metrics state;
//   - switches environment tabs with the arrow keys; turns it on in development with its switch;
//     adds a flexibleRollout strategy with a constraint (country IN no) and a segment, moves the
//     "Rollout %" slider with the keyboard to 75, saves; checks through the API that the stored
//     strategy has that rollout, constraint and segment, and through OFREP (client token) that a
//     Norwegian context's answer follows it (some users in, some out) and a Swedish one is off;
//   - submits a bad constraint value (NUM_GT "abc") and a bad flag variant weight (-5): the API's
//     field error shows beside that field (aria-invalid, aria-describedby), the typed values stay,
//     and nothing changes on the server;
//   - sees the changes in the flag's history, newest first, as the audit API lists them;
//   - after a concurrent change through the API, a save is refused (409, shown, the edit kept)
//     and "Reload from server" shows the other change;
//   - posts Unleash client metrics with a client token and sees the evaluations chart (a canvas in
//     the chart figure);
//   - field errors follow their rows when a constraint, strategy or flag variant row above them is
//     removed or a strategy moves (and the removed row's errors go);
//   - signs in with a viewer token: saving shows the API's 403 and nothing changes.
// Runs axe-core on the page (fails on serious or critical violations) and fails on any page
// error or Content-Security-Policy report. Screenshots: flag-editor, flag-editor-field-error.
import assert from 'node:assert/strict';
import { ok, waitUntil } from '../e2e/lib/governor.mjs';
import {
  checkAxe, copyScreenshots, launchBrowser, newPage, screenshot, signIn, withGovernor,
} from './lib/console.mjs';

const FLAG = 'checkout.new-flow';
const ENV = 'development';
const S1 = `Strategy 1 in ${ENV}`;

const problems = [];
const browser = await launchBrowser();
try {
  await withGovernor({}, flows);
  assert.deepEqual(problems, []);
  copyScreenshots(['flag-editor', 'flag-editor-field-error']);
  console.log('ok');
} finally {
  await browser.close();
}

async function flows(gov) {
  ok(await gov.admin('POST', '/api/v1/flags', {
    name: FLAG, description: 'The new checkout flow', type: 'experiment',
  }), 'create flag');
  const segment = ok(await gov.admin('POST', '/api/v1/segments', {
    name: 'beta-testers',
    constraints: [{ contextName: 'plan', operator: 'IN', values: ['pro', 'free'] }],
  }), 'create segment');
  const clientToken = await gov.token('client', ENV);
  const stored = async () => ok(await gov.admin('GET', `/api/v1/flags/${FLAG}`), 'get flag');
  const ofrep = async (context) => {
    const res = await fetch(`${gov.base}/ofrep/v1/evaluate/flags/${FLAG}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${clientToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ context }),
    });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    return body.value;
  };

  const page = await newPage(browser, problems);
  await signIn(page, gov.base);

  // Open the flag from the list by its link.
  await page.getByRole('link', { name: FLAG }).click();
  await page.getByRole('heading', { name: FLAG, level: 1 }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/ui/flags/${FLAG}`);
  await page.getByText('The new checkout flow').waitFor();
  await page.getByText(/No evaluation metrics for this flag yet/).waitFor();
  await page.getByRole('cell', { name: 'flag.create' }).waitFor();

  // On in development, from the header's switch.
  const devSwitch = page.getByRole('switch', { name: `${FLAG} in ${ENV}` });
  await devSwitch.click();
  await waitUntil(async () => (await devSwitch.getAttribute('aria-checked')) === 'true', 30000,
    'the switch to turn on');
  assert.equal((await stored()).environments[ENV].enabled, true);

  // The environment tabs work with arrow keys.
  const devTab = page.getByRole('tab', { name: ENV });
  await devTab.focus();
  await page.keyboard.press('ArrowRight');
  await page.getByRole('heading', { name: 'Strategies in production' }).waitFor();
  assert.equal(await page.getByRole('tab', { name: 'production' }).getAttribute('aria-selected'),
    'true');
  await page.keyboard.press('ArrowLeft');
  await page.getByRole('heading', { name: `Strategies in ${ENV}` }).waitFor();

  // A flexibleRollout strategy with a constraint and a segment; the slider moved by keyboard.
  await page.getByLabel('New strategy type').selectOption('flexibleRollout');
  await page.getByRole('button', { name: 'Add strategy' }).click();
  const slider = page.getByLabel(`${S1}: Rollout %`);
  await slider.waitFor();
  // Focus moved to the new strategy's type.
  const focusedId = () => page.evaluate(() => document.activeElement?.id);
  await waitUntil(async () => (await focusedId()) === `fe-${ENV}-s0-name`, 5000,
    'focus on the new strategy');
  assert.equal(await slider.getAttribute('type'), 'range');
  await page.getByRole('button', { name: `Add constraint to ${S1}` }).click();
  const context = page.getByLabel(`${S1}, constraint 1: Context field`);
  const operator = page.getByLabel(`${S1}, constraint 1: Operator`);
  await context.fill('country');
  await operator.selectOption('IN');
  await page.getByLabel(`${S1}, constraint 1: Values (one per line)`).fill('no');
  await page.getByRole('checkbox', { name: `beta-testers (segment for ${S1})` }).check();
  await slider.focus();
  await page.keyboard.press('End');
  for (let i = 0; i < 25; i++) await page.keyboard.press('ArrowLeft');
  assert.equal(await slider.inputValue(), '75');
  await page.getByRole('button', { name: `Save strategies in ${ENV}` }).click();
  await page.getByRole('status').getByText(`Saved the strategies of ${ENV}.`).waitFor();
  assert.equal(await page.getByText('Unsaved changes').count(), 0);

  let flag = await stored();
  const [strategy] = flag.environments[ENV].strategies;
  assert.equal(flag.environments[ENV].strategies.length, 1);
  assert.equal(strategy.name, 'flexibleRollout');
  assert.equal(String(strategy.parameters.rollout), '75');
  assert.deepEqual(
    strategy.constraints.map(({ contextName, operator: op, values: v }) =>
      ({ contextName, op, values: v })),
    [{ contextName: 'country', op: 'IN', values: ['no'] }]);
  assert.deepEqual(strategy.segments, [segment.id]);

  // OFREP follows it: Swedes are out; of 40 Norwegians some are in and some out (75%).
  const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
  let answers = [];
  await waitUntil(async () => {
    answers = [];
    for (const u of users) {
      answers.push(await ofrep({ targetingKey: u, country: 'no', plan: 'pro' }));
    }
    return answers.some((v) => v === true);
  }, 30000, 'OFREP to answer the new strategy');
  const inCount = answers.filter((v) => v === true).length;
  console.log(`OFREP: ${inCount} of ${users.length} Norwegian users in at rollout 75`);
  assert.ok(inCount > 10 && inCount < users.length, `${inCount} in`);
  assert.equal(await ofrep({ targetingKey: 'user-1', country: 'se', plan: 'pro' }), false);
  assert.equal(await ofrep({ targetingKey: 'user-1', country: 'no', plan: 'none' }), false);
  await checkAxe(page, 'flag editor');

  // Bad input: NUM_GT "abc". The API's field error beside the value, the typed input kept.
  const version = flag.version;
  await operator.selectOption('NUM_GT');
  const value = page.getByLabel(`${S1}, constraint 1: Value`, { exact: true });
  await value.fill('abc');
  await page.getByRole('button', { name: `Save strategies in ${ENV}` }).click();
  const valueError = page.locator(`#fe-${ENV}-s0-c0-value-error`);
  await valueError.waitFor();
  console.log(`field error shown: ${await valueError.textContent()}`);
  assert.match(await valueError.textContent(), /expected a number/);
  assert.equal(await value.getAttribute('aria-invalid'), 'true');
  assert.equal(await value.getAttribute('aria-describedby'), `fe-${ENV}-s0-c0-value-error`);
  await page.getByRole('alert').getByText(/strategies\[0\]\.constraints\[0\]\.value/).waitFor();
  assert.equal(await value.inputValue(), 'abc');
  assert.equal(await context.inputValue(), 'country');
  assert.equal(await slider.inputValue(), '75');
  assert.equal(await page.getByText('Unsaved changes').count(), 1);
  assert.equal((await stored()).version, version);

  // A bad flag variant weight: its error beside the weight.
  await page.getByRole('button', { name: `Add variant to Flag variants in ${ENV}` }).click();
  const variantName = page.getByLabel(`Flag variants in ${ENV}, variant 1: Name`);
  const weight = page.getByLabel(`Flag variants in ${ENV}, variant 1: Weight (of 1000)`);
  await variantName.fill('blue');
  await weight.fill('-5');
  await page.getByRole('button', { name: `Save variants in ${ENV}` }).click();
  const weightError = page.locator(`#fe-${ENV}-fv0-weight-error`);
  await weightError.waitFor();
  assert.match(await weightError.textContent(), /must be >= 0/);
  assert.equal(await weight.getAttribute('aria-invalid'), 'true');
  assert.equal(await weight.getAttribute('aria-describedby'), `fe-${ENV}-fv0-weight-error`);
  assert.equal(await weight.inputValue(), '-5');
  assert.equal(await variantName.inputValue(), 'blue');
  assert.equal(await value.inputValue(), 'abc');
  assert.equal((await stored()).version, version);
  await value.scrollIntoViewIfNeeded();
  await checkAxe(page, 'flag editor (with field errors)');
  await screenshot(page, 'flag-editor-field-error');

  // Fix both: back to IN (the values typed before are still there), weight 1000.
  await operator.selectOption('IN');
  const values = page.getByLabel(`${S1}, constraint 1: Values (one per line)`);
  assert.equal(await values.inputValue(), 'no');
  await page.getByRole('button', { name: `Save strategies in ${ENV}` }).click();
  await page.getByRole('status').getByText(`Saved the strategies of ${ENV}.`).waitFor();
  await weight.fill('1000');
  await page.getByRole('button', { name: `Save variants in ${ENV}` }).click();
  await page.getByRole('status').getByText(`Saved the variants of ${ENV}.`).waitFor();
  flag = await stored();
  assert.deepEqual(
    flag.environments[ENV].variants.map(({ name, weight: w }) => ({ name, weight: w })),
    [{ name: 'blue', weight: 1000 }]);
  assert.equal(flag.environments[ENV].strategies[0].constraints[0].operator, 'IN');

  // History: the page lists the flag's audit entries as the API does, newest first.
  const audit = ok(await gov.admin('GET', `/api/v1/audit?resource=flags/${FLAG}`), 'audit');
  const apiActions = audit.items.map((e) => e.action);
  assert.deepEqual(apiActions.slice(0, 2), ['flag.variants', 'flag.strategies']);
  const history = page.locator('table.fe-audit tbody tr');
  await waitUntil(async () => (await history.count()) === apiActions.length, 30000, 'the history');
  const shownActions = await history.locator('td:nth-child(3)').allTextContents();
  assert.deepEqual(shownActions, apiActions);
  const shownChanges = await history.locator('td:nth-child(4)').allTextContents();
  assert.equal(shownChanges[0], `${ENV}: variants`);
  assert.ok(shownChanges.includes(`${ENV}: strategies`), shownChanges.join(' | '));
  assert.ok(shownChanges.includes(`${ENV}: turned on`), shownChanges.join(' | '));

  // A concurrent change (through the API) makes the next save a 409: shown, the edit kept;
  // reloading shows the other change.
  ok(await gov.admin('PUT', `/api/v1/flags/${FLAG}/environments/production/strategies`,
    { strategies: [{ name: 'default' }] }), 'concurrent change');
  await slider.focus();
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
  assert.equal(await slider.inputValue(), '80');
  await page.getByRole('button', { name: `Save strategies in ${ENV}` }).click();
  await page.getByRole('alert').getByText(/Someone changed this flag meanwhile/).waitFor();
  assert.equal(await slider.inputValue(), '80');
  assert.equal(String((await stored()).environments[ENV].strategies[0].parameters.rollout), '75');
  await page.getByRole('button', { name: /Reload from server/ }).click();
  await page.getByRole('status').getByText('Reloaded the flag from the server.').waitFor();
  assert.equal(await slider.inputValue(), '75');
  await page.getByRole('tab', { name: 'production' }).click();
  await page.getByLabel('Strategy 1 in production: Type').waitFor();
  assert.equal(await page.getByLabel('Strategy 1 in production: Type').inputValue(), 'default');
  await page.getByRole('tab', { name: ENV }).click();

  // Client metrics (Unleash's format) for this hour and two hours ago; the chart draws them.
  const now = Date.now();
  for (const [at, yes, no] of [[now - 2 * 3600e3, 12, 30], [now, 40, 9]]) {
    const res = await fetch(`${gov.base}/api/client/metrics`, {
      method: 'POST',
      headers: { Authorization: clientToken, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        appName: 'checkout-web', instanceId: 'i-1',
        bucket: {
          start: new Date(at).toISOString(), stop: new Date(at + 60e3).toISOString(),
          toggles: { [FLAG]: { yes, no, variants: {} } },
        },
      }),
    });
    assert.equal(res.status, 202, await res.text());
  }
  await page.getByRole('button', { name: 'Refresh metrics' }).click();
  const chart = page.locator('figure.chart');
  await chart.locator('canvas').waitFor();
  await page.getByText('52 yes, 39 no over 3 hours').waitFor();
  await page.getByLabel('Environment', { exact: true }).selectOption('production');
  await page.getByText(/No evaluation metrics for this flag in production yet/).waitFor();
  await page.getByLabel('Environment', { exact: true }).selectOption(ENV);
  await chart.locator('canvas').waitFor();
  await checkAxe(page, 'flag editor (with metrics)');
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'flag-editor');

  // Field errors follow their rows: an error on constraint 2 moves to constraint 1 when constraint
  // 1 is removed, and to strategy 2 when its strategy moves down; an error on flag variant 2 moves
  // to variant 1 when variant 1 is removed. Nothing of this is saved.
  const versionBefore = (await stored()).version;
  const s0c = (c, f) => page.locator(`#fe-${ENV}-s0-c${c}-${f}-error`);
  await page.getByRole('button', { name: `Add constraint to ${S1}` }).click();
  await page.getByLabel(`${S1}, constraint 2: Operator`).selectOption('NUM_GT');
  await page.getByLabel(`${S1}, constraint 2: Value`, { exact: true }).fill('abc');
  await page.getByRole('button', { name: `Save strategies in ${ENV}` }).click();
  await s0c(1, 'value').waitFor();
  await page.getByRole('button', { name: `Remove ${S1}, constraint 1`, exact: true }).click();
  await s0c(0, 'value').waitFor();
  assert.equal(await s0c(1, 'value').count(), 0);
  assert.match(await s0c(0, 'value').textContent(), /expected a number/);
  const movedValue = page.getByLabel(`${S1}, constraint 1: Value`, { exact: true });
  assert.equal(await movedValue.inputValue(), 'abc');
  assert.equal(await movedValue.getAttribute('aria-invalid'), 'true');
  await page.getByRole('button', { name: 'Add strategy' }).click();
  await page.getByRole('button', { name: `Move down ${S1}`, exact: true }).click();
  const s1Value = page.getByLabel(`Strategy 2 in ${ENV}, constraint 1: Value`, { exact: true });
  await page.locator(`#fe-${ENV}-s1-c0-value-error`).waitFor();
  assert.equal(await s0c(0, 'value').count(), 0);
  assert.equal(await s1Value.inputValue(), 'abc');
  assert.equal(await s1Value.getAttribute('aria-describedby'), `fe-${ENV}-s1-c0-value-error`);
  await page.getByRole('button', { name: `Remove Strategy 2 in ${ENV}`, exact: true }).click();
  await waitUntil(async () => (await page.locator('form .field-error').count()) === 0, 5000,
    'the removed strategy\'s error to go');
  await page.getByRole('button', { name: `Add variant to Flag variants in ${ENV}` }).click();
  await page.getByLabel(`Flag variants in ${ENV}, variant 2: Weight (of 1000)`).fill('-5');
  await page.getByRole('button', { name: `Save variants in ${ENV}` }).click();
  await page.locator(`#fe-${ENV}-fv1-weight-error`).waitFor();
  await page.getByRole('button', { name: `Remove Flag variants in ${ENV}, variant 1`, exact: true })
    .click();
  await page.locator(`#fe-${ENV}-fv0-weight-error`).waitFor();
  assert.equal(await page.locator(`#fe-${ENV}-fv1-weight-error`).count(), 0);
  const movedWeight = page.getByLabel(`Flag variants in ${ENV}, variant 1: Weight (of 1000)`);
  assert.equal(await movedWeight.inputValue(), '-5');
  assert.equal(await movedWeight.getAttribute('aria-invalid'), 'true');
  assert.equal((await stored()).version, versionBefore);

  // A viewer: the API refuses the save (403, shown) and nothing changes.
  const viewer = ok(await gov.admin('POST', '/api/v1/tokens', { type: 'viewer', name: 'v' }),
    'viewer token');
  const before = await stored();
  const vpage = await newPage(browser, problems);
  await signIn(vpage, gov.base, viewer.secret);
  await vpage.getByRole('link', { name: FLAG }).click();
  const vslider = vpage.getByLabel(`${S1}: Rollout %`);
  await vslider.waitFor();
  await vslider.focus();
  await vpage.keyboard.press('Home');
  assert.equal(await vslider.inputValue(), '0');
  await vpage.getByRole('button', { name: `Save strategies in ${ENV}` }).click();
  await vpage.getByRole('alert').getByText(/read-only/).waitFor();
  assert.equal(await vslider.inputValue(), '0');
  const after = await stored();
  assert.equal(after.version, before.version);
  assert.equal(String(after.environments[ENV].strategies[0].parameters.rollout), '75');
  await vpage.close();
  await page.close();
}
