// The console's Segments page in a real browser against `governor serve` (contract check on):
// signs in, opens Segments from the nav, creates a segment with a constraint through the form
// and checks through the REST API that it was stored; edits it (name and constraints, saved with
// If-Match); shows the API's field errors beside the name and beside a constraint's value with
// everything typed kept and the keyboard taken to the field; sees which flag uses a segment and
// the API's 409 when deleting it; gets the API's 409 when saving over a change made meanwhile;
// deletes an unused one with the keyboard after confirming; then, signed in with a viewer token,
// gets the API's 403 shown for creating, editing and deleting, and nothing changes. Runs axe-core
// on the page (fails on serious or critical violations) and fails on page errors or CSP reports.
// Screenshots: segments, segments-field-error.
import assert from 'node:assert/strict';
import { ok, waitUntil } from '../e2e/lib/governor.mjs';
import {
  checkAxe, copyScreenshots, launchBrowser, newPage, screenshot, signIn, withGovernor,
} from './lib/console.mjs';

// A constraint control of a segment form, by its accessible name ("New segment, constraint 1:
// Operator").
const field = (form, prefix, i, what) =>
  form.getByLabel(`${prefix}, constraint ${i}: ${what}`, { exact: true });

// The page's own alert (not a form's).
const pageAlert = (page) => page.locator('section[aria-labelledby="segments-title"] > [role="alert"]');
const focused = (page) => page.evaluate(() => document.activeElement?.id ?? '');

const problems = [];
const browser = await launchBrowser();
try {
  await withGovernor({}, flows);
  assert.deepEqual(problems, []);
  copyScreenshots(['segments']);
  console.log('ok');
} finally {
  await browser.close();
}

