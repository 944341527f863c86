// Telecom X event delivery (SPEC §5, §6) on the built-in bus, publishing through POST /events:
// the payload exactly as published, every filter, ADMIN-only events, routing by the channel's
// customer, exactly-once delivery, unsubscribe, re-authentication, v2 and polling clients.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { once, collect, emitAck } from './lib/wait.mjs';
import { WsClient, parseOpenPacket } from './lib/wire.mjs';
import { request, scrapeSamples } from './lib/http.mjs';
import {
  T,
  DEMO,
  SECRET,
  startApp,
  socketPool,
  connected,
  authenticate,
  login,
  subscribeOk,
  unsubscribeOk,
  subscribeFails,
  assertSubscribeFailed,
  publishHttp,
  publish,
  Recorder,
  makeEvent,
} from './lib/app.mjs';

const TEST = { timeout: 15000 };
const C = 'customer-north-2';
// REALTIME is left out on purpose: the server's own CONNECTED/AUTHENTICATED events reach ADMIN.
const NAMES = ['PBX', 'CONFIG', 'CALL', 'REGISTER', 'TRUNK', 'REDIS'];

// Waits for the last expected event, then a quiet window, then compares everything recorded.
async function expectExactly(rec, expected, what = '') {
  if (expected.length > 0) {
    const [name, payload] = expected[expected.length - 1];
    await rec.waitFor((e) => e.name === name && e.payload?.id === payload.id, T, `${what}: ${name} ${payload.id}`);
  }
  const got = await rec.settle();
  assert.deepEqual(
    got.map((e) => [e.name, e.payload]),
    expected,
    `${what}: received ${JSON.stringify(got.map((e) => [e.name, e.payload?.event, e.payload?.id]))}`,
  );
}

async function subscribed(pool, url, token, subs) {
  const socket = await login(pool, url, token);
  for (const sub of subs) await subscribeOk(socket, sub);
  return socket;
}

