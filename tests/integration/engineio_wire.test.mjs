// Wire-level checks of the raw Engine.IO v4 endpoint /engine.io/ (echo application)
// of the conformance binary, following CONFORMANCE.md sections 2 and 3.
// Run: TXRT_CONFORMANCE_BIN=build/txrt-conformance node --test tests/integration/engineio_wire.test.mjs
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { RS, sleep, httpReq, abortableGet, clientPool, parseOpenPacket } from './lib/wire.mjs';

const BIN = process.env.TXRT_CONFORMANCE_BIN;
const OPEN_KEYS = ['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades'];
const SID_RE = /^[A-Za-z0-9_-]+$/;

let srv;
let base; // http://127.0.0.1:PORT/engine.io/
let wsBase; // ws://127.0.0.1:PORT/engine.io/
const pool = clientPool();

before(async () => {
  srv = await startServer(BIN);
  base = `${srv.url}/engine.io/`;
  wsBase = base.replace(/^http/, 'ws');
});
after(async () => {
  pool.closeAll();
  await srv?.stop();
});
afterEach(() => pool.closeAll());

// The clients paste the sid into URLs unescaped; so do we.
const pollUrl = (sid) => `${base}?EIO=4&transport=polling&sid=${sid}`;
const wsUrl = (sid) => `${wsBase}?EIO=4&transport=websocket${sid ? `&sid=${sid}` : ''}`;

function assertOpenPacket(open, upgrades) {
  assert.deepEqual(Object.keys(open).sort(), OPEN_KEYS);
  assert.equal(typeof open.sid, 'string');
  assert.match(open.sid, SID_RE);
  assert.deepEqual(open.upgrades, upgrades);
  assert.equal(open.pingInterval, 300);
  assert.equal(open.pingTimeout, 200);
  assert.equal(open.maxPayload, 1000000);
}

async function openPolling() {
  const res = await httpReq(`${base}?EIO=4&transport=polling`);
  assert.equal(res.status, 200, `handshake status (body ${res.body})`);
  const open = parseOpenPacket(res.body);
  assertOpenPacket(open, ['websocket']);
  return { sid: open.sid, at: Date.now() };
}

async function openWebSocket(opts) {
  const c = pool.ws(wsUrl(), opts);
  const first = await c.next(2000);
  assert.equal(first.binary, false, 'open packet must be a text frame');
  const open = parseOpenPacket(first.data);
  assertOpenPacket(open, []);
  return { c, sid: open.sid };
}

describe('handshake (2.2)', { timeout: 10000 }, () => {
  test('polling handshake: 200, body is exactly the open packet', { timeout: 3000 }, async () => {
    const res = await httpReq(`${base}?EIO=4&transport=polling`);
    assert.equal(res.status, 200);
    assert.equal(res.body[0], '0');
    assertOpenPacket(JSON.parse(res.body.slice(1)), ['websocket']);
  });

  test('extra query parameters (t=...) are ignored', { timeout: 3000 }, async () => {
    const res = await httpReq(`${base}?EIO=4&transport=polling&t=NzB4yQ1&foo=bar`);
    assert.equal(res.status, 200);
    assertOpenPacket(parseOpenPacket(res.body), ['websocket']);
  });

  test('each handshake gets its own sid', { timeout: 3000 }, async () => {
    const a = await openPolling();
    const b = await openPolling();
    assert.notEqual(a.sid, b.sid);
  });

  test('websocket handshake: first text frame is the open packet with upgrades []', { timeout: 3000 }, async () => {
    const { c } = await openWebSocket();
    assert.equal(c.frames.length, 1);
  });
});

describe('query validation (2.1)', { timeout: 20000 }, () => {
  const bad = [
    ['EIO missing', '?transport=polling'],
    ['EIO=abc', '?EIO=abc&transport=polling'],
    ['transport missing', '?EIO=4'],
    ['transport=abc', '?EIO=4&transport=abc'],
  ];
  for (const [name, query] of bad) {
    test(`GET with ${name} -> 400`, { timeout: 3000 }, async () => {
      const res = await httpReq(`${base}${query}`);
      assert.equal(res.status, 400);
    });
  }

  for (const method of ['POST', 'PUT']) {
    test(`${method} handshake (no sid) -> 400`, { timeout: 3000 }, async () => {
      const res = await httpReq(`${base}?EIO=4&transport=polling`, { method, body: '4hello' });
      assert.equal(res.status, 400);
    });
  }

  test('GET and POST with an unknown sid -> 400', { timeout: 3000 }, async () => {
    const get = await httpReq(pollUrl('abcdefghijklmnopqrst'));
    assert.equal(get.status, 400);
    const post = await httpReq(pollUrl('abcdefghijklmnopqrst'), { method: 'POST', body: '4hello' });
    assert.equal(post.status, 400);
  });

  const badWs = [
    ['EIO missing', '?transport=websocket'],
    ['EIO=abc', '?EIO=abc&transport=websocket'],
    ['transport missing', '?EIO=4'],
    ['transport=abc', '?EIO=4&transport=abc'],
    ['unknown sid', '?EIO=4&transport=websocket&sid=abcdefghijklmnopqrst'],
  ];
  for (const [name, query] of badWs) {
    test(`WebSocket upgrade with ${name} ends closed without opening a session`, { timeout: 3000 }, async () => {
      const c = pool.ws(`${wsBase}${query}`);
      await c.waitClose(2000);
      assert.equal(c.frames.filter((f) => !f.binary && f.data.startsWith('0')).length, 0,
        `no open packet expected, got frames ${JSON.stringify(c.frames)}`);
    });
  }
});

