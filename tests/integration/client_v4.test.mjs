// The real socket.io-client v4 against the real txrt-conformance process, over the three
// transport set-ups a browser can end up with: polling upgraded to WebSocket, WebSocket only,
// and long-polling only.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { io, Manager } from 'socket.io-client';
import { startServer } from './lib/server.mjs';
import { once, collect, never, emitAck } from './lib/wait.mjs';
import { request } from './lib/http.mjs';
import { CONFORMANCE_BIN, normalize, isBinary, toBuffer, sampleBinary, MIXED_ARGS } from './lib/values.mjs';

const QUIET_HEARTBEAT = ['--ping-interval-ms', '25000', '--ping-timeout-ms', '20000'];
const T = 5000; // deadline for one awaited event
const TEST = { timeout: 15000 };

const CONFIGS = [
  { name: 'polling then websocket upgrade', opts: {}, final: 'websocket', upgrade: true },
  { name: 'websocket only', opts: { transports: ['websocket'] }, final: 'websocket' },
  { name: 'polling only', opts: { transports: ['polling'] }, final: 'polling' },
];

// Sockets opened by a test; closed after each test so that no connection outlives it.
const open = new Set();
function track(socket) {
  open.add(socket);
  return socket;
}
function closeAll() {
  for (const s of open) {
    s.io.reconnection(false);
    s.disconnect();
    s.io.engine?.close();
  }
  open.clear();
}

function client(url, cfg, opts = {}) {
  return track(io(url, { forceNew: true, reconnection: false, ...cfg.opts, ...opts }));
}

async function waitUpgraded(socket, cfg) {
  if (!cfg.upgrade) return;
  const engine = socket.io.engine;
  if (engine.transport.name !== 'websocket') await once(engine, 'upgrade', T, { rejectOn: ['upgradeError', 'close'] });
  assert.equal(engine.transport.name, 'websocket');
}

// Connects and returns [socket, authPayload]. The `auth` listener is attached before the
// connection can complete, since the server emits it right after the CONNECT.
async function connectRoot(url, cfg, opts = {}) {
  const socket = client(url, cfg, opts);
  const [[auth]] = await Promise.all([
    once(socket, 'auth', T),
    once(socket, 'connect', T, { rejectOn: ['connect_error'] }),
  ]);
  await waitUpgraded(socket, cfg);
  return [socket, auth];
}

async function connectNsp(url, cfg, opts = {}) {
  const socket = client(url, cfg, opts);
  await once(socket, 'connect', T, { rejectOn: ['connect_error'] });
  await waitUpgraded(socket, cfg);
  return socket;
}

