// Wire-level helpers for the integration tests: bounded HTTP requests and a
// raw WebSocket client that queues every frame it receives so that tests can
// await "the next frame" (or the close) with a deadline.
import http from 'node:http';
import WebSocket from 'ws';

export const RS = '\x1e'; // Engine.IO v4 polling record separator

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Resolves/rejects like `promise`, but rejects after `ms` with a message naming `what`.
export function withDeadline(promise, ms, what) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

// One HTTP request with global fetch (keep-alive agent, like the suites' client).
// Returns { status, body (UTF-8 text), headers, ms (elapsed) }.
export async function httpReq(url, { method = 'GET', body, timeoutMs = 3000 } = {}) {
  const started = Date.now();
  const res = await fetch(url, { method, body, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  return { status: res.status, body: text, headers: res.headers, ms: Date.now() - started };
}

// Starts a GET on its own TCP connection (no agent) so the test can abort it
// mid-flight. Resolves `sent` once the request bytes are flushed to the socket.
export function abortableGet(url) {
  const req = http.get(url, { agent: false });
  req.on('error', () => {}); // the abort itself surfaces as an error; expected
  const sent = new Promise((resolve, reject) => {
    req.on('finish', resolve);
    req.on('error', reject);
  });
  return { req, sent, abort: () => req.destroy() };
}

function toBuffer(data) {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (Array.isArray(data)) return Buffer.concat(data.map(toBuffer));
  return Buffer.from(data);
}

// Raw WebSocket client. Every received frame is recorded in `frames` as
// { binary: false, data: '<text>' } or { binary: true, data: <Buffer> }.
// With autoPong, a text frame `2` is answered `3` as soon as it arrives.
export class WsClient {
  constructor(url, { binaryType = 'nodebuffer', autoPong = false } = {}) {
    this.url = url;
    this.autoPong = autoPong;
    this.frames = []; // every frame ever received, in order
    this.pending = []; // frames not yet consumed by next()
    this.waiters = [];
    this.closed = false;
    this.closeInfo = null;
    this.errors = [];
    this.createdAt = Date.now();
    this.ws = new WebSocket(url);
    this.ws.binaryType = binaryType;
    this.openPromise = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('close', () => reject(new Error(`websocket closed before opening (${url})`)));
    });
    this.openPromise.catch(() => {});
    this.closePromise = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => {
        this.closed = true;
        this.closeInfo = { code, reason: reason.toString(), at: Date.now() };
        resolve(this.closeInfo);
        this._wake();
      });
    });
    this.ws.on('error', (err) => this.errors.push(err));
    this.ws.on('message', (data, isBinary) => {
      const frame = isBinary
        ? { binary: true, data: toBuffer(data) }
        : { binary: false, data: toBuffer(data).toString('utf8') };
      this.frames.push(frame);
      if (this.autoPong && !frame.binary && frame.data === '2') this.send('3');
      this.pending.push(frame);
      this._wake();
    });
  }

  _wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  opened(ms = 2000) {
    return withDeadline(this.openPromise, ms, `websocket open (${this.url})`);
  }

  send(data) {
    this.ws.send(data);
  }

  // Next unconsumed frame. With skipPings, text frames `2` are consumed and skipped.
  // Rejects if the socket closes first or the deadline passes.
  async next(ms = 1000, { skipPings = false } = {}) {
    const deadline = Date.now() + ms;
    for (;;) {
      while (this.pending.length > 0) {
        const frame = this.pending.shift();
        if (skipPings && !frame.binary && frame.data === '2') continue;
        return frame;
      }
      if (this.closed) throw new Error(`websocket closed (code ${this.closeInfo.code}) while waiting for a frame`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${ms} ms`);
      await withDeadline(new Promise((resolve) => this.waiters.push(resolve)), left, 'a websocket frame').catch(() => {});
    }
  }

  // Next frame, which must be text; returns the text.
  async nextText(ms = 1000, opts = {}) {
    const frame = await this.next(ms, opts);
    if (frame.binary) throw new Error(`expected a text frame, got binary ${frame.data.toString('hex')}`);
    return frame.data;
  }

  // Next frame, which must be binary; returns the Buffer.
  async nextBinary(ms = 1000, opts = {}) {
    const frame = await this.next(ms, opts);
    if (!frame.binary) throw new Error(`expected a binary frame, got text ${JSON.stringify(frame.data)}`);
    return frame.data;
  }

  // Resolves with { code, reason, at } when the TCP connection is closed; rejects after ms.
  waitClose(ms = 2000) {
    return withDeadline(this.closePromise, ms, `websocket close (${this.url})`);
  }

  terminate() {
    if (!this.closed) this.ws.terminate();
  }
}

// Tracks clients so an afterEach hook can terminate whatever a test left open.
export function clientPool() {
  const clients = new Set();
  return {
    ws(url, opts) {
      const c = new WsClient(url, opts);
      clients.add(c);
      return c;
    },
    closeAll() {
      for (const c of clients) c.terminate();
      clients.clear();
    },
  };
}

// Parses an Engine.IO open packet `0{...}`; throws (assertion-style) otherwise.
export function parseOpenPacket(text) {
  if (typeof text !== 'string' || text[0] !== '0') throw new Error(`not an open packet: ${JSON.stringify(text)}`);
  return JSON.parse(text.slice(1));
}
