// The real socket.io-client v2 (Engine.IO v3, `allowEIO3`) against txrt-conformance: polling
// upgraded to WebSocket, WebSocket only, polling only; plus EIO3 binary polling payloads.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import ioV2 from 'socket.io-client-v2';
import { startServer } from './lib/server.mjs';
import { once, collect, never, emitAck } from './lib/wait.mjs';
import { request } from './lib/http.mjs';
import { CONFORMANCE_BIN, normalize, isBinary, toBuffer, sampleBinary, MIXED_ARGS } from './lib/values.mjs';

// The Engine.IO v3 / Socket.IO v4-protocol codecs that socket.io-client v2 itself uses.
const requireV2 = createRequire(createRequire(import.meta.url).resolve('socket.io-client-v2'));
const eioParser3 = requireV2('engine.io-parser');
const sioParser3 = requireV2('socket.io-parser');

const QUIET_HEARTBEAT = ['--ping-interval-ms', '25000', '--ping-timeout-ms', '20000'];
const T = 5000;
const TEST = { timeout: 15000 };

const CONFIGS = [
  { name: 'polling then websocket upgrade', opts: {}, final: 'websocket', upgrade: true },
  { name: 'websocket only', opts: { transports: ['websocket'] }, final: 'websocket' },
  // In Node, v2 polls with b64=1 (base64 binary packets); see the raw binary-payload test below.
  { name: 'polling only', opts: { transports: ['polling'] }, final: 'polling' },
];

const open = new Set();
function client(url, cfg, opts = {}) {
  const s = ioV2(url, { forceNew: true, reconnection: false, ...cfg.opts, ...opts });
  open.add(s);
  return s;
}
function closeAll() {
  for (const s of open) {
    s.io.reconnection(false);
    s.close();
    s.io.engine?.close();
  }
  open.clear();
}

async function waitUpgraded(socket, cfg) {
  if (!cfg.upgrade) return;
  const engine = socket.io.engine;
  if (engine.transport.name !== 'websocket') await once(engine, 'upgrade', T, { rejectOn: ['upgradeError', 'close'] });
  assert.equal(engine.transport.name, 'websocket');
}

// socket.io-client v2 quirk: if connect() is called before the engine closed by disconnect()
// has emitted 'close', the old engine's close handler tears down the new engine's listeners.
// Wait for the old engine to be closed first (a client-library bug, not a server matter).
async function engineClosed(socket) {
  const engine = socket.io.engine;
  if (engine && engine.readyState !== 'closed') await once(engine, 'close', T);
}

async function connectRoot(url, cfg, opts = {}) {
  const socket = client(url, cfg, opts);
  const [[auth]] = await Promise.all([
    once(socket, 'auth', T),
    once(socket, 'connect', T, { rejectOn: ['connect_error', 'error'] }),
  ]);
  await waitUpgraded(socket, cfg);
  return [socket, auth];
}

async function connectNsp(url, cfg, opts = {}) {
  const socket = client(url, cfg, opts);
  await once(socket, 'connect', T, { rejectOn: ['connect_error', 'error'] });
  await waitUpgraded(socket, cfg);
  return socket;
}