describe('socket.io-client v4', () => {
  let srv;
  before(async () => {
    srv = await startServer(CONFORMANCE_BIN, QUIET_HEARTBEAT);
  });
  after(async () => {
    closeAll();
    await srv?.stop();
  });
  afterEach(closeAll);

  for (const cfg of CONFIGS) {
    describe(cfg.name, () => {
      test('connects, passes the auth payload, ends on the expected transport', TEST, async () => {
        const [socket, auth] = await connectRoot(srv.url, cfg, { auth: { token: 'abc' } });
        assert.deepEqual(auth, { token: 'abc' });
        assert.equal(socket.connected, true);
        assert.equal(typeof socket.id, 'string');
        assert.ok(socket.id.length > 0);
        if (cfg.upgrade) {
          assert.equal(socket.io.engine.transport.name, 'websocket', 'polling session was upgraded');
        } else {
          assert.equal(socket.io.engine.transport.name, cfg.final);
        }
        // The session is still usable after the upgrade.
        const back = once(socket, 'message-back', T);
        socket.emit('message', 'after-connect');
        assert.deepEqual(await back, ['after-connect']);
        assert.equal(socket.io.engine.transport.name, cfg.final);
      });

      test('auth payload defaults to {} when none is given', TEST, async () => {
        const [, auth] = await connectRoot(srv.url, cfg);
        assert.deepEqual(auth, {});
      });

      test('message -> message-back with mixed arguments', TEST, async () => {
        const [socket] = await connectRoot(srv.url, cfg);
        let back = once(socket, 'message-back', T);
        socket.emit('message', ...MIXED_ARGS);
        assert.deepEqual(await back, MIXED_ARGS);

        back = once(socket, 'message-back', T);
        socket.emit('message');
        assert.deepEqual(await back, [], 'an event with no arguments');
      });

      test('client -> server ack (message-with-ack)', TEST, async () => {
        const [socket] = await connectRoot(srv.url, cfg);
        assert.deepEqual(await emitAck(socket, T, 'message-with-ack', ...MIXED_ARGS), MIXED_ARGS);
        assert.deepEqual(await emitAck(socket, T, 'message-with-ack'), []);
        // Concurrent acks are matched to their own callbacks by id.
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => emitAck(socket, T, 'message-with-ack', i, `n${i}`)),
        );
        results.forEach((r, i) => assert.deepEqual(r, [i, `n${i}`]));
      });

      test('server -> client ack (server-ack on /test)', TEST, async () => {
        const socket = await connectNsp(`${srv.url}/test`, cfg);
        let received;
        socket.on('please-answer', (...args) => {
          const ack = args.pop();
          received = args;
          assert.equal(typeof ack, 'function', 'the server asked for an ack');
          ack('answer', { n: 1, list: [true, null] }, 7);
        });
        const result = once(socket, 'server-ack-result', T);
        socket.emit('server-ack', 'please-answer', 'q', 2, { deep: ['x'] });
        assert.deepEqual(await result, ['answer', { n: 1, list: [true, null] }, 7]);
        assert.deepEqual(received, ['q', 2, { deep: ['x'] }]);
      });

      test('/test echo and echo-ack', TEST, async () => {
        const socket = await connectNsp(`${srv.url}/test`, cfg);
        const echo = once(socket, 'echo', T);
        socket.emit('echo', ...MIXED_ARGS);
        assert.deepEqual(await echo, MIXED_ARGS);
        assert.deepEqual(await emitAck(socket, T, 'echo-ack', 'a', { b: 2 }), ['a', { b: 2 }]);
      });

      test('binary arguments are echoed byte for byte', TEST, async () => {
        const [socket] = await connectRoot(srv.url, cfg);
        const bin = sampleBinary();
        const big = sampleBinary(100_000);
        const args = [bin, 'text', Buffer.from([0]), big, Buffer.alloc(0)];
        const back = once(socket, 'message-back', T);
        socket.emit('message', ...args);
        const got = await back;
        assert.equal(got.length, args.length);
        for (const i of [0, 2, 3, 4]) assert.ok(isBinary(got[i]), `argument ${i} came back as binary`);
        assert.ok(toBuffer(got[0]).equals(bin));
        assert.ok(toBuffer(got[3]).equals(big));
        assert.equal(toBuffer(got[4]).length, 0);
        assert.deepEqual(normalize(got), normalize(args));
      });

      test('binary nested in objects and arrays, both ways and in acks', TEST, async () => {
        const [socket] = await connectRoot(srv.url, cfg);
        const payload = {
          a: 1,
          bin: sampleBinary(10),
          list: [Buffer.from('xyz'), 'plain', { deep: Buffer.from([255, 0, 128]) }],
          text: 'not binary',
        };
        const back = once(socket, 'message-back', T);
        socket.emit('message', payload, 'second', [Buffer.from([1, 2, 3])]);
        const got = await back;
        assert.ok(isBinary(got[0].bin) && isBinary(got[0].list[2].deep) && isBinary(got[2][0]));
        assert.deepEqual(normalize(got), normalize([payload, 'second', [Buffer.from([1, 2, 3])]]));

        const acked = await emitAck(socket, T, 'message-with-ack', payload, Buffer.from('ack-bin'));
        assert.ok(isBinary(acked[1]));
        assert.deepEqual(normalize(acked), normalize([payload, Buffer.from('ack-bin')]));
      });

      test('binary in a server -> client ack and in /test echo', TEST, async () => {
        const socket = await connectNsp(`${srv.url}/test`, cfg);
        const sent = Buffer.from('from-server?');
        let received;
        socket.on('bin-question', (...args) => {
          const ack = args.pop();
          received = args;
          ack({ reply: Buffer.from('from-client') }, Buffer.from([9, 8, 7]));
        });
        const result = once(socket, 'server-ack-result', T);
        socket.emit('server-ack', 'bin-question', sent, { nested: sent });
        const got = await result;
        assert.ok(isBinary(got[0].reply) && isBinary(got[1]));
        assert.deepEqual(normalize(got), normalize([{ reply: Buffer.from('from-client') }, Buffer.from([9, 8, 7])]));
        assert.deepEqual(normalize(received), normalize([sent, { nested: sent }]));

        const echo = once(socket, 'echo', T);
        socket.emit('echo', { x: Buffer.from([1]) }, Buffer.from([2]));
        assert.deepEqual(normalize(await echo), normalize([{ x: Buffer.from([1]) }, Buffer.from([2])]));
        const acked = await emitAck(socket, T, 'echo-ack', Buffer.from([3, 4]));
        assert.deepEqual(normalize(acked), normalize([Buffer.from([3, 4])]));
      });

      test('namespace /custom receives its auth payload', TEST, async () => {
        const socket = client(`${srv.url}/custom`, cfg, { auth: { token: 'xyz', n: 5 } });
        const [[auth]] = await Promise.all([
          once(socket, 'auth', T),
          once(socket, 'connect', T, { rejectOn: ['connect_error'] }),
        ]);
        assert.deepEqual(auth, { token: 'xyz', n: 5 });
        // /custom has no message handler: nothing comes back for `message`.
        const silent = never(socket, 'message-back', 300);
        socket.emit('message', 'ignored');
        await silent;
      });

      test('unknown namespace gives connect_error "Invalid namespace"', TEST, async () => {
        const socket = client(`${srv.url}/does-not-exist`, cfg);
        const [err] = await once(socket, 'connect_error', T, { rejectOn: ['connect'] });
        assert.equal(err.message, 'Invalid namespace');
        assert.equal(socket.connected, false);
      });

      test('several namespaces multiplexed on one connection are independent', TEST, async () => {
        const manager = new Manager(srv.url, { reconnection: false, ...cfg.opts });
        const root = track(manager.socket('/', { auth: { who: 'root' } }));
        const custom = track(manager.socket('/custom', { auth: { who: 'custom' } }));
        const testNsp = track(manager.socket('/test'));
        const [[rootAuth], [customAuth]] = await Promise.all([
          once(root, 'auth', T),
          once(custom, 'auth', T),
          once(root, 'connect', T, { rejectOn: ['connect_error'] }),
          once(custom, 'connect', T, { rejectOn: ['connect_error'] }),
          once(testNsp, 'connect', T, { rejectOn: ['connect_error'] }),
        ]);
        assert.deepEqual(rootAuth, { who: 'root' });
        assert.deepEqual(customAuth, { who: 'custom' });
        await waitUpgraded(root, cfg);

        // An event on /test is not delivered on / and vice versa.
        const rootSilent = never(root, 'echo', 300);
        const echo = once(testNsp, 'echo', T);
        testNsp.emit('echo', 'only-test');
        assert.deepEqual(await echo, ['only-test']);
        await rootSilent;

        // Disconnecting /test from the server leaves / and /custom connected.
        const gone = once(testNsp, 'disconnect', T);
        testNsp.emit('disconnect-me');
        assert.deepEqual((await gone)[0], 'io server disconnect');
        assert.equal(root.connected, true);
        assert.equal(custom.connected, true);
        const back = once(root, 'message-back', T);
        root.emit('message', 'still here');
        assert.deepEqual(await back, ['still here']);
      });

      test('client disconnect, then connect again', TEST, async () => {
        const [socket] = await connectRoot(srv.url, cfg, { auth: { token: 'abc' } });
        const firstId = socket.id;
        const gone = once(socket, 'disconnect', T);
        socket.disconnect();
        assert.equal((await gone)[0], 'io client disconnect');
        assert.equal(socket.connected, false);

        const again = Promise.all([once(socket, 'auth', T), once(socket, 'connect', T, { rejectOn: ['connect_error'] })]);
        socket.connect();
        const [[auth]] = await again;
        assert.deepEqual(auth, { token: 'abc' });
        assert.notEqual(socket.id, firstId, 'a new connection gets a new socket id');
        await waitUpgraded(socket, cfg);
        const back = once(socket, 'message-back', T);
        socket.emit('message', 'second life');
        assert.deepEqual(await back, ['second life']);
      });

      test('server-side disconnect-me gives "io server disconnect"', TEST, async () => {
        const socket = await connectNsp(`${srv.url}/test`, cfg);
        const gone = once(socket, 'disconnect', T);
        socket.emit('disconnect-me');
        const [reason] = await gone;
        assert.equal(reason, 'io server disconnect');
        assert.equal(socket.connected, false);
        // No automatic reconnection after a server disconnect, but a manual one works.
        const again = once(socket, 'connect', T, { rejectOn: ['connect_error'] });
        socket.connect();
        await again;
        const echo = once(socket, 'echo', T);
        socket.emit('echo', 'back again');
        assert.deepEqual(await echo, ['back again']);
      });

      test('500 messages come back in order', TEST, async () => {
        // Emitted right after io(): with the default set-up they cross the polling -> websocket
        // upgrade while in flight.
        const socket = client(srv.url, cfg);
        const N = 500;
        const all = collect(socket, 'message-back', N, 10000);
        for (let i = 0; i < N; i++) socket.emit('message', i, `payload-${i}`);
        const got = await all;
        got.forEach((args, i) => assert.deepEqual(args, [i, `payload-${i}`]));
      });

      test('200 acks interleaved with binary come back to their own callbacks', TEST, async () => {
        const [socket] = await connectRoot(srv.url, cfg);
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) =>
            emitAck(socket, 8000, 'message-with-ack', i, i % 3 === 0 ? Buffer.from([i % 256]) : `s${i}`),
          ),
        );
        results.forEach((r, i) =>
          assert.deepEqual(normalize(r), normalize([i, i % 3 === 0 ? Buffer.from([i % 256]) : `s${i}`])),
        );
      });
    });
  }
});

