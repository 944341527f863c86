// The unmodified Socket.IO Admin UI (npm @socket.io/admin-ui, served by txrt at /admin/) in a
// real headless Chromium against two txrt nodes sharing a Redis bus: log in with an ADMIN token
// on node 1, see both nodes and the sockets of both, watch a socket appear and disappear,
// disconnect one from the UI, make one join and leave a room (a subscription, admin-ui-write),
// reload without logging in again (the session); a wrong password is refused on the login form.
// Run: TXRT_BIN=build/txrt node --test tests/browser/admin_ui_browser.test.mjs
// The UI's files come from node_modules/@socket.io/admin-ui/ui/dist (npm ci), or from
// TXRT_ADMIN_UI_DIR when set.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT } from '../integration/lib/values.mjs';
import { startRedis } from '../integration/lib/redis.mjs';
import { once } from '../integration/lib/wait.mjs';
import { startApp, socketPool, connected, authenticate, subscribeOk } from '../integration/lib/app.mjs';

const CHROMIUM = process.env.TXRT_CHROMIUM || '/usr/bin/chromium';
const UI_DIR = process.env.TXRT_ADMIN_UI_DIR || join(ROOT, 'node_modules', '@socket.io', 'admin-ui', 'ui', 'dist');
const ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const T = 8000; // deadline of one UI step (server_stats come every 2 s)
const TEST = { timeout: 30000 };
const C = 'customer-north-2';