describe('socket.io-client v2 (EIO3)', () => {
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
      test('connects to / and receives auth {}', TEST, async () => {
        const [socket, auth] = await connectRoot(srv.url, cfg);
        assert.deepEqual(auth, {});
        assert.equal(socket.connected, true);
        assert.equal(socket.io.engine.transport.name, cfg.final);
        assert.equal(socket.io.engine.transport.query.EIO, 3);
      });

      test('message -> message-back with mixed arguments (unicode included)', TEST, async () => {
        const [socket] = await connectRoot(srv.url, cfg);
        const back = once(socket, 'message-back', T);
        socket.emit('message', ...MIXED_ARGS);
        assert.deepEqual(await back, MIXED_ARGS);
        // Several packets in one polling payload: EIO3 length prefixes count UTF-16 units.
        const many = collect(socket, 'message-back', 3, T);
        socket.emit('message', '😀😀 first');
        socket.emit('message', 'é second');
        socket.emit('message', 'third');
        assert.deepEqual(await many, [['😀😀 first'], ['é second'], ['third']]);
      });

      test('client -> server ack (message-with-ack)', TEST, async () => {
        const [socket] = await connectRoot(srv.url, cfg);
        assert.deepEqual(await emitAck(socket, T, 'message-with-ack', ...MIXED_ARGS), MIXED_ARGS);
        const results = await Promise.all(
          Array.from({ length: 30 }, (_, i) => emitAck(socket, T, 'message-with-ack', i, `n${i}`)),
        );
        results.forEach((r, i) => assert.deepEqual(r, [i, `n${i}`]));
      });

      test('server -> client ack on /test', TEST, async () => {
        const socket = await connectNsp(`${srv.url}/test`, cfg);
        let received;
        socket.on('please-answer', (...args) => {
          const ack = args.pop();
          assert.equal(typeof ack, 'function');
          received = args;
          ack('answer', { n: 1 }, [2]);
        });
        const result = once(socket, 'server-ack-result', T);
        socket.emit('server-ack', 'please-answer', 'q', 2);
        assert.deepEqual(await result, ['answer', { n: 1 }, [2]]);
        assert.deepEqual(received, ['q', 2]);
      });

      test('/test echo and echo-ack', TEST, async () => {
        const socket = await connectNsp(`${srv.url}/test`, cfg);
        const echo = once(socket, 'echo', T);
        socket.emit('echo', 'hi', { a: [1, 2] });
        assert.deepEqual(await echo, ['hi', { a: [1, 2] }]);
        assert.deepEqual(await emitAck(socket, T, 'echo-ack', 'x', 3), ['x', 3]);
      });

      test('binary both ways, nested, and in acks', TEST, async () => {
        const [socket] = await connectRoot(srv.url, cfg);
        const bin = sampleBinary();
        const args = [bin, 'text', { nested: Buffer.from([0, 255, 10, 13]), list: [Buffer.from('abc')] }];
        const back = once(socket, 'message-back', T);
        socket.emit('message', ...args);
        const got = await back;
        assert.ok(isBinary(got[0]) && isBinary(got[2].nested) && isBinary(got[2].list[0]));
        assert.ok(toBuffer(got[0]).equals(bin));
        assert.deepEqual(normalize(got), normalize(args));

        const big = sampleBinary(50_000);
        const bigBack = once(socket, 'message-back', T);
        socket.emit('message', big);
        const [gotBig] = await bigBack;
        assert.ok(toBuffer(gotBig).equals(big), '50 kB binary echoed');

        const acked = await emitAck(socket, T, 'message-with-ack', { b: Buffer.from('ack') }, Buffer.from([1, 2]));
        assert.deepEqual(normalize(acked), normalize([{ b: Buffer.from('ack') }, Buffer.from([1, 2])]));
      });

      test('binary in a server -> client ack', TEST, async () => {
        const socket = await connectNsp(`${srv.url}/test`, cfg);
        let received;
        socket.on('bin-question', (...args) => {
          const ack = args.pop();
          received = args;
          ack(Buffer.from('reply'), { deep: Buffer.from([7]) });
        });
        const result = once(socket, 'server-ack-result', T);
        socket.emit('server-ack', 'bin-question', Buffer.from('question'));
        assert.deepEqual(normalize(await result), normalize([Buffer.from('reply'), { deep: Buffer.from([7]) }]));
        assert.deepEqual(normalize(received), normalize([Buffer.from('question')]));
      });

      test('unknown namespace is refused', TEST, async () => {
        const socket = client(`${srv.url}/does-not-exist`, cfg);
        const [err] = await once(socket, 'error', T, { rejectOn: ['connect'] });
        const message = typeof err === 'string' ? err : err?.message;
        assert.equal(message, 'Invalid namespace');
      });

      test('client disconnect, then connect again', TEST, async () => {
        const [socket] = await connectRoot(srv.url, cfg);
        const gone = once(socket, 'disconnect', T);
        socket.disconnect();
        assert.equal((await gone)[0], 'io client disconnect');
        assert.equal(socket.connected, false);
        await engineClosed(socket);

        const again = Promise.all([once(socket, 'auth', T), once(socket, 'connect', T, { rejectOn: ['connect_error'] })]);
        socket.connect();
        const [[auth]] = await again;
        assert.deepEqual(auth, {});
        await waitUpgraded(socket, cfg);
        const back = once(socket, 'message-back', T);
        socket.emit('message', 'second life');
        assert.deepEqual(await back, ['second life']);
      });

      test('server-side disconnect-me on /test, then connect again', TEST, async () => {
        const socket = await connectNsp(`${srv.url}/test`, cfg);
        const gone = once(socket, 'disconnect', T);
        socket.emit('disconnect-me');
        assert.equal((await gone)[0], 'io server disconnect');
        assert.equal(socket.connected, false);
        await engineClosed(socket);
        const again = once(socket, 'connect', T, { rejectOn: ['connect_error'] });
        socket.connect();
        await again;
        const echo = once(socket, 'echo', T);
        socket.emit('echo', 'back again');
        assert.deepEqual(await echo, ['back again']);
      });

      test('/ and /test multiplexed on one connection', TEST, async () => {
        const root = client(srv.url, cfg);
        const testNsp = root.io.socket('/test');
        open.add(testNsp);
        await Promise.all([
          once(root, 'auth', T),
          once(root, 'connect', T, { rejectOn: ['connect_error', 'error'] }),
          once(testNsp, 'connect', T, { rejectOn: ['connect_error', 'error'] }),
        ]);
        const rootSilent = never(root, 'echo', 300);
        const echo = once(testNsp, 'echo', T);
        testNsp.emit('echo', 'only-test');
        assert.deepEqual(await echo, ['only-test']);
        await rootSilent;
        const back = once(root, 'message-back', T);
        root.emit('message', 'only-root');
        assert.deepEqual(await back, ['only-root']);
      });

      test('300 messages come back in order', TEST, async () => {
        const socket = client(srv.url, cfg);
        const N = 300;
        const all = collect(socket, 'message-back', N, 10000);
        for (let i = 0; i < N; i++) socket.emit('message', i, i % 10 === 0 ? Buffer.from([i % 256]) : `p${i}`);
        const got = await all;
        got.forEach((args, i) =>
          assert.deepEqual(normalize(args), normalize([i, i % 10 === 0 ? Buffer.from([i % 256]) : `p${i}`])),
        );
      });
    });
  }
});

