// The web console in a real browser: playwright-core drives Debian's chromium (headless)
// against `governor serve` (tests/e2e/lib/governor.mjs: port 0, SQLite).
//   1. With the contract check on (every response validated against api/openapi.yaml) and 150
//      flags: signs in (a wrong token is refused first), searches, pages, shows a bad flag
//      name's field error, creates a flag through the form, turns it on in development with the
//      keyboard and checks through OFREP that its value changed; on Tokens creates a client
//      token (its secret shown once), sees it listed and revokes it (OFREP then refuses it); on
//      Audit log finds the flag's flag.create entry; logs out; signs in with a viewer token,
//      whose switch, flag form and token form changes the API refuses (403, shown on the page).
//   2. With 5,000 flags (contract check off: validating every page of 5,000 flags under the
//      sanitizers takes minutes): scrolls the list to its end and checks that only the rows in
//      view are in the DOM.
// Runs axe-core on the login, flags, tokens and audit pages (fails on serious or critical
// violations); fails on any Content-Security-Policy report or page error; checks the first load's
// JavaScript is served gzip-compressed and under 200 kB. Screenshots go to
// $GOVERNOR_ARTIFACTS_DIR/web (printed); with GOVERNOR_UPDATE_SCREENSHOTS=1 they are also copied
// to docs/screenshots/.
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, ok, waitUntil } from '../e2e/lib/governor.mjs';
import {
  checkAxe, copyScreenshots, launchBrowser, newPage, screenshot, signIn, withGovernor,
} from './lib/console.mjs';

// `count` flags named load.0000..., which sort after the flag the test creates.
async function importFlags(gov, count) {
  const features = [];
  for (let i = 0; i < count; i++) {
    features.push({ name: `load.${String(i).padStart(4, '0')}`, enabled: false, strategies: [] });
  }
  ok(await gov.admin('POST', '/api/v1/flags/import?environment=development',
    { version: 2, features, segments: [] }), 'import');
}

const switchIn = (page, name, env = 'development') =>
  page.getByRole('switch', { name: `${name} in ${env}` });
const countText = (page) => page.locator('.count').textContent();

// Scrolls the list to its end until `name`'s row is in view.
async function scrollTo(page, name, timeoutMs) {
  await waitUntil(async () => {
    await page.locator('.viewport').evaluate((el) => { el.scrollTop = el.scrollHeight; });
    return (await switchIn(page, name).count()) > 0;
  }, timeoutMs, `${name} to show`);
}

const problems = [];
const browser = await launchBrowser();
try {
  // 1. The flows, with the contract check on.
  await withGovernor({}, flows);
  // 2. 5,000 flags.
  await withGovernor({ env: { GOVERNOR_CONTRACT_CHECK: '0' } }, fiveThousand);
  assert.deepEqual(problems, []);
  copyScreenshots(['login', 'flags', 'flags-field-error', 'tokens', 'audit']);
  console.log('ok');
} finally {
  await browser.close();
}

