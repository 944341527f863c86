// One HTTP request on its own connection (no keep-alive pool left open), bounded in time.
// An https:// URL is requested over TLS, verified against `ca` (PEM) when given.
import http from 'node:http';
import https from 'node:https';

export function request(url, { method = 'GET', headers = {}, body, ca } = {}, ms = 5000) {
  const client = url.startsWith('https:') ? https : http;
  const tls = ca === undefined ? {} : { ca };
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method, headers, agent: false, timeout: ms, ...tls }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out after ${ms} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

// GET /metrics as a Map from "name{labels}" to its value.
export async function scrapeSamples(url, ms = 3000, { ca } = {}) {
  const res = await request(`${url}/metrics`, { ca }, ms);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const samples = new Map();
  for (const line of res.body.toString().split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) samples.set(m[1], Number(m[2]));
  }
  return samples;
}
