// Reads `perf script --show-mmap-events -F ip,sym,dso` of one process on stdin and splits its
// user-mode samples into the program's own work and the samples that sit on the instruction
// right after a `syscall`.
//
// Why: on this VM (PVM) a timer interrupt that falls due while the kernel runs with interrupts
// off is delivered when the system call returns to user mode, so perf's sample, and the
// kernel's tick accounting behind /proc/<pid>/stat's utime alike, charge kernel time to the
// user instruction after the `syscall` (measured: 90 % of epoll_wait's user samples sit there).
// A program that only makes system calls is charged "user" time for them.
//
//   node bench/node/split_user.mjs --deliveries N --frequency HZ [--top K] < perf-script.txt
//
// Prints one JSON object: sample counts, the user CPU µs per delivery in total, at a syscall
// return and in the program's own work, and the own work's heaviest symbols.
import { openSync, readSync, closeSync } from 'node:fs';
import { createInterface } from 'node:readline';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} needs a number of at least 0`);
  return value;
}
const deliveries = option('deliveries');
const frequency = option('frequency');
const top = option('top', 12);
if (!deliveries || !frequency) throw new Error('--deliveries and --frequency are required');

// Executable mappings: [start, end, file offset, path]. A sampled address maps to the byte of
// its file at (ip - start + offset).
const maps = [];
const mmap = /PERF_RECORD_MMAP2? [^[]*\[0x([0-9a-f]+)\(0x([0-9a-f]+)\) @ 0x([0-9a-f]+)[^\]]*\]: r-xp (\S+)/;
const files = new Map();  // path -> fd (or -1 when unreadable)
function bytesBefore(path, offset) {
  if (!files.has(path)) {
    let fd = -1;
    try { fd = openSync(path, 'r'); } catch { /* a vanished or special mapping */ }
    files.set(path, fd);
  }
  const fd = files.get(path);
  if (fd < 0 || offset < 2) return null;
  const b = Buffer.alloc(2);
  return readSync(fd, b, 0, 2, offset - 2) === 2 ? b : null;
}
const syscallReturn = new Map();  // "path:offset" -> bool, cached

let kernel = 0, atSyscall = 0, own = 0, unknown = 0;
const ownBySymbol = new Map();
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const m = mmap.exec(line);
  if (m) {
    const start = BigInt('0x' + m[1]);
    maps.push([start, start + BigInt('0x' + m[2]), BigInt('0x' + m[3]), m[4]]);
    continue;
  }
  const sample = /^\s*([0-9a-f]+)\s+(.*?)\s+\(([^)]*)\)\s*$/.exec(line);
  if (!sample) continue;
  const ip = BigInt('0x' + sample[1]);
  if (ip >= 0xffff800000000000n) { ++kernel; continue; }
  const map = maps.find(([s, e]) => ip >= s && ip < e);
  if (!map) { ++unknown; continue; }
  const offset = Number(ip - map[0] + map[2]);
  const key = `${map[3]}:${offset}`;
  if (!syscallReturn.has(key)) {
    const b = bytesBefore(map[3], offset);
    syscallReturn.set(key, b !== null && b[0] === 0x0f && b[1] === 0x05);
  }
  if (syscallReturn.get(key)) { ++atSyscall; continue; }
  ++own;
  const dso = map[3].split('/').pop();
  const symbol = `${dso} ${sample[2] === '[unknown]' ? '?' : sample[2]}`;
  ownBySymbol.set(symbol, (ownBySymbol.get(symbol) ?? 0) + 1);
}
for (const fd of files.values()) if (fd >= 0) closeSync(fd);

const us = (samples) => Number(((samples / frequency) * 1e6 / deliveries).toFixed(3));
const user = atSyscall + own + unknown;
console.log(JSON.stringify({
  samples: { kernel, user, at_syscall_return: atSyscall, own, unmapped: unknown },
  us_per_delivery: {
    kernel: us(kernel), user: us(user), user_at_syscall_return: us(atSyscall),
    user_own: us(own + unknown),
  },
  own_top: [...ownBySymbol.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([symbol, n]) => ({ symbol: symbol.slice(0, 110), us_per_delivery: us(n) })),
}, null, 1));
