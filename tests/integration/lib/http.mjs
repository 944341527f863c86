// One HTTP request on its own connection (no keep-alive pool left open), bounded in time.
import http from 'node:http';

export function request(url, { method = 'GET', headers = {}, body } = {}, ms = 5000) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false, timeout: ms }, (res) => {
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
