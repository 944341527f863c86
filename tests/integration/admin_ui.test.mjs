// The /admin namespace (the Socket.IO Admin UI's protocol) with socket.io-client, friendly and
// hostile: login by ADMIN token or admin-username + bcrypt hash, config / all_sockets /
// server_stats (with aggregatedEvents) / socket events, _disconnect; join / leave with
// admin-ui-write (a subscription made / removed on the socket's behalf, with its own permission
// check; on one node and across two); refused: a wrong password, a token below ADMIN, an
// oversized auth, too many attempts (rate-limited), commands whose key is off (read-only),
// join of a room the socket may not hold, hostile join / leave arguments, the namespace and the
// files when admin-ui is false. Counted in txrt_admin_logins_total and
// txrt_admin_commands_total.
// Run: TXRT_BIN=build/txrt node --test tests/integration/admin_ui.test.mjs
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { once, never, emitAck } from './lib/wait.mjs';
import { request, scrapeSamples } from './lib/http.mjs';
import {
  T,
  QUIET_WINDOW,
  SECRET,
  startApp,
  socketPool,
  connected,
  authenticate,
  subscribeOk,
  publish,
  makeEvent,
  Recorder,
  pollUntil,
} from './lib/app.mjs';
import { startCluster } from './lib/cluster.mjs';

const TEST = { timeout: 20000 };
// "correct horse" at bcrypt cost 4 (tests/unit/auth_bcrypt_test.cpp).
const HASH = '$2b$04$abcdefghijklmnopqrstuujydOTSfIH/d5oUHpsygqV5X9xJLQc6e';
// What config advertises: read-only, with the disconnects, with everything (admin-ui-write).
const ALWAYS = ['AGGREGATED_EVENTS', 'ALL_EVENTS'];
const DISCONNECTS = ['DISCONNECT', 'MDISCONNECT'];
const WRITES = ['EMIT', 'JOIN', 'LEAVE'];
const C = 'customer-north-2';
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
    assert.deepEqual(config, { supportedFeatures: [...DISCONNECTS, ...ALWAYS] });
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
    assert.deepEqual(config, { supportedFeatures: [...DISCONNECTS, ...ALWAYS] });
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

// Sums the aggregatedEvents of type `type` in the server_stats `s` receives (as the UI does, over
// every server's stats) until the sum reaches `atLeast`; bounded by `ms`.
function aggregated(s, type, atLeast, ms) {
  let sum = 0;
  let handler;
  const p = new Promise((resolve) => {
    handler = (stats) => {
      assert.ok(Array.isArray(stats.aggregatedEvents), 'aggregatedEvents is an array');
      for (const e of stats.aggregatedEvents) {
        assert.equal(typeof e.timestamp, 'number');
        assert.equal(e.timestamp % 1000, 0, 'buckets of one second');
        assert.ok(Number.isInteger(e.count) && e.count > 0);
        if (e.type === type) sum += e.count;
      }
      if (sum >= atLeast) resolve(sum);
    };
    s.on('server_stats', handler);
  });
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${type}: ${sum} of ${atLeast} in ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => {
    clearTimeout(timer);
    s.off('server_stats', handler);
  });
}

describe('admin namespace, event counts', () => {
  let srv;
  before(async () => {
    srv = await startApp([]);
  });
  after(() => srv?.stop());

  test('server_stats counts connections and disconnections in its aggregatedEvents', TEST, async () => {
    const { s } = await loggedIn(srv.url, { password: 'demo-admin' });
    const N = 5;
    const connections = aggregated(s, 'rawConnection', N, 3 * T);
    const disconnections = aggregated(s, 'rawDisconnection', N, 3 * T);
    const members = [];
    for (let i = 0; i < N; i++) members.push(await connected(pool.v4(srv.url)));
    assert.ok((await connections) >= N);
    for (const m of members) m.disconnect();
    assert.ok((await disconnections) >= N);
  });
});