describe('heartbeat (pingInterval 300 ms, pingTimeout 200 ms)', () => {
  let srv;
  before(async () => {
    srv = await startServer(CONFORMANCE_BIN, ['--ping-interval-ms', '300', '--ping-timeout-ms', '200']);
  });
  after(async () => {
    closeAll();
    await srv?.stop();
  });
  afterEach(closeAll);

  for (const cfg of CONFIGS) {
    test(`${cfg.name}: the client answers pings and stays connected`, TEST, async () => {
      const [socket] = await connectRoot(srv.url, cfg);
      let reason = null;
      socket.on('disconnect', (r) => (reason = r));
      // Five server pings arrive ~300 ms apart; the session outlives interval + timeout many times.
      await collect(socket.io, 'ping', 5, 4000);
      assert.equal(reason, null, `disconnected: ${reason}`);
      assert.equal(socket.connected, true);
      const back = once(socket, 'message-back', T);
      socket.emit('message', 'alive');
      assert.deepEqual(await back, ['alive']);
    });
  }

  test('a client that stops answering pings is closed by the server', TEST, async () => {
    const socket = client(srv.url, CONFIGS[1]);
    await once(socket, 'connect', T, { rejectOn: ['connect_error'] });
    // Drop outgoing pongs at the engine: the server must time the session out.
    const engine = socket.io.engine;
    const write = engine.transport.write.bind(engine.transport);
    engine.transport.write = (packets) => write(packets.filter((p) => p.type !== 'pong'));
    // The client also times out the server if pings stop; either way the session ends.
    const [reason] = await once(socket, 'disconnect', 3000);
    assert.ok(['transport close', 'ping timeout'].includes(reason), `reason: ${reason}`);
  });
});