describe('polling transport (2.4, 3)', { timeout: 20000 }, () => {
  test('POST answers exactly "ok"; the next GET returns all echoes in one payload', { timeout: 3000 }, async () => {
    const { sid } = await openPolling();
    const post = await httpReq(pollUrl(sid), { method: 'POST', body: `4test1${RS}4test2${RS}4test3` });
    assert.equal(post.status, 200);
    assert.equal(post.body, 'ok');
    const get = await httpReq(pollUrl(sid));
    assert.equal(get.status, 200);
    assert.equal(get.body, `4test1${RS}4test2${RS}4test3`);
  });

  test('binary message bAQIDBA== is echoed as bAQIDBA==', { timeout: 3000 }, async () => {
    const { sid } = await openPolling();
    const post = await httpReq(pollUrl(sid), { method: 'POST', body: 'bAQIDBA==' });
    assert.equal(post.status, 200);
    assert.equal(post.body, 'ok');
    const get = await httpReq(pollUrl(sid));
    assert.equal(get.status, 200);
    assert.equal(get.body, 'bAQIDBA==');
  });

  test('a GET with nothing queued is held open (then answered by the ping)', { timeout: 3000 }, async () => {
    const { sid, at } = await openPolling();
    const get = await httpReq(pollUrl(sid), { timeoutMs: 2000 });
    assert.equal(get.status, 200);
    assert.equal(get.body, '2');
    assert.ok(Date.now() - at >= 200, `GET answered after ${Date.now() - at} ms, before the ping was due`);
  });

  test('overlapping GETs: first gets "1", second 400, later requests 400', { timeout: 4000 }, async () => {
    const { sid } = await openPolling();
    const first = httpReq(pollUrl(sid), { timeoutMs: 2000 });
    // No server-side event tells us the first GET is pending; give it a few ms (as the suite does).
    await sleep(20);
    const second = await httpReq(pollUrl(sid), { timeoutMs: 2000 });
    assert.ok([400, 500].includes(second.status), `second GET status ${second.status} (body ${second.body})`);
    const r1 = await first;
    assert.equal(r1.status, 200);
    assert.equal(r1.body, '1');
    const later = await httpReq(pollUrl(sid));
    assert.equal(later.status, 400);
  });

  test('a pending GET whose client aborts closes the session', { timeout: 4000 }, async () => {
    const { sid } = await openPolling();
    const g = abortableGet(pollUrl(sid));
    await g.sent;
    await sleep(50); // let the server register the GET as pending (no observable event)
    g.abort();
    await sleep(50); // let the server see the TCP close before the next request arrives
    // Well before the ping is due (300 ms): a live session would hold this GET until then.
    const next = await httpReq(pollUrl(sid), { timeoutMs: 2000 });
    assert.equal(next.status, 400, `expected 400, got ${next.status} body ${JSON.stringify(next.body)}`);
  });

  test('close packet in a POST while a GET is pending: GET gets "6", session closed', { timeout: 4000 }, async () => {
    const { sid } = await openPolling();
    const pending = httpReq(pollUrl(sid), { timeoutMs: 2000 });
    await sleep(20); // make sure the GET is pending before the close packet arrives
    const post = await httpReq(pollUrl(sid), { method: 'POST', body: '1' });
    assert.equal(post.status, 200);
    const get = await pending;
    assert.equal(get.status, 200);
    assert.equal(get.body, '6');
    const later = await httpReq(pollUrl(sid));
    assert.equal(later.status, 400);
  });

  test('an undecodable POST ("abc") closes the session', { timeout: 4000 }, async () => {
    const { sid } = await openPolling();
    try {
      await httpReq(pollUrl(sid), { method: 'POST', body: 'abc' }); // status not checked (2.4)
    } catch {
      // a reset connection is tolerated
    }
    const next = await httpReq(pollUrl(sid), { timeoutMs: 2000 });
    assert.equal(next.status, 400, `expected 400, got ${next.status} body ${JSON.stringify(next.body)}`);
  });
});

