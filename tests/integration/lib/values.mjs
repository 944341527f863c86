// Helpers to compare socket.io payloads that contain binary data.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CONFORMANCE_BIN =
  process.env.TXRT_CONFORMANCE_BIN || path.join(ROOT, 'build', 'txrt-conformance');

export function isBinary(v) {
  return Buffer.isBuffer(v) || v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}

export function toBuffer(v) {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw new TypeError(`not binary: ${typeof v}`);
}

// Replaces every binary value by { $bin: hex } so that deepStrictEqual compares bytes, whatever
// binary type the client library hands back (Buffer or ArrayBuffer). A binary that came back as
// JSON ({ type: 'Buffer', data: [...] }), base64 or a placeholder does not normalize the same.
export function normalize(v) {
  if (isBinary(v)) return { $bin: toBuffer(v).toString('hex') };
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') {
    const out = {};
    for (const [k, val] of Object.entries(v)) out[k] = normalize(val);
    return out;
  }
  return v;
}

// Every byte value, then some random bytes.
export function sampleBinary(n = 300) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = i % 256;
  return Buffer.concat([b, randomBytes(64)]);
}

// JSON-only values of every kind socket.io carries (undefined is not one of them).
export const MIXED_ARGS = [
  'hello',
  42,
  -3.25,
  true,
  false,
  null,
  { nested: { arr: [1, '2', { x: null }], empty: {} }, list: [] },
  ['a', 'b', ['c']],
  'ünïcödé ✓ 😀 "quotes" \\ backslash \n newline , comma',
  '',
];
