// The demo page (web/index.html + web/demo.js) in a real headless Chromium against a real txrt
// started with --demo-events: authenticate as a demo employee, subscribe, and see a demo event
// rendered in the log; and an expired token refused.
// Run: TXRT_BIN=build/txrt node --test tests/browser/demo_page.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../integration/lib/server.mjs';

const BIN = process.env.TXRT_BIN || '/work/main/build/txrt';
const CHROMIUM = process.env.TXRT_CHROMIUM || '/usr/bin/chromium';
const SCREENSHOT = '/tmp/txrt-demo.png';
// Chromium must not open connections of its own (updates, sync, QUIC probes...).
const ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const T = 5000; // deadline of one UI step
// Demo events arrive every ~0.7 s cycling through 3 customers and 5 kinds: a PBX event for
// customer-north-2 comes at least every ~6.3 s.
const EVENT_T = 15000;
const TEST = { timeout: 25000 };

describe('demo page in headless Chromium', { timeout: 55000 }, () => {
  let srv;
  let profile;
  let context;

  before(async () => {
    srv = await startServer(BIN, ['--demo-events', 'true']);
    profile = await mkdtemp(join(tmpdir(), 'txrt-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      timeout: 15000,
      viewport: { width: 1200, height: 800 },
    });
    context.setDefaultTimeout(T);
  });

  after(async () => {
    await context?.close().catch(() => {});
    await srv?.stop();
    if (profile) await rm(profile, { recursive: true, force: true }).catch(() => {});
  });

  async function openPage() {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const res = await page.goto(srv.url + '/', { waitUntil: 'load', timeout: T });
    assert.equal(res.status(), 200);
    return { page, errors };
  }

  test('OWNER authenticates, subscribes to PBX and sees a demo PBX event of its customer', TEST, async () => {
    const { page, errors } = await openPage();
    try {
      await page.selectOption('#token', 'demo-owner');
      await page.click('#connect');
      await page.locator('#status', { hasText: 'Authenticated as emp-owner' }).waitFor({ timeout: T });
      assert.match(await page.textContent('#status'), /^Authenticated as emp-owner \(OWNER @ customer-north-2\)$/);

      await page.selectOption('#type', 'PBX');
      await page.selectOption('#customer', 'customer-north-2');
      await page.click('#subscribe');
      await page.locator('#subs li').first().waitFor({ timeout: T });
      const sub = JSON.parse(await page.textContent('#subs li'));
      assert.equal(sub.type, 'PBX');
      assert.equal(sub.customer, 'customer-north-2');

      const item = page.locator('#log li[data-kind="PBX"]', { hasText: 'customer-north-2' }).first();
      await item.waitFor({ timeout: EVENT_T });
      const event = JSON.parse(await item.locator('pre').textContent());
      assert.equal(event.customer, 'customer-north-2');
      assert.ok(['CALL_START', 'CALL_END'].includes(event.event), `unexpected event ${event.event}`);
      assert.match(await item.locator('span.kind').textContent(), /^PBX$/);

      // Only what was subscribed to arrives: no other kind, no other customer.
      for (const li of await page.locator('#log li:not([data-kind="info"])').all()) {
        assert.equal(await li.getAttribute('data-kind'), 'PBX');
        assert.equal(JSON.parse(await li.locator('pre').textContent()).customer, 'customer-north-2');
      }
      assert.deepEqual(errors, []);
      await page.screenshot({ path: SCREENSHOT, fullPage: true, timeout: T });
    } finally {
      await page.close().catch(() => {});
    }
  });

  test('an expired token is refused', TEST, async () => {
    const { page, errors } = await openPage();
    try {
      await page.selectOption('#token', 'demo-expired');
      await page.click('#connect');
      await page.locator('#status', { hasText: 'Refused: expired' }).waitFor({ timeout: T });
      // The server closes a refused socket right after 'unauthorized': the refusal must stay
      // visible, not be replaced by "Disconnected (...)".
      await page.waitForTimeout(1000);
      assert.match(await page.textContent('#status'), /^Refused: expired — /);
      assert.equal(await page.getAttribute('#status', 'class'), 'bad');
      assert.equal(await page.locator('#log li[data-kind="info"]', { hasText: 'unauthorized' }).count(), 1);
      assert.deepEqual(errors, []);
    } finally {
      await page.close().catch(() => {});
    }
  });
});