describe('heartbeat (2.5)', { timeout: 20000 }, () => {
  test('polling: three rounds of GET "2" / POST "3" within 5 s', { timeout: 5000 }, async () => {
    const { sid } = await openPolling();
    for (let round = 1; round <= 3; round++) {
      const get = await httpReq(pollUrl(sid), { timeoutMs: 1000 });
      assert.equal(get.status, 200, `round ${round} GET`);
      assert.equal(get.body, '2', `round ${round} GET body`);
      const post = await httpReq(pollUrl(sid), { method: 'POST', body: '3' });
      assert.equal(post.status, 200, `round ${round} POST`);
      assert.equal(post.body, 'ok', `round ${round} POST body`);
    }
  });

  test('polling: a client silent for 500 ms after the handshake gets 400', { timeout: 3000 }, async () => {
    const { sid } = await openPolling();
    await sleep(500); // the behaviour under test is time: ping due at 300 ms, pong deadline 500 ms
    const get = await httpReq(pollUrl(sid), { timeoutMs: 1000 });
    assert.equal(get.status, 400, `expected 400, got ${get.status} body ${JSON.stringify(get.body)}`);
  });

  test('websocket: three pings arrive and, answered, keep the session alive', { timeout: 5000 }, async () => {
    const { c } = await openWebSocket();
    for (let round = 1; round <= 3; round++) {
      assert.equal(await c.nextText(1000), '2', `ping ${round}`);
      c.send('3');
    }
    c.send('4alive');
    assert.equal(await c.nextText(1000, { skipPings: true }), '4alive');
    assert.equal(c.closed, false);
  });

  test('websocket: a client that never pongs is closed by the server', { timeout: 7000 }, async () => {
    const { c } = await openWebSocket();
    const { at } = await c.waitClose(5000);
    assert.ok(c.frames.some((f) => !f.binary && f.data === '2'), 'a ping should precede the close');
    assert.ok(at - c.createdAt >= 400, `closed after ${at - c.createdAt} ms, before the pong deadline`);
  });
});

describe('websocket transport (2.3, 2.7, 3)', { timeout: 20000 }, () => {
  test('text message echo, order preserved', { timeout: 3000 }, async () => {
    const { c } = await openWebSocket({ autoPong: true });
    c.send('4hello');
    c.send('4a');
    c.send('4b');
    c.send('4\u00e9\u20ac');
    assert.equal(await c.nextText(1000, { skipPings: true }), '4hello');
    assert.equal(await c.nextText(1000, { skipPings: true }), '4a');
    assert.equal(await c.nextText(1000, { skipPings: true }), '4b');
    assert.equal(await c.nextText(1000, { skipPings: true }), '4\u00e9\u20ac');
  });

  test('binary frame 01 02 03 04 is echoed as a binary frame', { timeout: 3000 }, async () => {
    const { c } = await openWebSocket({ autoPong: true });
    c.send(Buffer.from([1, 2, 3, 4]));
    const data = await c.nextBinary(1000, { skipPings: true });
    assert.deepEqual([...data], [1, 2, 3, 4]);
  });

  test('close packet "1" makes the server close the websocket in < 1 s', { timeout: 3000 }, async () => {
    const { c } = await openWebSocket({ autoPong: true });
    const sent = Date.now();
    c.send('1');
    const { at } = await c.waitClose(2000);
    assert.ok(at - sent < 1000, `closed ${at - sent} ms after the close packet`);
  });

  test('undecodable text frame "abc" closes the websocket', { timeout: 3000 }, async () => {
    // autoPong keeps the heartbeat alive, so only the bad frame can close the socket
    const { c } = await openWebSocket({ autoPong: true });
    const sent = Date.now();
    c.send('abc');
    const { at } = await c.waitClose(2000);
    assert.ok(at - sent < 1000, `closed ${at - sent} ms after "abc"`);
  });
});

describe('upgrade from polling to websocket (2.6)', { timeout: 10000 }, () => {
  test('probe, noop to polling, upgrade, then websocket only', { timeout: 5000 }, async () => {
    const { sid } = await openPolling();
    const ws = pool.ws(wsUrl(sid));
    await ws.opened(2000);
    ws.send('2probe');
    assert.equal(await ws.nextText(1000), '3probe', 'first frame on an upgrade websocket must answer the probe');

    const get = await httpReq(pollUrl(sid), { timeoutMs: 2000 });
    assert.equal(get.status, 200);
    assert.equal(get.body, '6');
    assert.ok(get.ms < 250, `noop took ${get.ms} ms`);

    ws.autoPong = true; // the session heartbeat now runs over the websocket
    ws.send('5');
    ws.send('4hello');
    assert.equal(await ws.nextText(1000, { skipPings: true }), '4hello');

    const after = await httpReq(pollUrl(sid));
    assert.equal(after.status, 400, 'polling requests after the upgrade');

    ws.send('4again');
    assert.equal(await ws.nextText(1000, { skipPings: true }), '4again');

    const dup = pool.ws(wsUrl(sid));
    await dup.waitClose(2000);
    assert.equal(dup.frames.filter((f) => !f.binary && f.data.startsWith('0')).length, 0,
      `second websocket must not get an open packet, got ${JSON.stringify(dup.frames)}`);

    ws.send(Buffer.from([9, 8, 7]));
    assert.deepEqual([...(await ws.nextBinary(1000, { skipPings: true }))], [9, 8, 7]);
    assert.equal(ws.closed, false, 'first websocket must survive the second one');
  });
});