describe('max payload (--max-payload 2000)', () => {
  let srv;
  before(async () => {
    srv = await startServer(CONFORMANCE_BIN, [...QUIET_HEARTBEAT, '--max-payload', '2000']);
  });
  after(async () => {
    closeAll();
    await srv?.stop();
  });
  afterEach(closeAll);

  for (const cfg of CONFIGS) {
    test(`${cfg.name}: a message under the limit passes, a 10 kB one disconnects`, TEST, async () => {
      const [socket] = await connectRoot(srv.url, cfg);
      const small = 'y'.repeat(1000);
      const back = once(socket, 'message-back', T);
      socket.emit('message', small);
      assert.deepEqual(await back, [small]);

      let echoed = false;
      socket.on('message-back', () => (echoed = true));
      const gone = once(socket, 'disconnect', T);
      socket.emit('message', 'x'.repeat(10_000));
      const [reason] = await gone;
      assert.ok(['transport close', 'transport error'].includes(reason), `reason: ${reason}`);
      assert.equal(echoed, false, 'the oversized message was not echoed');
    });
  }

  test('handshake advertises maxPayload 2000', TEST, async () => {
    const res = await request(`${srv.url}/socket.io/?EIO=4&transport=polling`);
    assert.equal(res.status, 200);
    const body = res.body.toString();
    assert.equal(body[0], '0');
    assert.equal(JSON.parse(body.slice(1)).maxPayload, 2000);
  });

  test('raw polling: an oversized POST gets 413 and closes the session', TEST, async () => {
    const hs = await request(`${srv.url}/socket.io/?EIO=4&transport=polling`);
    assert.equal(hs.status, 200);
    const { sid } = JSON.parse(hs.body.toString().slice(1));
    const base = `${srv.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
    const ok = await request(base, { method: 'POST', body: '40', headers: { 'content-type': 'text/plain;charset=UTF-8' } });
    assert.equal(ok.status, 200);
    const connected = await request(base);
    assert.equal(connected.status, 200);
    assert.match(connected.body.toString(), /^40\{"sid":/);

    const big = await request(base, {
      method: 'POST',
      body: `42["message","${'x'.repeat(10_000)}"]`,
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
    }).catch((e) => ({ status: `no HTTP response (${e.message})` }));
    assert.equal(big.status, 413);

    // A session that is still open would hold this GET for the 25 s ping interval.
    const after413 = await request(base, {}, 2000).catch((e) => ({ status: `no answer (${e.message})`, body: '' }));
    const closed =
      after413.status === 400 || (after413.status === 200 && /(^|\x1e)1($|\x1e)/.test(after413.body.toString()));
    assert.ok(closed, `session still open after 413: ${after413.status} ${after413.body}`);
  });
});

describe('reconnection after a server restart on the same port', () => {
  for (const cfg of CONFIGS) {
    test(`${cfg.name}: the client reconnects to the restarted server`, { timeout: 20000 }, async () => {
      let srv = await startServer(CONFORMANCE_BIN, QUIET_HEARTBEAT);
      try {
        const port = srv.port;
        const socket = track(
          io(srv.url, {
            forceNew: true,
            ...cfg.opts,
            auth: { token: 'abc' },
            reconnection: true,
            reconnectionDelay: 50,
            reconnectionDelayMax: 200,
            randomizationFactor: 0,
          }),
        );
        await Promise.all([once(socket, 'auth', T), once(socket, 'connect', T, { rejectOn: ['connect_error'] })]);
        await waitUpgraded(socket, cfg);

        const gone = once(socket, 'disconnect', T);
        await srv.stop();
        const [reason] = await gone;
        assert.ok(['transport close', 'transport error'].includes(reason), `reason: ${reason}`);

        const back = Promise.all([once(socket, 'auth', 10000), once(socket, 'connect', 10000)]);
        srv = await startServer(CONFORMANCE_BIN, [...QUIET_HEARTBEAT, '--listen', `127.0.0.1:${port}`]);
        assert.equal(srv.port, port);
        const [[auth]] = await back;
        assert.deepEqual(auth, { token: 'abc' });
        const echo = once(socket, 'message-back', T);
        socket.emit('message', 'after restart');
        assert.deepEqual(await echo, ['after restart']);
      } finally {
        closeAll();
        await srv.stop();
      }
    });
  }
});