describe('delivery on the built-in bus (POST /events)', () => {
  let srv;
  const pool = socketPool();
  before(async () => {
    srv = await startApp(['--publish-secret', SECRET]);
  });
  after(async () => {
    pool.closeAll();
    await srv?.stop();
  });
  afterEach(() => pool.closeAll());

  test('GET /ready is 200 on the built-in bus', TEST, async () => {
    const res = await request(`${srv.url}/ready`);
    assert.equal(res.status, 200);
  });

  test('POST /events: 202 when accepted; 401 without or with a wrong secret; 400 when malformed; nothing rejected is delivered', TEST, async () => {
    const socket = await subscribed(pool, srv.url, 'demo-viewer', [{ type: 'PBX', customer: C }]);
    const rec = new Recorder(socket, NAMES);
    const bad = (n) => makeEvent(`BAD_${n}`);
    const ok = { type: 'PBX', customer: C };

    const checks = [
      [{ secret: null }, { ...ok, event: bad(1) }, 401],
      [{ secret: 'wrong' }, { ...ok, event: bad(2) }, 401],
      [{ secret: `${SECRET}x` }, { ...ok, event: bad(3) }, 401],
      [{ secret: null, headers: { authorization: SECRET } }, { ...ok, event: bad(4) }, 401],
      [{ secret: null, headers: { authorization: `Basic ${SECRET}` } }, { ...ok, event: bad(5) }, 401],
      [{}, 'not json', 400],
      [{}, `{"type":"PBX","customer":"${C}","event":{"event":"BAD_6"}`, 400], // truncated
      [{}, '[1,2]', 400],
      [{}, { customer: C, event: bad(7) }, 400], // no type
      [{}, { type: 'NOPE', customer: C, event: bad(8) }, 400],
      [{}, { type: 'PBX', customer: C }, 400], // no event
      [{}, { type: 'PBX', customer: C, event: 'CALL_START' }, 400],
      [{}, { type: 'PBX', customer: C, event: [bad(9)] }, 400],
      [{}, { type: 'PBX', customer: 5, event: bad(10) }, 400],
    ];
    for (const [opts, body, status] of checks) {
      const res = await publishHttp(srv.url, body, opts);
      assert.equal(res.status, status, `${JSON.stringify(opts)} ${JSON.stringify(body)} -> ${res.status} ${res.body}`);
    }
    const good = makeEvent('CALL_START');
    const res = await publishHttp(srv.url, { ...ok, event: good });
    assert.equal(res.status, 202, `${res.status} ${res.body}`);
    await expectExactly(rec, [['PBX', good]], 'only the accepted event');
  });

  test('each customer type is delivered as the event named after the type, payload as published', TEST, async () => {
    const socket = await subscribed(pool, srv.url, 'demo-owner', [
      { type: 'PBX', customer: C },
      { type: 'CONFIG', customer: C },
      { type: 'REGISTER', customer: C },
      { type: 'CALL', customer: C },
    ]);
    const rec = new Recorder(socket, NAMES);
    const sent = [];
    for (const [type, sub] of [
      ['PBX', 'CALL_START'],
      ['CONFIG', 'USER_UPDATED'],
      ['REGISTER', 'REGISTERED'],
      ['CALL', 'CALL_END'],
    ]) {
      const ev = makeEvent(sub, { customer: C, employee: 'emp-x', data: { nested: [1, { a: null }], ok: true } });
      await publish(srv.url, type, C, ev);
      sent.push([type, ev]);
    }
    await expectExactly(rec, sent, 'one event per type');
  });

  test('byte for byte: the frame carries the published event text unchanged', TEST, async () => {
    // Unusual but valid JSON: whitespace, key order, escapes, unicode (raw and escaped), numbers.
    const raw =
      '{ "zeta" : 1, "event":"CALL_START" ,"alpha":"ünïcödé ✓ 😀 \\u00e9\\ud83d\\ude00",' +
      '"esc":"q\\"uote\\\\ back\\/slash\\n","nums":[1.50, -0.0, 1e3, 12345678901234567890],' +
      '"nested":{"b":[ ],"a":{ }} , "customer":"someone-else", "id":"raw-1"\n}';
    const ws = new WsClient(`ws://127.0.0.1:${srv.port}/socket.io/?EIO=4&transport=websocket`, { autoPong: true });
    try {
      await ws.opened(T);
      parseOpenPacket(await ws.nextText(T));
      ws.send('40');
      assert.match(await ws.nextText(T, { skipPings: true }), /^40/);
      const nextStarting = async (prefix) => {
        for (;;) {
          const text = await ws.nextText(T, { skipPings: true });
          if (text.startsWith(prefix)) return text;
        }
      };
      ws.send('420["authenticate",{"token":"demo-viewer"}]');
      assert.match(await nextStarting('430'), /"success":true/);
      ws.send(`421["subscribe",{"type":"PBX","customer":"${C}"}]`);
      assert.match(await nextStarting('431'), /"success":true/);

      // A socket.io-client v4 subscriber too: the parsed object, key order included.
      const client = await subscribed(pool, srv.url, 'demo-owner', [{ type: 'PBX', customer: C }]);
      const got = once(client, 'PBX', T);

      const res = await publishHttp(srv.url, `{"type":"PBX","customer":"${C}","event":${raw}}`);
      assert.equal(res.status, 202, `${res.status} ${res.body}`);
      // The published text unchanged, then (connection state recovery, on by default) the
      // event's stream offset as its last argument.
      const frame = await nextStarting('42["PBX"');
      const tail = frame.match(/,"(\d+-\d+)"\]$/);
      assert.ok(tail, `an offset as the last argument: ${frame}`);
      assert.equal(frame.slice(0, -tail[0].length) + ']', `42["PBX",${raw}]`);
      const [payload] = await got;
      assert.deepEqual(payload, JSON.parse(raw));
      assert.equal(JSON.stringify(payload), JSON.stringify(JSON.parse(raw)), 'same keys in the same order');
    } finally {
      ws.terminate();
    }
  });

  test('a large event (200 kB) arrives intact', TEST, async () => {
    const socket = await subscribed(pool, srv.url, 'demo-viewer', [{ type: 'CALL', customer: C }]);
    const got = once(socket, 'CALL', T);
    const ev = makeEvent('CALL_START', { blob: 'x€'.repeat(70_000) });
    await publish(srv.url, 'CALL', C, ev);
    assert.deepEqual((await got)[0], ev);
  });

  test('events of one channel arrive in publish order (200 events)', TEST, async () => {
    const socket = await subscribed(pool, srv.url, 'demo-viewer', [{ type: 'REGISTER', customer: C }]);
    const N = 200;
    const all = collect(socket, 'REGISTER', N, 10000);
    for (let i = 0; i < N; i++) await publish(srv.url, 'REGISTER', C, { event: 'REGISTERED', seq: i });
    const got = await all;
    assert.deepEqual(got.map(([e]) => e.seq), Array.from({ length: N }, (_, i) => i));
  });

  test('every entitled subscriber gets the event once; another customer\'s subscriber does not', TEST, async () => {
    const tokens = ['demo-admin', 'demo-reseller-admin', 'demo-reseller', 'demo-org-reseller', 'demo-owner', 'demo-manager', 'demo-viewer', 'demo-personal'];
    const recs = [];
    for (const token of tokens) {
      const s = await subscribed(pool, srv.url, token, [{ type: 'PBX', customer: C }]);
      recs.push([token, new Recorder(s, NAMES)]);
    }
    // Subscribers of customer-north-1a: the same event type, another customer.
    const other = await subscribed(pool, srv.url, 'demo-subreseller', [{ type: 'PBX', customer: 'customer-north-1a' }]);
    const otherRec = new Recorder(other, NAMES);
    const ev = makeEvent('CALL_START', { customer: C });
    const control = makeEvent('CALL_START', { customer: 'customer-north-1a' });
    await publish(srv.url, 'PBX', C, ev);
    await publish(srv.url, 'PBX', 'customer-north-1a', control);
    await Promise.all(recs.map(([token, rec]) => expectExactly(rec, [['PBX', ev]], token)));
    await expectExactly(otherRec, [['PBX', control]], 'customer-north-1a subscriber');
  });

  test('events filter: only the listed sub-events', TEST, async () => {
    const socket = await subscribed(pool, srv.url, 'demo-owner', [{ type: 'PBX', customer: C, events: ['CALL_START', 'CALL_ANSWERED'] }]);
    const rec = new Recorder(socket, NAMES);
    const end = makeEvent('CALL_END');
    const start = makeEvent('CALL_START');
    const none = { id: 'no-sub-event', data: 1 }; // no `event` field at all
    const answered = makeEvent('CALL_ANSWERED');
    await publish(srv.url, 'PBX', C, end);
    await publish(srv.url, 'PBX', C, none);
    await publish(srv.url, 'PBX', C, start);
    await publish(srv.url, 'PBX', C, answered);
    await expectExactly(rec, [['PBX', start], ['PBX', answered]], 'events filter');
  });

  test('CONFIG-NOT-IPTV excludes IPTV_* sub-events; CONFIG does not', TEST, async () => {
    const notIptv = await subscribed(pool, srv.url, 'demo-personal', [{ type: 'CONFIG-NOT-IPTV', customer: C }]);
    const notIptvFiltered = await subscribed(pool, srv.url, 'demo-owner', [
      { type: 'CONFIG-NOT-IPTV', customer: C, events: ['IPTV_CHANNEL_ADDED', 'USER_UPDATED'] },
    ]);
    const config = await subscribed(pool, srv.url, 'demo-manager', [{ type: 'CONFIG', customer: C }]);
    const recs = [new Recorder(notIptv, NAMES), new Recorder(notIptvFiltered, NAMES), new Recorder(config, NAMES)];
    const iptv = makeEvent('IPTV_CHANNEL_ADDED');
    const iptv2 = makeEvent('IPTV_');
    const user = makeEvent('USER_UPDATED');
    const notPrefix = makeEvent('X_IPTV_THING');
    for (const ev of [iptv, iptv2, user, notPrefix]) await publish(srv.url, 'CONFIG', C, ev);
    await expectExactly(recs[0], [['CONFIG', user], ['CONFIG', notPrefix]], 'CONFIG-NOT-IPTV');
    await expectExactly(recs[1], [['CONFIG', user]], 'CONFIG-NOT-IPTV with events');
    await expectExactly(recs[2], [['CONFIG', iptv], ['CONFIG', iptv2], ['CONFIG', user], ['CONFIG', notPrefix]], 'CONFIG');
  });

  test('ADMIN firehose, ADMIN with types, ADMIN:<type>', TEST, async () => {
    const firehose = await subscribed(pool, srv.url, 'demo-admin', [{ type: 'ADMIN' }]);
    const typed = await subscribed(pool, srv.url, 'demo-admin', [{ type: 'ADMIN', types: ['PBX', 'CONFIG'] }]);
    const adminCall = await subscribed(pool, srv.url, 'demo-admin', [{ type: 'ADMIN:CALL' }]);
    const adminRegister = await subscribed(pool, srv.url, 'demo-admin', [{ type: 'ADMIN:REGISTER', events: ['UNREGISTERED'] }]);
    const recs = [firehose, typed, adminCall, adminRegister].map((s) => new Recorder(s, NAMES));
    const e = {
      pbx: makeEvent('CALL_START'),
      call: makeEvent('CALL_START'),
      config: makeEvent('USER_UPDATED'),
      reg: makeEvent('REGISTERED'),
      unreg: makeEvent('UNREGISTERED'),
      callSouth: makeEvent('CALL_END'),
    };
    await publish(srv.url, 'PBX', C, e.pbx);
    await publish(srv.url, 'CALL', C, e.call);
    await publish(srv.url, 'CONFIG', 'customer-north-1a', e.config);
    await publish(srv.url, 'REGISTER', C, e.reg);
    await publish(srv.url, 'REGISTER', 'customer-south-1', e.unreg);
    await publish(srv.url, 'CALL', 'customer-south-1', e.callSouth);
    await expectExactly(
      recs[0],
      [['PBX', e.pbx], ['CALL', e.call], ['CONFIG', e.config], ['REGISTER', e.reg], ['REGISTER', e.unreg], ['CALL', e.callSouth]],
      'ADMIN',
    );
    await expectExactly(recs[1], [['PBX', e.pbx], ['CONFIG', e.config]], 'ADMIN types [PBX, CONFIG]');
    await expectExactly(recs[2], [['CALL', e.call], ['CALL', e.callSouth]], 'ADMIN:CALL');
    await expectExactly(recs[3], [['REGISTER', e.unreg]], 'ADMIN:REGISTER events [UNREGISTERED]');
  });

  test('TRUNK and REDIS events reach only ADMIN subscriptions', TEST, async () => {
    const firehose = await subscribed(pool, srv.url, 'demo-admin', [{ type: 'ADMIN' }]);
    const trunkOnly = await subscribed(pool, srv.url, 'demo-admin', [{ type: 'ADMIN', types: ['TRUNK'] }]);
    const adminPbx = await subscribed(pool, srv.url, 'demo-admin', [{ type: 'ADMIN:PBX' }]);
    const customerSubs = CUSTOMER_SUBS(C);
    const owner = await subscribed(pool, srv.url, 'demo-owner', customerSubs);
    const admin = await subscribed(pool, srv.url, 'demo-admin', customerSubs); // ADMIN identity, customer subscriptions
    const recs = [firehose, trunkOnly, adminPbx, owner, admin].map((s) => new Recorder(s, NAMES));
    const trunkGlobal = makeEvent('TRUNK_DOWN');
    const trunkC = makeEvent('TRUNK_UP', { customer: C });
    const redis = makeEvent('REDIS_FAILOVER');
    const control = makeEvent('CALL_START');
    await publish(srv.url, 'TRUNK', null, trunkGlobal);
    await publish(srv.url, 'TRUNK', C, trunkC);
    await publish(srv.url, 'REDIS', null, redis);
    await publish(srv.url, 'PBX', C, control);
    await expectExactly(recs[0], [['TRUNK', trunkGlobal], ['TRUNK', trunkC], ['REDIS', redis], ['PBX', control]], 'ADMIN');
    await expectExactly(recs[1], [['TRUNK', trunkGlobal], ['TRUNK', trunkC]], 'ADMIN types [TRUNK]');
    await expectExactly(recs[2], [['PBX', control]], 'ADMIN:PBX');
    await expectExactly(recs[3], [['PBX', control]], 'OWNER with every customer type');
    await expectExactly(recs[4], [['PBX', control]], 'ADMIN identity with customer subscriptions');
  });

  test('CALL MAXCHANNELS and PEER_ERROR reach only ADMIN subscriptions', TEST, async () => {
    const firehose = await subscribed(pool, srv.url, 'demo-admin', [{ type: 'ADMIN' }]);
    const adminCall = await subscribed(pool, srv.url, 'demo-admin', [{ type: 'ADMIN:CALL' }]);
    const viewer = await subscribed(pool, srv.url, 'demo-viewer', [{ type: 'CALL', customer: C }]);
    const filtered = await subscribed(pool, srv.url, 'demo-owner', [{ type: 'CALL', customer: C, events: ['MAXCHANNELS', 'PEER_ERROR', 'CALL_START'] }]);
    const adminIdentity = await subscribed(pool, srv.url, 'demo-admin', [{ type: 'CALL', customer: C }]);
    const recs = [firehose, adminCall, viewer, filtered, adminIdentity].map((s) => new Recorder(s, NAMES));
    const max = makeEvent('MAXCHANNELS');
    const peer = makeEvent('PEER_ERROR');
    const maxGlobal = makeEvent('MAXCHANNELS');
    const start = makeEvent('CALL_START');
    await publish(srv.url, 'CALL', C, max);
    await publish(srv.url, 'CALL', C, peer);
    await publish(srv.url, 'CALL', null, maxGlobal);
    await publish(srv.url, 'CALL', C, start);
    const all = [['CALL', max], ['CALL', peer], ['CALL', maxGlobal], ['CALL', start]];
    await expectExactly(recs[0], all, 'ADMIN');
    await expectExactly(recs[1], all, 'ADMIN:CALL');
    await expectExactly(recs[2], [['CALL', start]], 'CALL customer subscriber (VIEWER)');
    await expectExactly(recs[3], [['CALL', start]], 'CALL customer subscriber asking for MAXCHANNELS');
    await expectExactly(recs[4], [['CALL', start]], 'ADMIN identity, CALL customer subscription');
  });

  test("routing uses the channel's customer, not the payload's", TEST, async () => {
    const north = await subscribed(pool, srv.url, 'demo-viewer', [{ type: 'PBX', customer: C }]);
    const south = await subscribed(pool, srv.url, 'demo-org-reseller', [{ type: 'PBX', customer: 'customer-south-1' }]);
    const recN = new Recorder(north, NAMES);
    const recS = new Recorder(south, NAMES);
    const toSouth = makeEvent('CALL_START', { customer: C }); // payload says north
    const toNorth = makeEvent('CALL_START', { customer: 'customer-south-1' }); // payload says south
    const noCustomer = makeEvent('CALL_START', { customer: C });
    const agreeing = makeEvent('CALL_END', { customer: C });
    const mismatches = 'txrt_events_customer_mismatch_total{type="PBX"}';
    const before = await scrapeSamples(srv.url);
    await publish(srv.url, 'PBX', 'customer-south-1', toSouth);
    await publish(srv.url, 'PBX', null, noCustomer); // no channel customer: no customer subscriber
    await publish(srv.url, 'PBX', C, toNorth);
    await publish(srv.url, 'PBX', C, agreeing);
    await expectExactly(recN, [['PBX', toNorth], ['PBX', agreeing]], 'customer-north-2 subscriber');
    await expectExactly(recS, [['PBX', toSouth]], 'customer-south-1 subscriber');
    // Delivered by channel, and counted: the two whose payload names the other customer (a
    // channel without a customer, and a payload that agrees, are no mismatch).
    const after = await scrapeSamples(srv.url);
    assert.equal(after.get(mismatches), before.get(mismatches) + 2);
  });

  test('opaque customer ids (":" and non-ASCII) route to exactly their subscribers', TEST, async () => {
    const odd = 'kündé:42:ü';
    const prefixOfOdd = 'kündé';
    const a = await subscribed(pool, srv.url, 'demo-admin', [{ type: 'CALL', customer: odd }]);
    const b = await subscribed(pool, srv.url, 'demo-admin', [{ type: 'CALL', customer: prefixOfOdd }]);
    const recA = new Recorder(a, NAMES);
    const recB = new Recorder(b, NAMES);
    const toOdd = makeEvent('CALL_START');
    const toPrefix = makeEvent('CALL_START');
    await publish(srv.url, 'CALL', odd, toOdd);
    await publish(srv.url, 'CALL', prefixOfOdd, toPrefix);
    await expectExactly(recA, [['CALL', toOdd]], odd);
    await expectExactly(recB, [['CALL', toPrefix]], prefixOfOdd);
  });

  test('a socket with several matching subscriptions gets each event once', TEST, async () => {
    const socket = await subscribed(pool, srv.url, 'demo-admin', [
      { type: 'ADMIN' },
      { type: 'ADMIN', types: ['PBX'] },
      { type: 'ADMIN:PBX' },
      { type: 'PBX', customer: C },
      { type: 'PBX', customer: C, events: ['CALL_START'] },
      { type: 'PBX', customer: C }, // the same one twice
    ]);
    const rec = new Recorder(socket, NAMES);
    const start = makeEvent('CALL_START');
    const end = makeEvent('CALL_END');
    await publish(srv.url, 'PBX', C, start);
    await publish(srv.url, 'PBX', C, end);
    await expectExactly(rec, [['PBX', start], ['PBX', end]], 'exactly once');
  });

  test('unsubscribe stops delivery; other subscriptions keep delivering', TEST, async () => {
    const socket = await subscribed(pool, srv.url, 'demo-owner', [
      { type: 'PBX', customer: C },
      { type: 'PBX', customer: C, events: ['CALL_START'] },
      { type: 'CONFIG', customer: C },
    ]);
    const rec = new Recorder(socket, NAMES);
    const before1 = makeEvent('CALL_START');
    await publish(srv.url, 'PBX', C, before1);
    await rec.waitFor((e) => e.payload?.id === before1.id);
    assert.equal((await unsubscribeOk(socket, { type: 'PBX', customer: C })).ack.removed, 2);
    const after1 = makeEvent('CALL_START');
    const control = makeEvent('USER_UPDATED');
    await publish(srv.url, 'PBX', C, after1);
    await publish(srv.url, 'CONFIG', C, control);
    await expectExactly(rec, [['PBX', before1], ['CONFIG', control]], 'after unsubscribe');
  });

  test('unsubscribe with events removes only that filter', TEST, async () => {
    const socket = await subscribed(pool, srv.url, 'demo-owner', [
      { type: 'PBX', customer: C, events: ['CALL_START'] },
      { type: 'PBX', customer: C, events: ['CALL_END'] },
    ]);
    const rec = new Recorder(socket, NAMES);
    assert.equal((await unsubscribeOk(socket, { type: 'PBX', customer: C, events: ['CALL_START'] })).ack.removed, 1);
    const start = makeEvent('CALL_START');
    const end = makeEvent('CALL_END');
    await publish(srv.url, 'PBX', C, start);
    await publish(srv.url, 'PBX', C, end);
    await expectExactly(rec, [['PBX', end]], 'after exact unsubscribe');
  });

  test('authenticating again drops the subscriptions: no more delivery for them', TEST, async () => {
    const socket = await subscribed(pool, srv.url, 'demo-owner', [{ type: 'PBX', customer: C }]);
    const rec = new Recorder(socket, NAMES);
    const { ack } = await authenticate(socket, { token: 'demo-viewer' });
    assert.deepEqual(ack, { success: true, ...DEMO['demo-viewer'] });
    await subscribeOk(socket, { type: 'CONFIG', customer: C });
    const pbx = makeEvent('CALL_START');
    const control = makeEvent('USER_UPDATED');
    await publish(srv.url, 'PBX', C, pbx);
    await publish(srv.url, 'CONFIG', C, control);
    await expectExactly(rec, [['CONFIG', control]], 'after re-authentication');
  });

  test('a refused subscription delivers nothing', TEST, async () => {
    const socket = await login(pool, srv.url, 'demo-personal');
    assertSubscribeFailed(await subscribeFails(socket, { type: 'CALL', customer: C }), { type: 'CALL', customer: C, code: 'access_denied' });
    assertSubscribeFailed(await subscribeFails(socket, { type: 'PBX', customer: 'customer-south-1' }), {
      type: 'PBX',
      customer: 'customer-south-1',
      code: 'access_denied',
    });
    await subscribeOk(socket, { type: 'PBX', customer: C });
    const rec = new Recorder(socket, NAMES);
    const call = makeEvent('CALL_START');
    const south = makeEvent('CALL_START');
    const control = makeEvent('CALL_END');
    await publish(srv.url, 'CALL', C, call);
    await publish(srv.url, 'PBX', 'customer-south-1', south);
    await publish(srv.url, 'PBX', C, control);
    await expectExactly(rec, [['PBX', control]], 'after refused subscriptions');
  });

  test('an unauthenticated socket receives nothing', TEST, async () => {
    const idle = await connected(pool.v4(srv.url));
    const idleRec = new Recorder(idle, NAMES);
    const sub = await subscribed(pool, srv.url, 'demo-admin', [{ type: 'ADMIN' }]);
    const rec = new Recorder(sub, NAMES);
    const ev = makeEvent('CALL_START');
    await publish(srv.url, 'PBX', C, ev);
    await expectExactly(rec, [['PBX', ev]], 'ADMIN control');
    assert.deepEqual(await idleRec.settle(), []);
  });

  test('long-polling client (no WebSocket) receives events', TEST, async () => {
    const socket = await connected(pool.v4(srv.url, { transports: ['polling'] }));
    await authenticate(socket, { token: 'demo-viewer' });
    await subscribeOk(socket, { type: 'CALL', customer: C });
    const N = 50;
    const all = collect(socket, 'CALL', N, 10000);
    const sent = [];
    for (let i = 0; i < N; i++) {
      const ev = makeEvent('CALL_START', { seq: i });
      sent.push(ev);
      await publish(srv.url, 'CALL', C, ev);
    }
    assert.deepEqual((await all).map(([e]) => e), sent);
  });

  test('socket.io-client v2: authenticate, subscribe, receive an event', TEST, async () => {
    const socket = pool.v2(srv.url, { transports: ['polling', 'websocket'] });
    await once(socket, 'connect', T, { rejectOn: ['connect_error', 'error'] });
    const authEvent = once(socket, 'authenticated', T, { rejectOn: ['unauthorized'] });
    const [authAck] = await emitAck(socket, T, 'authenticate', { token: 'demo-reseller', client: 'v2-test' });
    assert.deepEqual(authAck, { success: true, ...DEMO['demo-reseller'] });
    assert.deepEqual((await authEvent)[0], DEMO['demo-reseller']);
    const subEvent = once(socket, 'subscribed', T, { rejectOn: ['subscribe_failed'] });
    const [subAck] = await emitAck(socket, T, 'subscribe', { type: 'REGISTER', customer: 'customer-north-1a', events: ['REGISTERED'] });
    const echo = { type: 'REGISTER', customer: 'customer-north-1a', events: ['REGISTERED'] };
    assert.deepEqual(subAck, { success: true, ...echo });
    assert.deepEqual((await subEvent)[0], echo);
    const rec = new Recorder(socket, NAMES);
    const skipped = makeEvent('UNREGISTERED');
    const ev = makeEvent('REGISTERED', { data: { text: 'ünï 😀', list: [1, null, true] } });
    await publish(srv.url, 'REGISTER', 'customer-north-1a', skipped);
    await publish(srv.url, 'REGISTER', 'customer-north-1a', ev);
    await expectExactly(rec, [['REGISTER', ev]], 'v2 client');
  });
});

function CUSTOMER_SUBS(customer) {
  return ['PBX', 'CONFIG', 'CONFIG-NOT-IPTV', 'REGISTER', 'CALL'].map((type) => ({ type, customer }));
}

describe('POST /events without --publish-secret', () => {
  let srv;
  const pool = socketPool();
  before(async () => {
    srv = await startApp();
  });
  after(async () => {
    pool.closeAll();
    await srv?.stop();
  });

  test('is refused and publishes nothing', TEST, async () => {
    const socket = await subscribed(pool, srv.url, 'demo-viewer', [{ type: 'PBX', customer: C }]);
    const rec = new Recorder(socket, NAMES);
    for (const secret of [null, '', SECRET]) {
      const res = await publishHttp(srv.url, { type: 'PBX', customer: C, event: makeEvent('CALL_START') }, { secret });
      assert.ok([401, 403, 404].includes(res.status), `secret ${JSON.stringify(secret)}: ${res.status} ${res.body}`);
    }
    assert.deepEqual(await rec.settle(), []);
  });
});