async function flows(gov) {
  // A segment a flag uses (it cannot be deleted) made through the API.
  const used = ok(await gov.admin('POST', '/api/v1/segments', {
    name: 'internal-users',
    constraints: [{ contextName: 'email', operator: 'STR_ENDS_WITH', values: ['@example.com'] }],
  }), 'segment');
  ok(await gov.admin('POST', '/api/v1/flags', { name: 'checkout.v2' }), 'flag');
  ok(await gov.admin('PUT', '/api/v1/flags/checkout.v2/environments/development/strategies',
    { strategies: [{ name: 'default', segments: [used.id] }] }), 'strategies');
  const segmentsNamed = async (name) =>
    ok(await gov.admin('GET', '/api/v1/segments'), 'list').items.filter((s) => s.name === name);

  const page = await newPage(browser, problems);
  await signIn(page, gov.base);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Segments' }).click();
  await page.getByRole('heading', { name: 'Segments', exact: true }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/ui/segments');
  const usedRow = page.getByRole('row').filter({ hasText: 'internal-users' });
  await usedRow.getByText('checkout.v2 (development)').waitFor();
  await usedRow.getByText('1 constraint').waitFor();

  // Create a segment with one constraint through the form.
  const form = page.getByRole('form', { name: 'New segment' });
  await form.getByLabel('Segment name').fill('beta-testers');
  await form.getByRole('button', { name: 'Add constraint' }).click();
  await field(form, 'New segment', 1, 'Context field').fill('userId');
  await field(form, 'New segment', 1, 'Operator').selectOption('IN');
  await field(form, 'New segment', 1, 'Values (one per line)').fill('alice\n bob\n');
  await form.getByRole('button', { name: 'Create segment' }).click();
  await page.getByRole('status').getByText('Created segment beta-testers.').waitFor();
  assert.equal(await form.getByLabel('Segment name').inputValue(), '');
  const row = page.getByRole('row').filter({ hasText: 'beta-testers' });
  await row.getByText('userId IN alice, bob').waitFor();
  let [stored] = await segmentsNamed('beta-testers');
  assert.ok(stored, 'beta-testers stored');
  assert.equal(stored.version, 1);
  assert.deepEqual(stored.constraints.map(({ contextName, operator, values }) =>
    ({ contextName, operator, values })), [{ contextName: 'userId', operator: 'IN', values: ['alice', 'bob'] }]);

  // A bad name on the create form: the API's field error beside it, everything typed kept.
  await form.getByLabel('Segment name').fill('');
  await form.getByRole('button', { name: 'Add constraint' }).click();
  await field(form, 'New segment', 1, 'Context field').fill('country');
  await field(form, 'New segment', 1, 'Values (one per line)').fill('NO\nSE');
  await form.getByRole('button', { name: 'Create segment' }).click();
  const nameError = page.locator('#new-segment-name-error');
  await nameError.waitFor();
  console.log(`name error shown: ${await nameError.textContent()}`);
  const newName = form.getByLabel('Segment name');
  assert.equal(await newName.getAttribute('aria-invalid'), 'true');
  assert.equal(await newName.getAttribute('aria-describedby'), 'new-segment-name-error');
  await waitUntil(async () => (await focused(page)) === 'new-segment-name', 30000,
    'the keyboard to be taken to the field');
  assert.equal(await field(form, 'New segment', 1, 'Context field').inputValue(), 'country');
  assert.equal(await field(form, 'New segment', 1, 'Values (one per line)').inputValue(), 'NO\nSE');
  await checkAxe(page, 'segments (create with a field error)');

  // Edit beta-testers: rename it, add a numeric constraint with a bad value first.
  await page.getByRole('button', { name: 'Edit beta-testers' }).click();
  const edit = page.getByRole('form', { name: 'Edit segment beta-testers' });
  const E = 'Segment beta-testers';
  await edit.waitFor();
  assert.equal(await edit.getByLabel('Segment name').inputValue(), 'beta-testers');
  assert.equal(await field(edit, E, 1, 'Values (one per line)').inputValue(), 'alice\nbob');
  await edit.getByLabel('Segment name').fill('beta-group');
  await edit.getByRole('button', { name: 'Add constraint' }).click();
  await field(edit, E, 2, 'Context field').fill('age');
  await field(edit, E, 2, 'Operator').selectOption('NUM_GTE');
  await field(edit, E, 2, 'Value').fill('eighteen');
  await edit.getByRole('button', { name: 'Save segment' }).click();
  const valueError = page.locator('#edit-segment-constraints-c1-value-error');
  await valueError.waitFor();
  console.log(`constraint error shown: ${await valueError.textContent()}`);
  const value = field(edit, E, 2, 'Value');
  assert.equal(await value.getAttribute('aria-invalid'), 'true');
  assert.equal(await value.getAttribute('aria-describedby'), 'edit-segment-constraints-c1-value-error');
  assert.equal(await value.inputValue(), 'eighteen');
  await waitUntil(async () => (await focused(page)) === 'edit-segment-constraints-c1-value', 30000,
    'the keyboard to be taken to the value');
  assert.equal(await edit.getByLabel('Segment name').inputValue(), 'beta-group');
  assert.equal(await field(edit, E, 2, 'Context field').inputValue(), 'age');
  assert.equal((await segmentsNamed('beta-testers')).length, 1, 'nothing saved yet');
  await checkAxe(page, 'segments (edit with a field error)');
  await screenshot(page, 'segments-field-error');
  await value.fill('18');
  await edit.getByRole('button', { name: 'Save segment' }).click();
  await page.getByRole('status').getByText('Saved segment beta-group.').waitFor();
  await page.getByRole('row').filter({ hasText: 'beta-group' }).getByText('age NUM_GTE 18').waitFor();
  [stored] = await segmentsNamed('beta-group');
  assert.equal(stored.id, (await segmentsNamed('beta-group'))[0].id);
  assert.equal(stored.version, 2);
  assert.equal(stored.constraints.length, 2);
  assert.equal(stored.constraints[1].operator, 'NUM_GTE');
  assert.equal(String(stored.constraints[1].value), '18');

  // Deleting the segment a flag uses: the API's 409 is shown and it stays.
  await page.getByRole('button', { name: 'Delete internal-users' }).click();
  await page.getByRole('button', { name: 'Confirm deleting internal-users' }).click();
  await pageAlert(page).getByText('is in use by: checkout.v2 (development)').waitFor();
  assert.equal((await segmentsNamed('internal-users')).length, 1);

  // Saving over a change made meanwhile: the API's 409 (If-Match), the typed input kept.
  await page.getByRole('button', { name: 'Edit internal-users' }).click();
  const editUsed = page.getByRole('form', { name: 'Edit segment internal-users' });
  await editUsed.getByLabel('Segment name').fill('staff');
  ok(await gov.admin('PUT', `/api/v1/segments/${used.id}`,
    { name: 'internal-users', constraints: [] }), 'concurrent change');
  await editUsed.getByRole('button', { name: 'Save segment' }).click();
  await editUsed.getByRole('alert').getByText('someone else changed this segment').waitFor();
  assert.equal(await editUsed.getByLabel('Segment name').inputValue(), 'staff');
  assert.equal((await segmentsNamed('staff')).length, 0);
  await editUsed.getByRole('button', { name: 'Cancel' }).click();
  await waitUntil(async () => (await focused(page)) === `segment-${used.id}-edit`, 30000,
    'the focus to return to the Edit button');

  // Deleting an unused one, with the keyboard, after confirming (cancel first: nothing happens).
  const groupRow = page.getByRole('row').filter({ hasText: 'beta-group' });
  await page.getByRole('button', { name: 'Delete beta-group' }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  assert.equal((await segmentsNamed('beta-group')).length, 1);
  await page.getByRole('button', { name: 'Delete beta-group' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Confirm deleting beta-group' }).waitFor();
  await waitUntil(async () => (await focused(page)).endsWith('-confirm'), 30000,
    'the confirm button to take the focus');
  await page.keyboard.press('Enter');
  await page.getByRole('status').getByText('Deleted segment beta-group.').waitFor();
  await waitUntil(async () => (await groupRow.count()) === 0, 30000, 'the row to go');
  assert.equal((await segmentsNamed('beta-group')).length, 0);

  // One more for the screenshot, then axe on the page as it is.
  ok(await gov.admin('POST', '/api/v1/segments', {
    name: 'mobile-app',
    constraints: [
      { contextName: 'appName', operator: 'IN', values: ['ios', 'android'] },
      { contextName: 'appVersion', operator: 'SEMVER_GT', value: '4.2.0' },
    ],
  }), 'segment');
  await page.getByRole('button', { name: 'Log out' }).click();
  await signIn(page, gov.base);
  await nav.getByRole('link', { name: 'Segments' }).click();
  await page.getByRole('row').filter({ hasText: 'mobile-app' }).getByText('2 constraints').waitFor();
  await checkAxe(page, 'segments');
  await screenshot(page, 'segments');

  // A viewer reads segments but changes nothing: the API's 403 is shown, the typed input kept.
  await page.getByRole('button', { name: 'Log out' }).click();
  const viewer = ok(await gov.admin('POST', '/api/v1/tokens', { type: 'viewer', name: 'segments-viewer' }),
    'viewer token').secret;
  const before = ok(await gov.admin('GET', '/api/v1/segments'), 'list').items;
  await signIn(page, gov.base, viewer);
  await nav.getByRole('link', { name: 'Segments' }).click();
  await page.getByRole('row').filter({ hasText: 'mobile-app' }).waitFor();
  await form.getByLabel('Segment name').fill('by-viewer');
  await form.getByRole('button', { name: 'Create segment' }).click();
  await form.getByRole('alert').getByText('viewer tokens are read-only').waitFor();
  assert.equal(await form.getByLabel('Segment name').inputValue(), 'by-viewer');
  await page.getByRole('button', { name: 'Edit mobile-app' }).click();
  const viewerEdit = page.getByRole('form', { name: 'Edit segment mobile-app' });
  await viewerEdit.getByLabel('Segment name').fill('renamed-by-viewer');
  await viewerEdit.getByRole('button', { name: 'Save segment' }).click();
  await viewerEdit.getByRole('alert').getByText('viewer tokens are read-only').waitFor();
  assert.equal(await viewerEdit.getByLabel('Segment name').inputValue(), 'renamed-by-viewer');
  await viewerEdit.getByRole('button', { name: 'Cancel' }).click();
  // The new-segment form kept its input while the other segment was edited.
  assert.equal(await form.getByLabel('Segment name').inputValue(), 'by-viewer');
  await page.getByRole('button', { name: 'Delete mobile-app' }).click();
  await page.getByRole('button', { name: 'Confirm deleting mobile-app' }).click();
  await pageAlert(page).getByText('viewer tokens are read-only').waitFor();
  await checkAxe(page, 'segments (viewer)');
  assert.deepEqual(ok(await gov.admin('GET', '/api/v1/segments'), 'list').items, before);
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.close();
}
