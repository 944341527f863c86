// What txrt's own TLS costs (docs/tls.md): server CPU per delivered event and memory per
// connection, plain listener vs tls-cert/tls-key. N socket.io-client v4 WebSocket clients
// subscribed to PBX customer-north-2, E events (~300 bytes) published one at a time through
// POST /events over one keep-alive connection, all received by all; the server on one thread.
//   TXRT_BIN=build/txrt N=200 E=400 node bench/tls_cost.mjs
// Loopback only; the client is node (its own TLS work is not measured: only the server's CPU,
// from /proc, and its RSS growth while the clients connect).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { io } from 'socket.io-client';
import { startApp, SECRET } from '../tests/integration/lib/app.mjs';
import http from 'node:http';
import https from 'node:https';
// Publishes over one keep-alive connection: the handshakes of the publisher are not measured.
const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 1 }), https: new https.Agent({ keepAlive: true, maxSockets: 1 }) };
function request(url, { method, headers, body, ca }) {
  const tlsOn = url.startsWith('https:');
  return new Promise((resolve, reject) => {
    const req = (tlsOn ? https : http).request(url, { method, headers, agent: tlsOn ? agents.https : agents.http, ca }, (res) => {
      res.resume(); res.on('end', () => resolve({ status: res.statusCode }));
    });
    req.on('error', reject); req.end(body);
  });
}

const N = Number(process.env.N || 200), E = Number(process.env.E || 300);
// A test CA and a certificate for 127.0.0.1 (P-256), made with the openssl CLI.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txrt-tls-cost-'));
{
  const run = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...key, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=txrt bench CA');
  run('req', ...key, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem',
    '-days', '1', '-extfile', 'ext.cnf');
}
const ca = fs.readFileSync(`${dir}/ca.pem`);
const cpuParts = (pid) => { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return [Number(f[11]) / 100, Number(f[12]) / 100]; };
const cpu = (pid) => { const [u, s] = cpuParts(pid); return u + s; };
const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

async function run(tlsOn) {
  const args = ['--publish-secret', SECRET, '--threads', '1'];
  if (tlsOn) args.push('--tls-cert', `${dir}/server.pem`, '--tls-key', `${dir}/server.key`);
  const srv = await startApp(args);
  const rss0 = rss(srv.pid);
  let received = 0;
  const socks = [];
  for (let i = 0; i < N; i++) {
    const s = io(srv.url, { forceNew: true, reconnection: false, transports: ['websocket'], ca });
    socks.push(s);
    await new Promise((res, rej) => { s.once('connect', res); s.once('connect_error', rej); });
    await new Promise((res) => s.emit('authenticate', { token: 'demo-viewer' }, res));
    await new Promise((res) => s.emit('subscribe', { type: 'PBX', customer: 'customer-north-2' }, res));
    s.on('PBX', () => { received++; });
  }
  const rss1 = rss(srv.pid);
  const p0 = cpuParts(srv.pid); const c0 = cpu(srv.pid), t0 = Date.now();
  for (let e = 0; e < E; e++) {
    const r = await request(`${srv.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` }, body: JSON.stringify({ type: 'PBX', customer: 'customer-north-2', event: { event: 'X', n: e, pad: 'x'.repeat(200) } }), ca });
    if (r.status !== 202) throw new Error(String(r.status));
  }
  const deadline = Date.now() + 60000;
  while (received < N * E && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const p1 = cpuParts(srv.pid); const c1 = cpu(srv.pid), t1 = Date.now();
  for (const s of socks) s.close();
  await srv.stop();
  return { tls: tlsOn, received, expected: N * E, cpu_s: +(c1 - c0).toFixed(2), us_per_delivery: +(((c1 - c0) * 1e6) / received).toFixed(2), user_us: +(((p1[0] - p0[0]) * 1e6) / received).toFixed(2), sys_us: +(((p1[1] - p0[1]) * 1e6) / received).toFixed(2), wall_ms: t1 - t0, rss_per_conn_kib: +((rss1 - rss0) / N).toFixed(1) };
}
if (!process.env.ONLY_TLS) console.log(JSON.stringify(await run(false)));
console.log(JSON.stringify(await run(true)));
fs.rmSync(dir, { recursive: true, force: true });
process.exit(0);