describe('admin namespace, join / leave (admin-ui-write)', () => {
  let srv;
  before(async () => {
    srv = await startApp(['--admin-ui-write', 'true', '--publish-secret', SECRET]);
  });
  after(() => srv?.stop());

  const count = (command, result) => metric(srv.url, `txrt_admin_commands_total{command="${command}",result="${result}"}`);

  test('everything is advertised', TEST, async () => {
    const { config } = await loggedIn(srv.url, { password: 'demo-admin' });
    assert.deepEqual(config, { supportedFeatures: [...WRITES, ...DISCONNECTS, ...ALWAYS] });
  });

  test('join subscribes the socket on its behalf: subscribed, room_joined, then its events; leave undoes it', TEST, async () => {
    const { s } = await loggedIn(srv.url, { password: 'demo-admin' });
    const m = await member(srv.url, 'demo-viewer', 'join-i');
    const rec = new Recorder(m, ['PBX']);
    const subscribed = once(m, 'subscribed', T, { rejectOn: ['subscribe_failed'] });
    const joined = once(s, 'room_joined', T);
    s.emit('join', '/', `PBX:${C}`, m.id);
    assert.deepEqual((await subscribed)[0], { type: 'PBX', customer: C });
    assert.deepEqual((await joined).slice(0, 3), ['/', `PBX:${C}`, m.id]);
    const ev = makeEvent('CALL_START');
    await publish(srv.url, 'PBX', C, ev);
    assert.deepEqual((await rec.waitFor((e) => e.payload.id === ev.id)).payload, ev);
    await pollUntil(async () => (await count('join', 'done')) === 1, T, 'join counted');

    const unsubscribed = once(m, 'unsubscribed', T);
    const left = once(s, 'room_left', T);
    s.emit('leave', '/', `PBX:${C}`, m.id);
    assert.deepEqual((await unsubscribed)[0], { type: 'PBX', customer: C, reason: 'admin' });
    assert.deepEqual((await left).slice(0, 3), ['/', `PBX:${C}`, m.id]);
    await pollUntil(async () => (await count('leave', 'done')) === 1, T, 'leave counted');
    // Nothing more reaches it: a later event for another subscriber (the positive control).
    const control = await member(srv.url, 'demo-owner', 'control-i');
    await subscribeOk(control, { type: 'PBX', customer: C });
    const after = makeEvent('CALL_END');
    const got = once(control, 'PBX', T);
    await publish(srv.url, 'PBX', C, after);
    assert.equal((await got)[0].id, after.id);
    const events = await rec.settle();
    assert.deepEqual(events.map((e) => e.payload.id), [ev.id]);
  });

  test('join of a room the socket may not hold is refused and counted; the socket hears nothing', TEST, async () => {
    const { s } = await loggedIn(srv.url, { password: 'demo-admin' });
    const m = await member(srv.url, 'demo-owner', 'refused-i'); // OWNER of customer-north-2
    const before = await count('join', 'refused');
    const noJoin = never(s, 'room_joined', QUIET_WINDOW);
    s.emit('join', '/', 'PBX:customer-south-1', m.id); // another customer
    s.emit('join', '/', 'ADMIN', m.id); // above its level
    s.emit('join', '/', 'ADMIN:CALL', m.id);
    const personal = await member(srv.url, 'demo-personal', 'personal-i');
    s.emit('join', '/', `CALL:${C}`, personal.id); // CALL needs VIEWER
    await pollUntil(async () => (await count('join', 'refused')) === before + 4, T, 'four refusals counted');
    await Promise.all([
      noJoin,
      never(m, 'subscribed', QUIET_WINDOW),
      never(m, 'subscribe_failed', QUIET_WINDOW),
      never(personal, 'subscribed', QUIET_WINDOW),
    ]);
    // Its rooms are as before: its own id alone.
    const { sockets } = await loggedIn(srv.url, { password: 'demo-admin' });
    assert.deepEqual(sockets.find((x) => x.id === m.id).rooms, [m.id]);
  });

  test('hostile join / leave: huge rooms, non-strings, unknown sockets, no socket: refused, counted, no crash', TEST, async () => {
    const { s } = await loggedIn(srv.url, { password: 'demo-admin' });
    const m = await member(srv.url, 'demo-owner', 'hostile-i');
    const invalid0 = await count('join', 'invalid');
    const leaveInvalid0 = await count('leave', 'invalid');
    const notFound0 = await count('join', 'not_found');
    const leaveNotFound0 = await count('leave', 'not_found');
    s.emit('join', '/', `PBX:${'c'.repeat(100000)}`, m.id); // huge room (past the key bound)
    s.emit('join', '/', 'x'.repeat(70000), m.id); // past the arguments' bound
    s.emit('join', '/', 42, m.id); // a room that is no string
    s.emit('join', '/', { type: 'PBX' }, m.id);
    s.emit('join', '/', `PBX:${C}`, { id: m.id }); // a socket that is no string
    s.emit('join', 7, `PBX:${C}`, m.id); // nsp no string
    s.emit('join', '/admin', `PBX:${C}`, m.id); // another namespace
    s.emit('join', '/', 'PBX', m.id); // a customer type without its customer
    s.emit('join', '/', 'no-such-type:x', m.id);
    s.emit('join', '/', `PBX:${C}`); // no socket: every socket (MJOIN) is not offered
    s.emit('join'); // nothing at all
    s.emit('leave', '/', null, m.id);
    s.emit('leave', '/', `PBX:${C}`, ['a']);
    s.emit('join', '/', `PBX:${C}`, 'no-such-socket');
    s.emit('leave', '/', `PBX:${C}`, 'x'.repeat(1000));
    await pollUntil(async () => (await count('join', 'invalid')) === invalid0 + 11, T, 'join invalid counted');
    await pollUntil(async () => (await count('leave', 'invalid')) === leaveInvalid0 + 2, T, 'leave invalid counted');
    await pollUntil(async () => (await count('join', 'not_found')) === notFound0 + 1, T, 'join not_found counted');
    await pollUntil(async () => (await count('leave', 'not_found')) === leaveNotFound0 + 1, T, 'leave not_found counted');
    await never(m, 'subscribed', QUIET_WINDOW);
    assert.ok(s.connected, 'the admin socket stays');
    assert.ok(m.connected);
    // And the server still serves: a proper join works.
    const subscribed = once(m, 'subscribed', T);
    s.emit('join', '/', `CALL:${C}`, m.id);
    assert.deepEqual((await subscribed)[0], { type: 'CALL', customer: C });
  });
});