// In Node, socket.io-client v2 always polls with b64=1 (its XMLHttpRequest has no binary
// responses), so the binary payload form that browsers use is driven here with v2's own codecs.
describe('EIO3 polling binary payloads (as browsers send them)', () => {
  let srv;
  before(async () => {
    srv = await startServer(CONFORMANCE_BIN, QUIET_HEARTBEAT);
  });
  after(async () => {
    await srv?.stop();
  });

  const encodeSio = (packet) => new Promise((resolve) => new sioParser3.Encoder().encode(packet, resolve));
  const encodeBinaryPayload = (packets) => new Promise((resolve) => eioParser3.encodePayloadAsBinary(packets, resolve));
  function decodePayload(body, isBinary) {
    const packets = [];
    const data = isBinary ? body : body.toString('utf8');
    eioParser3.decodePayload(data, 'nodebuffer', (packet) => {
      packets.push(packet);
    });
    return packets;
  }

  test('a binary event POSTed as an octet-stream payload comes back as one', TEST, async () => {
    const hs = await request(`${srv.url}/socket.io/?EIO=3&transport=polling`);
    assert.equal(hs.status, 200);
    const [openPacket] = decodePayload(hs.body, false);
    assert.equal(openPacket.type, 'open');
    const { sid } = JSON.parse(openPacket.data);
    const url = `${srv.url}/socket.io/?EIO=3&transport=polling&sid=${sid}`;

    const bin = sampleBinary(200);
    const text = 'é😀 text';
    const encoded = await encodeSio({ type: sioParser3.BINARY_EVENT, nsp: '/', data: ['message', bin, text] });
    assert.equal(encoded.length, 2, 'one text packet + one attachment');
    const body = await encodeBinaryPayload(encoded.map((data) => ({ type: 'message', data })));
    const post = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(post.status, 200);

    // Poll until the message-back event is decoded (the first poll may carry only "40" / auth).
    const decoder = new sioParser3.Decoder();
    const events = [];
    decoder.on('decoded', (p) => events.push(p));
    let sawBinaryPayload = false;
    for (let i = 0; i < 5 && !events.some((e) => e.data?.[0] === 'message-back'); i++) {
      const res = await request(url, {}, 3000);
      assert.equal(res.status, 200);
      const isBinaryPayload = /octet-stream/.test(res.headers['content-type'] ?? '');
      if (isBinaryPayload) sawBinaryPayload = true;
      for (const p of decodePayload(res.body, isBinaryPayload)) {
        if (p.type === 'message') decoder.add(p.data);
        assert.notEqual(p.type, 'error', `undecodable payload: ${res.body.toString('hex').slice(0, 200)}`);
      }
    }
    const back = events.find((e) => e.data?.[0] === 'message-back');
    assert.ok(back, `no message-back; got ${JSON.stringify(events.map((e) => e.data))}`);
    assert.ok(sawBinaryPayload, 'the server answered a binary-capable poll with an octet-stream payload');
    assert.equal(back.type, sioParser3.BINARY_EVENT);
    assert.deepEqual(normalize(back.data), normalize(['message-back', bin, text]));
    await request(url, { method: 'POST', body: '1:1', headers: { 'content-type': 'text/plain;charset=UTF-8' } });
  });
});

