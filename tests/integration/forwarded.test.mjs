// X-Forwarded-For behind trusted proxies (SPEC §6, issue "tenant isolation"): every header line
// of that name is one list walked from the right, so a client cannot put its own line before the
// one its proxy appends; trusted-proxies accepts CIDR ranges; a malformed entry stops start-up.
// The IP-bound demo token `demo-bound` (bound to 203.0.113.7) shows which address the server
// believed. Only loopback addresses are used.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  TXRT_BIN, T, startApp, socketPool, connected, authenticate, authenticateFails,
} from './lib/app.mjs';
import { withTimeout } from './lib/wait.mjs';

const TEST = { timeout: 20000 };
const BOUND_TO = '203.0.113.7';

describe('X-Forwarded-For: every header line counts', () => {
  let srv;
  const pool = socketPool();
  before(async () => {
    srv = await startApp(['--trusted-proxies', '127.0.0.1']);
  });
  after(() => srv?.stop());
  afterEach(() => pool.closeAll());

  // Node's HTTP client sends an array header value as one line per element.
  const lines = (...values) => ({ extraHeaders: { 'X-Forwarded-For': values } });

  for (const transports of [['websocket'], ['polling']]) {
    test(`a client's own line before the proxy's does not forge its address (${transports})`, TEST, async () => {
      // Positive control: the proxy's one line names the bound address, which is believed.
      const honest = await connected(pool.v4(srv.url, { ...lines(BOUND_TO), transports }));
      assert.equal((await authenticate(honest, { token: 'demo-bound' })).ack.success, true);

      // The client sent X-Forwarded-For: 203.0.113.7 itself; the proxy appended the real
      // address in a second line. The rightmost untrusted hop is the real one.
      const forged = await connected(pool.v4(srv.url, { ...lines(BOUND_TO, '198.51.100.1'), transports }));
      const refusal = await authenticateFails(forged, [{ token: 'demo-bound' }]);
      assert.equal(refusal.ack.code, 'invalid_token', JSON.stringify(refusal.ack));
    });
  }
});

describe('trusted-proxies takes CIDR ranges', () => {
  let srv;
  const pool = socketPool();
  before(async () => {
    srv = await startApp(['--trusted-proxies', '127.0.0.0/8, ::1']);
  });
  after(() => srv?.stop());
  afterEach(() => pool.closeAll());

  test('a peer inside the range is a trusted proxy; chains of trusted hops are skipped', TEST, async () => {
    const via = (header, localAddress) => ({ extraHeaders: { 'X-Forwarded-For': header }, localAddress });
    const inRange = await connected(pool.v4(srv.url, via(`${BOUND_TO}, 127.0.0.9`, '127.0.0.3')));
    assert.equal((await authenticate(inRange, { token: 'demo-bound' })).ack.success, true);
    // 127.0.0.9 is trusted too, so the hop before it is the client: not the bound address.
    const other = await connected(pool.v4(srv.url, via('198.51.100.2, 127.0.0.9', '127.0.0.4')));
    assert.equal((await authenticateFails(other, [{ token: 'demo-bound' }])).ack.code, 'invalid_token');
  });
});

test('a malformed trusted-proxies entry stops start-up with exit 2, naming the key', TEST, async () => {
  const child = spawn(TXRT_BIN, ['--listen', '127.0.0.1:0', '--trusted-proxies', '10.0.0.0/33'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const code = await withTimeout(new Promise((resolve) => child.on('exit', resolve)), T,
    'txrt to exit on a bad trusted-proxies entry').finally(() => child.kill('SIGKILL'));
  assert.equal(code, 2, output);
  assert.match(output, /trusted-proxies: .*10\.0\.0\.0\/33/);
});

test('--check-config names a malformed trusted-proxies entry', TEST, async () => {
  const child = spawn(TXRT_BIN, ['--check-config', '--trusted-proxies', '127.0.0.1, 300.1.2.3'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const code = await withTimeout(new Promise((resolve) => child.on('exit', resolve)), T,
    'txrt --check-config to exit').finally(() => child.kill('SIGKILL'));
  assert.equal(code, 2, output);
  assert.match(output, /trusted-proxies: .*300\.1\.2\.3/);
});