describe('admin namespace, join / leave across nodes', () => {
  let cluster;
  before(async () => {
    cluster = await startCluster({ nodeArgs: ['--admin-ui-write', 'true'] });
  });
  after(() => cluster?.stop());

  test('join and leave on a socket of the other node; an unknown socket is not_found once both nodes answered', TEST, async () => {
    const [N1, N2] = cluster.nodes.map((n) => n.url);
    // Both nodes are known to node 1 once it has seen both nodes' stats (its admin sees them).
    const { s } = await loggedIn(N1, { password: 'demo-admin' });
    const seen = new Set();
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nodes seen: ${[...seen]}`)), 3 * T);
      s.on('server_stats', (st) => {
        seen.add(st.serverId);
        if (seen.size >= 2) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const m = await member(N2, 'demo-manager', 'remote-i');
    const rec = new Recorder(m, ['CONFIG']);
    const subscribed = once(m, 'subscribed', T, { rejectOn: ['subscribe_failed'] });
    const joined = once(s, 'room_joined', T);
    s.emit('join', '/', `CONFIG:${C}`, m.id);
    assert.deepEqual((await subscribed)[0], { type: 'CONFIG', customer: C });
    assert.deepEqual((await joined).slice(0, 3), ['/', `CONFIG:${C}`, m.id]);
    const ev = makeEvent('USER_UPDATED');
    await publish(N1, 'CONFIG', C, ev);
    assert.deepEqual((await rec.waitFor((e) => e.payload.id === ev.id)).payload, ev);
    await pollUntil(async () => (await metric(N1, 'txrt_admin_commands_total{command="join",result="done"}')) === 1, T, 'counted on the asking node');
    assert.equal(await metric(N2, 'txrt_admin_commands_total{command="join",result="done"}'), 0);

    // Refused on the other node too: a MANAGER may not hold ADMIN.
    s.emit('join', '/', 'ADMIN', m.id);
    await pollUntil(async () => (await metric(N1, 'txrt_admin_commands_total{command="join",result="refused"}')) === 1, T, 'refusal counted');

    const unsubscribed = once(m, 'unsubscribed', T);
    s.emit('leave', '/', `CONFIG:${C}`, m.id);
    assert.deepEqual((await unsubscribed)[0], { type: 'CONFIG', customer: C, reason: 'admin' });

    // No node holds it: both answer, well before the list timeout.
    const started = Date.now();
    s.emit('join', '/', `CONFIG:${C}`, 'nobody-here');
    await pollUntil(async () => (await metric(N1, 'txrt_admin_commands_total{command="join",result="not_found"}')) === 1, T, 'not_found counted', 20);
    assert.ok(Date.now() - started < 1400, `decided in ${Date.now() - started} ms`);
    await never(m, 'subscribed', QUIET_WINDOW);
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
    assert.deepEqual(config, { supportedFeatures: ALWAYS });
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
    assert.equal(samples.get('txrt_admin_commands_total{command="join",result="disabled"}'), 1);
    assert.equal(samples.get('txrt_admin_commands_total{command="leave",result="disabled"}'), 1);
    assert.equal(samples.get('txrt_admin_commands_total{command="join",result="done"}'), 0);
    await never(m, 'subscribed', QUIET_WINDOW);
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
