// The /admin namespace (the Socket.IO Admin UI's protocol) with socket.io-client, friendly and
// hostile: login by ADMIN token or admin-username + bcrypt hash, config / all_sockets /
// server_stats / socket events, _disconnect; refused: a wrong password, a token below ADMIN,
// an oversized auth, too many attempts (rate-limited), commands whose key is off (read-only),
// join / leave (not supported), the namespace and the files when admin-ui is false. Counted in
// txrt_admin_logins_total and txrt_admin_commands_total.
// Run: TXRT_BIN=build/txrt node --test tests/integration/admin_ui.test.mjs
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { once, never, emitAck } from './lib/wait.mjs';
import { request, scrapeSamples } from './lib/http.mjs';
import {
  T,
  QUIET_WINDOW,
  startApp,
  socketPool,
  connected,
  authenticate,
  subscribeOk,
  pollUntil,
} from './lib/app.mjs';

const TEST = { timeout: 20000 };
// "correct horse" at bcrypt cost 4 (tests/unit/auth_bcrypt_test.cpp).
const HASH = '$2b$04$abcdefghijklmnopqrstuujydOTSfIH/d5oUHpsygqV5X9xJLQc6e';
const pool = socketPool();
afterEach(() => pool.closeAll());

function admin(url, auth) {
  return pool.v4(`${url}/admin`, { auth });
}

// Resolves the CONNECT_ERROR message of an admin login that must fail.
async function refused(url, auth) {
  const s = admin(url, auth);
  const [err] = await once(s, 'connect_error', T, { rejectOn: ['connect'] });
  return err.message;
}

// A logged-in admin socket and what it was told first: config and all_sockets.
async function loggedIn(url, auth) {
  const s = admin(url, auth);
  const config = once(s, 'config', T);
  const sockets = once(s, 'all_sockets', T);
  await connected(s);
  return { s, config: (await config)[0], sockets: (await sockets)[0] };
}

async function member(url, token, instanceId) {
  const s = await connected(pool.v4(url));
  await authenticate(s, { token, instanceId, client: 'admin-test' });
  return s;
}

async function metric(url, key) {
  return (await scrapeSamples(url)).get(key) ?? 0;
}

describe('admin namespace, friendly', () => {
  let srv;
  before(async () => {
    srv = await startApp(['--admin-username', 'ops', '--admin-password-hash', HASH]);
  });
  after(() => srv?.stop());

  test('an ADMIN token logs in whatever the username: config, all_sockets, server_stats', TEST, async () => {
    const m = await member(srv.url, 'demo-owner', 'owner-i');
    await subscribeOk(m, { type: 'PBX', customer: 'customer-north-2' });
    const { s, config, sockets } = await loggedIn(srv.url, { username: 'whoever', password: 'demo-admin' });
    assert.deepEqual(config, { supportedFeatures: ['DISCONNECT', 'MDISCONNECT'] });
    const mine = sockets.find((x) => x.id === m.id);
    assert.ok(mine, 'all_sockets lists the authenticated socket');
    assert.equal(mine.nsp, '/');
    assert.equal(mine.transport, 'websocket');
    assert.deepEqual(
      { employee: mine.data.employee, customer: mine.data.customer, accessLevel: mine.data.accessLevel,
        client: mine.data.client, instanceId: mine.data.instanceId },
      { employee: 'emp-owner', customer: 'customer-north-2', accessLevel: 'OWNER', client: 'admin-test',
        instanceId: 'owner-i' },
    );
    assert.deepEqual(mine.rooms, [m.id, 'PBX:customer-north-2']);
    const [stats] = await once(s, 'server_stats', T);
    assert.equal(typeof stats.serverId, 'string');
    assert.deepEqual(stats.namespaces.find((n) => n.name === '/'), { name: '/', socketsCount: 1 });
  });

  test('admin-username with its bcrypt password logs in; socket events and _disconnect', TEST, async () => {
    const { s } = await loggedIn(srv.url, { username: 'ops', password: 'correct horse' });
    const appeared = once(s, 'socket_connected', T);
    const m = await member(srv.url, 'demo-viewer', 'viewer-i');
    const [sock, time] = await appeared;
    assert.equal(sock.id, m.id);
    assert.equal(sock.data.employee, 'emp-viewer');
    assert.ok(!Number.isNaN(Date.parse(time)));

    const id = m.id;
    const gone = once(m, 'disconnect', T);
    const told = once(s, 'socket_disconnected', T);
    s.emit('_disconnect', '/', false, id);
    assert.equal((await gone)[0], 'io server disconnect');
    const [nsp, whoId, reason] = await told;
    assert.deepEqual([nsp, whoId, reason], ['/', id, 'server namespace disconnect']);
    await pollUntil(async () => (await metric(srv.url, 'txrt_admin_commands_total{command="_disconnect",result="done"}')) === 1, T, 'command counted');
  });

  test('a login gets a session id, which logs in again instead of the password; a made-up one does not', TEST, async () => {
    const s = admin(srv.url, { username: 'ops', password: 'correct horse' });
    const [id] = await once(s, 'session', T);
    assert.match(id, /^[A-Za-z0-9_-]{20,}$/);
    const { config } = await loggedIn(srv.url, { sessionId: id });
    assert.deepEqual(config, { supportedFeatures: ['DISCONNECT', 'MDISCONNECT'] });
    assert.equal(await refused(srv.url, { sessionId: id + 'x' }), 'invalid credentials');
  });

  test('admin-username with a wrong password is refused; with an ADMIN token as password it logs in', TEST, async () => {
    assert.equal(await refused(srv.url, { username: 'ops', password: 'correct horsE' }), 'invalid credentials');
    const { s } = await loggedIn(srv.url, { username: 'ops', password: 'demo-admin' });
    assert.ok(s.connected);
  });
});

