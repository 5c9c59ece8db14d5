// What every browser test of the console shares: Debian's chromium driven by playwright-core
// (skipped, exit 77, when it is missing or the console was not built into governor), a page
// that collects problems (page errors, Content-Security-Policy reports, uncompressed scripts),
// signing in, axe-core, and screenshots kept as test artefacts.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, startGovernor } from '../../e2e/lib/governor.mjs';

export const SKIP = 77;  // ctest SKIP_RETURN_CODE
const CHROMIUM = process.env.GOVERNOR_CHROMIUM || '/usr/bin/chromium';
const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../../..');

const require = createRequire(import.meta.url);
const axe = require('axe-core');

// Screenshots go to $GOVERNOR_ARTIFACTS_DIR/web; with GOVERNOR_UPDATE_SCREENSHOTS=1,
// copyScreenshots() also copies them to docs/screenshots/console-NAME.png.
export const artifacts = path.join(process.env.GOVERNOR_ARTIFACTS_DIR ||
  path.join(process.env.GOVERNOR_BINARY_DIR || root, 'test-artifacts'), 'web');

export function screenshot(page, name) {
  return page.screenshot({ path: path.join(artifacts, `${name}.png`) });
}

export function copyScreenshots(names) {
  if (process.env.GOVERNOR_UPDATE_SCREENSHOTS !== '1') return;
  const docs = path.join(root, 'docs', 'screenshots');
  mkdirSync(docs, { recursive: true });
  for (const name of names) {
    copyFileSync(path.join(artifacts, `${name}.png`), path.join(docs, `console-${name}.png`));
  }
  console.log(`copied the screenshots to ${docs}`);
}

// Launches chromium, or exits 77 when it is missing.
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    console.log(`SKIP: ${CHROMIUM} is missing (scripts/install-deps installs Debian's chromium)`);
    process.exit(SKIP);
  }
  mkdirSync(artifacts, { recursive: true });
  console.log(`screenshots: ${artifacts}`);
  const { chromium } = require('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
  });
}

// Starts governor (`options` as startGovernor's), runs `fn(gov)` and stops it; exits 77 when
// the console was not built into this governor.
export async function withGovernor(options, fn) {
  const gov = await startGovernor(options);
  try {
    const probe = await fetch(`${gov.base}/ui/`);
    if (probe.status === 404) {
      console.log(`SKIP: the console was not built into this governor: ${await probe.text()}`);
      await gov.stop();
      process.exit(SKIP);
    }
    assert.equal(probe.status, 200);
    await fn(gov);
  } finally {
    await gov.stop().catch((e) => {
      // Without the contract check there is no violations counter for stop() to read.
      if (!/no governor_contract_violations_total/.test(e.message)) throw e;
    });
  }
}

// A page of a new browser context, collecting problems (page errors, CSP reports) and the
// bytes of JavaScript it receives (page.scriptBytes).
export async function newPage(browser, problems) {
  const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  page.scriptBytes = 0;
  page.on('response', async (r) => {
    if (!r.url().endsWith('.js')) return;
    const h = await r.allHeaders();
    if (h['content-encoding'] !== 'gzip') problems.push(`${r.url()} is not served compressed`);
    page.scriptBytes += Number(h['content-length']);
  });
  return page;
}

// Signs in with `token` (the admin token by default) and waits for the Flags page.
export async function signIn(page, base, token = ADMIN_TOKEN) {
  await page.goto(`${base}/ui/`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Flags', exact: true }).waitFor();
}

// Fails on serious or critical axe-core violations of the page as it is now.
export async function checkAxe(page, name) {
  await page.evaluate(axe.source);
  const result = await page.evaluate(() => window.axe.run(document));
  for (const v of result.violations) {
    console.log(`axe ${name}: ${v.impact} ${v.id}: ${v.help} (${v.nodes.length} node(s))`);
  }
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => v.id), [], `${name}: serious or critical axe violations`);
}