describe('EIO3 heartbeat (client pings, pingInterval 300 ms)', () => {
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
    test(`${cfg.name}: the server answers the client's pings`, TEST, async () => {
      const [socket] = await connectRoot(srv.url, cfg);
      let reason = null;
      socket.on('disconnect', (r) => (reason = r));
      await collect(socket.io, 'pong', 4, 4000);
      assert.equal(reason, null, `disconnected: ${reason}`);
      const back = once(socket, 'message-back', T);
      socket.emit('message', 'alive');
      assert.deepEqual(await back, ['alive']);
    });
  }
});

describe('--allow-eio3 false', () => {
  let srv;
  before(async () => {
    srv = await startServer(CONFORMANCE_BIN, [...QUIET_HEARTBEAT, '--allow-eio3', 'false']);
  });
  after(async () => {
    closeAll();
    await srv?.stop();
  });
  afterEach(closeAll);

  for (const cfg of CONFIGS) {
    test(`${cfg.name}: a v2 client cannot connect`, TEST, async () => {
      const socket = client(srv.url, cfg);
      await once(socket, 'connect_error', T, { rejectOn: ['connect'] });
      assert.equal(socket.connected, false);
    });
  }

  test('an EIO=3 polling handshake is refused with HTTP 400', TEST, async () => {
    const res = await request(`${srv.url}/socket.io/?EIO=3&transport=polling`);
    assert.equal(res.status, 400);
    const ok = await request(`${srv.url}/socket.io/?EIO=4&transport=polling`);
    assert.equal(ok.status, 200, 'EIO=4 still accepted');
    assert.match(ok.body.toString(), /^0\{/);
  });
});