describe('admin namespace, rooms', () => {
  let srv;
  before(async () => {
    srv = await startApp([]);
  });
  after(() => srv?.stop());

  test('a subscription key is a room: joined with its first subscription, left with its last', TEST, async () => {
    const { s } = await loggedIn(srv.url, { password: 'demo-admin' });
    const m = await member(srv.url, 'demo-owner', 'rooms-i');
    const joined = once(s, 'room_joined', T);
    await subscribeOk(m, { type: 'PBX', customer: 'customer-north-2' });
    const [nsp, room, id] = await joined;
    assert.deepEqual([nsp, room, id], ['/', 'PBX:customer-north-2', m.id]);
    // A second subscription of the same key (narrowed to some events) is no new room.
    const noJoin = never(s, 'room_joined', QUIET_WINDOW);
    await subscribeOk(m, { type: 'PBX', customer: 'customer-north-2', events: ['CALL_START'] });
    await noJoin;
    const left = once(s, 'room_left', T);
    await emitAck(m, T, 'unsubscribe', { type: 'PBX', customer: 'customer-north-2' });
    assert.deepEqual((await left).slice(0, 3), ['/', 'PBX:customer-north-2', m.id]);
  });

  test('_disconnect with a room disconnects the sockets subscribed to that key, no others', TEST, async () => {
    const { s } = await loggedIn(srv.url, { password: 'demo-admin' });
    const inRoom = await member(srv.url, 'demo-owner', 'in-room');
    await subscribeOk(inRoom, { type: 'CALL', customer: 'customer-north-2' });
    const other = await member(srv.url, 'demo-owner', 'not-in-room');
    await subscribeOk(other, { type: 'PBX', customer: 'customer-north-2' });
    const gone = once(inRoom, 'disconnect', T);
    s.emit('_disconnect', '/', false, 'CALL:customer-north-2');
    assert.equal((await gone)[0], 'io server disconnect');
    await never(other, 'disconnect', QUIET_WINDOW);
    assert.ok(other.connected);
  });
});

describe('admin namespace, hostile', () => {
  let srv;
  before(async () => {
    // Read-only for the disconnects too; 6 login attempts per minute per address.
    srv = await startApp(['--admin-ui-disconnect', 'false', '--auth-rate-per-socket', '6']);
  });
  after(() => srv?.stop());

  test('wrong passwords, a token below ADMIN and an oversized auth are refused at connect', TEST, async () => {
    assert.equal(await refused(srv.url, { username: 'x', password: 'nope' }), 'invalid credentials');
    assert.equal(await refused(srv.url, { username: 'x', password: 'demo-owner' }), 'invalid credentials');
    assert.equal(await refused(srv.url, { password: 'x'.repeat(10000) }), 'invalid credentials');
    assert.equal(await refused(srv.url, {}), 'invalid credentials');
    // No password login configured: admin-username-like guesses are just wrong passwords.
    assert.equal(await refused(srv.url, { username: 'ops', password: 'correct horse' }), 'invalid credentials');
    assert.equal(await metric(srv.url, 'txrt_admin_logins_total{result="invalid_credentials"}'), 4);
    assert.equal(await metric(srv.url, 'txrt_admin_logins_total{result="malformed"}'), 1);
  });

  test('read-only: no command is advertised, and commands do nothing but get counted', TEST, async () => {
    const m = await member(srv.url, 'demo-manager', 'manager-i');
    const { s, config } = await loggedIn(srv.url, { username: '', password: 'demo-admin' });
    assert.deepEqual(config, { supportedFeatures: [] });
    s.emit('_disconnect', '/', false, m.id);
    s.emit('_disconnect', '/', true); // every socket
    s.emit('join', '/', 'PBX:customer-north-2', m.id);
    s.emit('leave', '/', 'PBX:customer-north-2');
    s.emit('emit', '/', null, 'hello', { x: 1 });
    s.emit('_disconnect', 42, 'garbage');
    s.emit('unknown-command', 1);
    await never(m, 'disconnect', QUIET_WINDOW);
    await never(m, 'hello', QUIET_WINDOW);
    assert.ok(m.connected);
    assert.ok(s.connected, 'the admin socket stays');
    const samples = await scrapeSamples(srv.url);
    assert.equal(samples.get('txrt_admin_commands_total{command="_disconnect",result="disabled"}'), 3);
    assert.equal(samples.get('txrt_admin_commands_total{command="join",result="unsupported"}'), 1);
    assert.equal(samples.get('txrt_admin_commands_total{command="leave",result="unsupported"}'), 1);
    assert.equal(samples.get('txrt_admin_commands_total{command="emit",result="disabled"}'), 1);
  });

  test('login attempts past the per-address budget are refused unread', TEST, async () => {
    // The budget (6/min) is spent by the two tests above: 5 refusals and 1 login.
    assert.equal(await refused(srv.url, { username: 'x', password: 'demo-admin' }), 'too many login attempts, try again later');
    assert.equal(await metric(srv.url, 'txrt_admin_logins_total{result="rate_limited"}'), 1);
  });
});

describe('admin-ui false', () => {
  let srv;
  before(async () => {
    srv = await startApp(['--admin-ui', 'false']);
  });
  after(() => srv?.stop());

  test('no /admin namespace and no files at /admin/', TEST, async () => {
    assert.equal(await refused(srv.url, { password: 'demo-admin' }), 'Invalid namespace');
    assert.equal((await request(`${srv.url}/admin/`)).status, 404);
  });
});