async function flows(gov) {
  await importFlags(gov, 150);
  const clientToken = await gov.token('client', 'development');
  const ofrep = async (key) => {
    const res = await fetch(`${gov.base}/ofrep/v1/evaluate/flags/${key}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${clientToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ context: { targetingKey: 'user-1' } }),
    });
    return { status: res.status, body: await res.json() };
  };
  const page = await newPage(browser, problems);
  const shot = (name) => screenshot(page, name);

  // Login page: /ui/ routes there without a token.
  await page.goto(`${gov.base}/ui/`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/ui/login');
  console.log(`first load of /ui/: ${page.scriptBytes} bytes of JavaScript over the wire (gzip)`);
  assert.ok(page.scriptBytes > 0 && page.scriptBytes < 200 * 1024, `${page.scriptBytes} bytes`);
  await checkAxe(page, 'login');
  await shot('login');

  // A wrong token is refused and nothing is stored.
  await page.getByLabel('Admin token').fill('not-a-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#token-error').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);

  await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Flags', exact: true }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/ui/flags');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('governor.token')), ADMIN_TOKEN);
  assert.equal(await page.evaluate(() => document.cookie), '');
  assert.ok(!page.url().includes(ADMIN_TOKEN));

  // Paging: the first page is 100 flags; scrolling to the end fetches the rest.
  await switchIn(page, 'load.0000').waitFor();
  await waitUntil(async () => (await countText(page)) === '100+ flags', 30000, 'the first page');
  await scrollTo(page, 'load.0149', 60000);
  await waitUntil(async () => (await countText(page)) === '150 flags', 30000, 'the second page');

  // Search narrows the list server-side.
  await page.getByLabel('Search flags').fill('LOAD.004');
  await waitUntil(async () => (await countText(page)) === '10 flags', 30000, 'search results');
  await page.getByLabel('Search flags').fill('');
  await waitUntil(async () => (await countText(page)) === '100+ flags', 30000, 'the list again');

  // A bad name: the API's field error beside the field, the typed input kept.
  const nameInput = page.getByLabel('Name', { exact: true });
  await nameInput.fill('bad name!');
  await page.getByRole('button', { name: 'Create flag' }).click();
  const fieldError = page.locator('#new-flag-name-error');
  await fieldError.waitFor();
  console.log(`field error shown: ${await fieldError.textContent()}`);
  assert.equal(await nameInput.inputValue(), 'bad name!');
  assert.equal(await nameInput.getAttribute('aria-invalid'), 'true');
  assert.equal(await nameInput.getAttribute('aria-describedby'), 'new-flag-name-error');
  await checkAxe(page, 'flags (with a field error)');
  await shot('flags-field-error');

  // Create a flag through the form; it starts off everywhere.
  assert.equal((await ofrep('console.checkout')).status, 404);
  await nameInput.fill('console.checkout');
  await page.getByRole('button', { name: 'Create flag' }).click();
  await page.getByRole('status').getByText('Created console.checkout.').waitFor();
  assert.equal(await nameInput.inputValue(), '');
  const toggle = switchIn(page, 'console.checkout');
  await toggle.waitFor();
  assert.equal(await toggle.getAttribute('aria-checked'), 'false');
  const before = await ofrep('console.checkout');
  assert.equal(before.status, 200, JSON.stringify(before.body));
  assert.equal(before.body.value, false);

  // On in development, with the keyboard; OFREP answers the change.
  await toggle.focus();
  await page.keyboard.press('Enter');
  await waitUntil(async () => (await toggle.getAttribute('aria-checked')) === 'true', 30000,
    'the switch to turn on');
  await waitUntil(async () => (await ofrep('console.checkout')).body.value === true, 30000,
    'OFREP to answer true');
  const stored = ok(await gov.admin('GET', '/api/v1/flags/console.checkout'), 'get');
  assert.equal(stored.environments.development.enabled, true);
  assert.equal(stored.environments.production.enabled, false);
  await checkAxe(page, 'flags');
  await shot('flags');

  // Tokens: create a client token for development through the form (its secret shown once),
  // see it listed, revoke it after confirming.
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Tokens' }).click();
  await page.getByRole('heading', { name: 'Tokens', exact: true }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/ui/tokens');
  await page.getByLabel('Type').selectOption('client');
  await page.getByLabel('Environment').selectOption('development');
  await page.getByLabel('Token name').fill('console-client');
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.getByRole('status').getByText('Created console-client.').waitFor();
  const secret = await page.getByLabel('Secret').inputValue();
  assert.ok(secret.length > 0);
  await page.getByText('shown only once').waitFor();
  const row = page.getByRole('row').filter({ hasText: 'console-client' });
  await row.waitFor();
  assert.match(await row.textContent(), /client.*development/);
  await checkAxe(page, 'tokens');
  await shot('tokens');
  await page.getByRole('button', { name: 'Revoke console-client' }).click();
  await page.getByRole('button', { name: 'Confirm revoking console-client' }).click();
  await page.getByRole('status').getByText('Revoked console-client.').waitFor();
  await row.getByText('Revoked').waitFor();
  const refused = await fetch(`${gov.base}/ofrep/v1/evaluate/flags/console.checkout`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ context: { targetingKey: 'user-1' } }),
  });
  assert.equal(refused.status, 401);

  // Audit log: the flag created above, filtered by resource.
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('heading', { name: 'Audit log' }).waitFor();
  await page.getByRole('row').filter({ hasText: 'token.' }).first().waitFor();
  await page.getByLabel('Resource').fill('flags/console.checkout');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.getByRole('row').filter({ hasText: 'flag.create' })
    .filter({ hasText: 'flags/console.checkout' }).waitFor();
  await checkAxe(page, 'audit');
  await shot('audit');

  // Log out: back to the login page, the token gone.
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('governor.token')), null);

  // A viewer token reads everything and changes nothing: the switch and the form get the API's
  // 403, shown on the page, and the flag stays as it was.
  const viewer = ok(await gov.admin('POST', '/api/v1/tokens', { type: 'viewer', name: 'console-viewer' }),
    'viewer token').secret;
  await page.getByLabel('Admin token').fill(viewer);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Flags', exact: true }).waitFor();
  await page.getByLabel('Search flags').fill('console.checkout');
  const viewed = switchIn(page, 'console.checkout');
  await viewed.waitFor();
  assert.equal(await viewed.getAttribute('aria-checked'), 'true');
  await viewed.click();
  await page.getByRole('alert').getByText('viewer tokens are read-only').first().waitFor();
  assert.equal(await viewed.getAttribute('aria-checked'), 'true');
  await nameInput.fill('console.by-viewer');
  await page.getByRole('button', { name: 'Create flag' }).click();
  await waitUntil(async () => (await page.getByRole('alert')
    .getByText('viewer tokens are read-only').count()) >= 2, 30000, 'the form to show the 403');
  assert.equal(await nameInput.inputValue(), 'console.by-viewer');
  const unchanged = ok(await gov.admin('GET', '/api/v1/flags/console.checkout'), 'get');
  assert.equal(unchanged.environments.development.enabled, true);
  assert.equal((await gov.admin('GET', '/api/v1/flags/console.by-viewer')).status, 404);
  await checkAxe(page, 'flags (viewer)');
  // The viewer reads tokens and the audit log; creating a token gets the API's 403.
  await page.getByRole('link', { name: 'Tokens' }).click();
  await page.getByRole('row').filter({ hasText: 'console-client' }).waitFor();
  await page.getByLabel('Token name').fill('by-viewer');
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.getByRole('alert').getByText('viewer tokens are read-only').waitFor();
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('row').filter({ hasText: 'flag.create' }).first().waitFor();
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.close();
}

async function fiveThousand(gov) {
  await importFlags(gov, 5000);
  const page = await newPage(browser, problems);
  await signIn(page, gov.base);
  await switchIn(page, 'load.0000').waitFor();
  const rendered = async () => page.locator('.vrow').count();
  assert.ok((await rendered()) < 60, `${await rendered()} rows rendered`);
  await scrollTo(page, 'load.4999', 120000);
  await waitUntil(async () => (await countText(page)) === '5000 flags', 30000, 'every page');
  const rows = await rendered();
  console.log(`5,000 flags loaded: ${rows} rows in the DOM`);
  assert.ok(rows > 5 && rows < 60, `${rows} rows rendered`);
  // Still responsive: a switch near the end answers at once.
  const last = switchIn(page, 'load.4999');
  await last.click();
  await waitUntil(async () => (await last.getAttribute('aria-checked')) === 'true', 30000,
    'the last flag to turn on');
  await page.close();
}