describe('Admin UI in headless Chromium, two nodes', { timeout: 120000 }, () => {
  let redis;
  const nodes = [];
  let profile;
  let context;
  let page; // logged in on node 1, shared by the tests in order
  const pool = socketPool();

  before(async () => {
    assert.ok(existsSync(join(UI_DIR, 'index.html')), `Admin UI files not found in ${UI_DIR} (npm ci)`);
    redis = await startRedis();
    for (const name of ['node-1', 'node-2'])
      nodes.push(await startApp(['--redis', redis.url, '--server-name', name, '--admin-ui-dir', UI_DIR,
        '--admin-ui-write', 'true']));
    profile = await mkdtemp(join(tmpdir(), 'txrt-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      timeout: 15000,
      viewport: { width: 1400, height: 900 },
    });
    context.setDefaultTimeout(T);
  });

  after(async () => {
    pool.closeAll();
    await context?.close().catch(() => {});
    for (const n of nodes) await n.stop();
    await redis?.stop();
    if (profile) await rm(profile, { recursive: true, force: true }).catch(() => {});
  });


  async function member(url, token, instanceId) {
    const s = await connected(pool.v4(url));
    await authenticate(s, { token, instanceId, client: 'admin-ui-test' });
    return s;
  }

  // Fills the UI's login form (the page opens it when it has no server URL yet).
  async function logIn(p, password) {
    await p.getByLabel('Server URL').fill(nodes[0].url);
    await p.getByLabel('Username').fill('anyone');
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: /connect/i }).click();
  }

  const row = (p, text) => p.locator('tbody tr', { hasText: text });

  test('logs in with an ADMIN token and sees both nodes and the sockets of both', TEST, async () => {
    const a = await member(nodes[0].url, 'demo-owner', 'owner-1');
    await subscribeOk(a, { type: 'PBX', customer: C });
    const b = await member(nodes[1].url, 'demo-viewer', 'viewer-2');

    page = await context.newPage();
    const res = await page.goto(nodes[0].url + '/admin/', { waitUntil: 'load', timeout: T });
    assert.equal(res.status(), 200);
    await logIn(page, 'demo-admin');
    await page.locator('text=CONNECTED').first().waitFor({ timeout: T });

    await page.goto(nodes[0].url + '/admin/#/servers/');
    await row(page, 'node-1').waitFor({ timeout: T });
    await row(page, 'node-2').waitFor({ timeout: T });

    await page.goto(nodes[0].url + '/admin/#/sockets/');
    await row(page, a.id).waitFor({ timeout: T });
    await row(page, b.id).waitFor({ timeout: T });

    // node 2's socket, as the UI shows it: employee, customer, level, client, instance, node.
    await page.goto(nodes[0].url + `/admin/#/n/%2F/sockets/${b.id}`);
    const details = page.locator('main');
    await details.locator('text=emp-viewer').first().waitFor({ timeout: T });
    const text = await details.innerText();
    for (const expected of ['"customer": "customer-north-2"', '"accessLevel": "VIEWER"', '"client": "admin-ui-test"',
      '"instanceId": "viewer-2"', '"server": "node-2"', 'WebSocket'])
      assert.ok(text.includes(expected), `socket details lack ${expected}:\n${text}`);

    // node 1's socket is in the room of its subscription key.
    await page.goto(nodes[0].url + '/admin/#/rooms/');
    await row(page, `PBX:${C}`).waitFor({ timeout: T });
  });

  test('watches a socket appear and disappear on the other node', TEST, async () => {
    assert.ok(page, 'the login test ran first');
    await page.goto(nodes[0].url + '/admin/#/sockets/');
    const c = await member(nodes[1].url, 'demo-manager', 'manager-2');
    await row(page, c.id).waitFor({ timeout: T });
    const id = c.id;
    c.disconnect();
    await row(page, id).waitFor({ state: 'detached', timeout: T });
  });

  test('disconnects a socket of the other node from the UI', TEST, async () => {
    assert.ok(page, 'the login test ran first');
    const d = await member(nodes[1].url, 'demo-personal', 'personal-2');
    await page.goto(nodes[0].url + '/admin/#/sockets/');
    const id = d.id; // socket.io-client forgets it on disconnect
    await row(page, id).waitFor({ timeout: T });
    const gone = once(d, 'disconnect', T);
    await row(page, id).locator('button').first().click();
    const [reason] = await gone;
    assert.equal(reason, 'io server disconnect');
    // The click also opens the socket's details (where it now shows as disconnected): back to
    // the list, through the navigation drawer.
    await page.getByRole('link', { name: 'Sockets', exact: true }).first().click();
    await page.waitForFunction(() => /^#\/sockets\/?$/.test(location.hash), null, { timeout: T });
    // No row anywhere names it once the details page has gone (it may linger in a transition).
    await page.waitForFunction(
      (sid) => ![...document.querySelectorAll('tbody tr')].some((tr) => tr.innerText.includes(sid)),
      id,
      { timeout: T },
    );
  });

  test('makes a socket of the other node join a room (its subscription) and leave it from the UI', TEST, async () => {
    assert.ok(page, 'the login test ran first');
    const e = await member(nodes[1].url, 'demo-manager', 'manager-join');
    await page.goto(nodes[0].url + '/admin/#/sockets/');
    await row(page, e.id).waitFor({ timeout: T }); // the UI knows it (socket_connected, over the bus)
    await page.goto(nodes[0].url + `/admin/#/n/%2F/sockets/${e.id}`);
    await page.locator('main').locator('text=emp-manager').first().waitFor({ timeout: T });
    const subscribed = once(e, 'subscribed', T, { rejectOn: ['subscribe_failed'] });
    const box = page.getByLabel('Join a room');
    await box.fill(`CONFIG:${C}`);
    await page.locator('main form button[type="submit"]').click();
    assert.deepEqual((await subscribed)[0], { type: 'CONFIG', customer: C });
    // Its row in the socket's rooms (the one with the leave button; the events list names it too).
    const room = row(page, `CONFIG:${C}`).filter({ has: page.locator('button') });
    await room.waitFor({ timeout: T });
    const unsubscribed = once(e, 'unsubscribed', T);
    await room.locator('button').last().click();
    assert.deepEqual((await unsubscribed)[0], { type: 'CONFIG', customer: C, reason: 'admin' });
    await room.waitFor({ state: 'detached', timeout: T });
  });

  test('a reload logs in again with the session the login got, without the form', TEST, async () => {
    assert.ok(page, 'the login test ran first');
    await page.goto(nodes[0].url + '/admin/#/servers/');
    await page.reload({ waitUntil: 'load' });
    await row(page, 'node-2').waitFor({ timeout: T });
    assert.equal(await page.getByLabel('Password').isVisible(), false);
  });

  test('a wrong password is refused on the login form', TEST, async () => {
    const p = await context.newPage();
    try {
      await p.goto(nodes[0].url + '/admin/', { waitUntil: 'load', timeout: T });
      // A fresh browser: no saved server URL nor session.
      await p.evaluate(() => localStorage.clear());
      await p.reload({ waitUntil: 'load' });
      await logIn(p, 'demo-owner'); // a real token, but not ADMIN
      await p.locator('text=/invalid credentials/i').first().waitFor({ timeout: T });
    } finally {
      await p.close();
    }
  });
});
