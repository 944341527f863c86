#!/usr/bin/env node
// The bookkeeping of bench/run: records each txrt-bench run and writes the Markdown report.
//
//   results.mjs add FILE --server S --workload W [--rate R] --exit N --command CMD --stdout PATH
//       appends one JSON line to FILE (the last JSON line of the run's stdout is its result) and
//       prints the verdict: `pass`, or `fail: <why>` (fanout/broadcast: exit 0, no loss, p99 of
//       latency <= 100 ms, at least 90 % of the asked rate published; broadcast-500ms the same
//       with p99 <= 500 ms).
//   results.mjs report FILE
//       prints docs/performance.md from FILE and the BENCH_* environment variables bench/run sets.
import { appendFileSync, readFileSync, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';

const P99_LIMIT_US = 100_000;
// broadcast-500ms: one event to 10 000 sessions in one room takes socket.io on Node or Bun more
// than 100 ms at any rate, so within 100 ms they have no figure at all; this bound gives one.
const P99_LIMIT_US_OF = { 'broadcast-500ms': 500_000 };
const STEPPED = new Set(['fanout', 'broadcast', 'broadcast-500ms']);
const SERVERS = [
  ['txrt', 'txrt'],
  ['txrt0', 'txrt, recovery off'],
  ['txrts', 'txrt, sendmsg per socket (io-uring off)'],
  ['txrtrv', 'txrt, revalidating every 5 s'],
  ['txrtz', 'txrt, compressed (permessage-deflate)'],
  ['node1', 'Node 1 process'],
  ['node2', 'Node 2 workers'],
  ['bun1', 'Bun 1 process'],
  ['bun', 'Bun 2 processes'],
  ['floor', 'floor'],
];
// The floor (bench/floor/) is no baseline to beat but the machine's cost of the same writes:
// it gets its own section (txrt ÷ floor), not a "×" column.
const FLOOR = 'floor';

function lastJson(text) {
  const lines = text.trim().split('\n').reverse();
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try { return JSON.parse(line); } catch { /* not the result line */ }
  }
  return null;
}

function verdict(rec) {
  if (rec.exit !== 0) return `fail: txrt-bench exited ${rec.exit}`;
  const r = rec.result;
  if (!r) return 'fail: no JSON result';
  if (r.sessions_ready !== undefined && r.sessions_ready < r.sessions) return `fail: ${r.sessions - r.sessions_ready} of ${r.sessions} sessions not ready`;
  if ((r.closed ?? 0) > 0) return `fail: ${r.closed} sessions closed after they were ready`;
  if (!STEPPED.has(rec.workload) && rec.workload !== 'broadcast-one') return 'pass';
  if ((r.lost ?? 0) > 0) return `fail: ${r.lost} lost`;
  if ((r.misrouted ?? 0) > 0) return `fail: ${r.misrouted} misrouted`;
  if ((r.reordered ?? 0) > 0) return `fail: ${r.reordered} reordered`;
  if (rec.workload === 'broadcast-one') return r.deliveries > 0 ? 'pass' : 'fail: nothing delivered';
  const p99 = r.latency_us?.p99;
  if (p99 === undefined) return 'fail: no latency';
  if (p99 > (P99_LIMIT_US_OF[rec.workload] ?? P99_LIMIT_US)) return `fail: p99 ${(p99 / 1000).toFixed(1)} ms`;
  if (!(r.deliveries > 0)) return 'fail: nothing delivered';
  if (rec.rate && r.rate !== undefined && r.rate < 0.9 * rec.rate) return `fail: published only ${fmt(r.rate)}/s of ${rec.rate}/s`;
  return 'pass';
}

function add(path, args) {
  const { values } = parseArgs({
    args,
    options: {
      server: { type: 'string' }, workload: { type: 'string' }, rate: { type: 'string' },
      exit: { type: 'string' }, command: { type: 'string' }, stdout: { type: 'string' },
    },
  });
  const text = values.stdout && existsSync(values.stdout) ? readFileSync(values.stdout, 'utf8') : '';
  const rec = {
    server: values.server,
    workload: values.workload,
    rate: values.rate ? Number(values.rate) : null,
    exit: Number(values.exit),
    command: values.command,
    result: lastJson(text),
  };
  rec.verdict = verdict(rec);
  appendFileSync(path, `${JSON.stringify(rec)}\n`);
  console.log(rec.verdict);
}

// ---------------------------------------------------------------------------------------------
// The report

function fmt(x, digits = 0) {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
const ms = (us) => (us === undefined || us === null ? '–' : fmt(us / 1000, us < 10_000 ? 2 : 1));
// A server that was not sampled throughout (it died in the step) has no CPU figures.
const sampled = (r) => (r?.server && r.server.sampled !== false ? r.server : null);
const cpuTotal = (r) => (sampled(r) ? r.server.cpu_user_s + r.server.cpu_sys_s : null);
const perDelivery = (seconds, r) => (r?.deliveries > 0 && seconds !== null ? (seconds * 1e6) / r.deliveries : null);
const cpuUser = (r) => perDelivery(sampled(r)?.cpu_user_s ?? null, r);  // µs per delivery
const cpuAll = (r) => perDelivery(cpuTotal(r), r);

// txrt ÷ floor: what txrt's protocol, rooms and bookkeeping cost on top of the same writes.
// Above 1 txrt costs more; CPU per delivery is compared at the highest rate both passed (equal
// load), and at each one's own best rate.
function floorSection(p, { servers, of, best, commonRate, atRate, lone, env }) {
  const have = (key) => servers.some(([k]) => k === key);
  if (!have('txrt') || !have(FLOOR)) return;
  const rows = [];
  const ratio = (t, f) => (typeof t === 'number' && typeof f === 'number' && t > 0 && f > 0 ? `${fmt(t / f, 2)}×` : '–');
  const add = (label, t, f, digits = 2) => {
    if (typeof t !== 'number' && typeof f !== 'number') return;
    rows.push(`| ${label} | ${fmt(t, digits)} | ${fmt(f, digits)} | ${ratio(t, f)} |`);
  };
  for (const workload of ['fanout', 'broadcast']) {
    const common = commonRate(workload, ['txrt', FLOOR]);
    if (common !== null) {
      const t = atRate('txrt', workload, common);
      const f = atRate(FLOOR, workload, common);
      add(`${workload} at ${fmt(common)} events/s (both passed): CPU µs per delivery, user`, cpuUser(t), cpuUser(f));
      add(`${workload} at ${fmt(common)} events/s: CPU µs per delivery, user+sys`, cpuAll(t), cpuAll(f));
    }
    add(`${workload} at each one's best rate: CPU µs per delivery, user`, cpuUser(best('txrt', workload)?.result), cpuUser(best(FLOOR, workload)?.result));
    add(`${workload} at each one's best rate: CPU µs per delivery, user+sys`, cpuAll(best('txrt', workload)?.result), cpuAll(best(FLOOR, workload)?.result));
    add(`${workload}: max deliveries/s (p99 ≤ 100 ms, no loss)`, best('txrt', workload)?.result.deliveries_per_s, best(FLOOR, workload)?.result.deliveries_per_s, 0);
  }
  const title = `one event to all ${env.BENCH_SESSIONS} sessions (${env.BENCH_BROADCAST_ONE_RATE} event/s)`;
  add(`${title}: slowest event to reach every session (ms)`, lone('txrt') ? lone('txrt').max / 1000 : null, lone(FLOOR) ? lone(FLOOR).max / 1000 : null, 1);
  add(`${title}: delivery latency p99 (ms)`, lone('txrt') ? lone('txrt').p99 / 1000 : null, lone(FLOOR) ? lone(FLOOR).p99 / 1000 : null, 1);
  if (!rows.length) return;
  p('## txrt against the floor');
  p();
  p('The floor (`bench/floor/`, `txrt-floor`) holds the same WebSocket connections and writes the');
  p('same pre-built frames the way txrt does — 2 threads, events from Redis PSUBSCRIBE crossing to');
  p('each loop once, one gathered send per socket per loop turn, all of a turn\'s sends in one io_uring submission (as txrt) — with no protocol, no rooms,');
  p('no authentication and no JSON. Its figures are what the kernel and the machine cost; "txrt ÷');
  p('floor" is what txrt adds (above 1 txrt costs more; for deliveries/s, below 1 txrt delivers less).');
  p();
  p('| | txrt | floor | txrt ÷ floor |');
  p('|---|---:|---:|---:|');
  for (const r of rows) p(r);
  p();
}

function report(path) {
  const env = process.env;
  const records = existsSync(path)
    ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
    : [];
  const servers = SERVERS.filter(([key]) => records.some((r) => r.server === key));
  const of = (server, workload) => records.filter((r) => r.server === server && r.workload === workload);
  // The single-run workloads: their figures are shown even when some sessions failed (the
  // failure is listed under the table).
  const one = (server, workload) => of(server, workload).find((r) => r.result)?.result ?? null;
  // Connect, run several times on fresh servers: the run with the median rate (its memory
  // figures too, so that a row's figures come from one run).
  const median = (server, workload) => {
    const runs = of(server, workload).filter((r) => r.result)
      .sort((a, b) => a.result.connect_per_s - b.result.connect_per_s);
    return runs.length ? runs[(runs.length - 1) >> 1].result : null;
  };
  // The stepped workloads: the passing run with the most deliveries per second.
  const best = (server, workload) => of(server, workload)
    .filter((r) => r.verdict === 'pass')
    .sort((a, b) => b.result.deliveries_per_s - a.result.deliveries_per_s)[0] ?? null;
  // The highest asked rate that every server passed: CPU per delivery compared at equal load.
  const commonRate = (workload, among = servers.map(([key]) => key)) => {
    const passed = among.map((key) => new Set(of(key, workload).filter((r) => r.verdict === 'pass').map((r) => r.rate)));
    const rates = [...(passed[0] ?? [])].filter((rate) => passed.every((set) => set.has(rate)));
    return rates.length ? Math.max(...rates) : null;
  };
  const atRate = (server, workload, rate) => of(server, workload).find((r) => r.rate === rate && r.verdict === 'pass')?.result ?? null;

  // rows: [label, values per server, higher_is_better, digits]
  const rows = [];
  const row = (label, value, higherBetter, digits = 0) =>
    rows.push([label, servers.map(([key]) => value(key)), higherBetter, digits]);

  const sessions = env.BENCH_SESSIONS;
  const runs = Number(env.BENCH_CONNECT_RUNS ?? 1);
  row(`connect ${sessions} sessions: sessions/s${runs > 1 ? ` (median of ${runs} runs)` : ''}`,
    (s) => median(s, 'connect')?.connect_per_s, true);
  row('connect: server RSS per session (KiB)', (s) => median(s, 'connect')?.server?.rss_kib_per_session, false, 1);
  // Not in RSS: the kernel's socket objects and buffers (machine-wide, both ends of each loopback
  // connection, so the load generator's half is in it too).
  row('connect: kernel socket memory per session (KiB, both loopback ends)',
    (s) => median(s, 'connect')?.kernel?.socket_kib_per_session, false, 1);
  const idleSeconds = env.BENCH_IDLE_SECONDS;
  row(`idle ${sessions} sessions ${idleSeconds} s (heartbeats): server CPU over the hold (ms, user+sys)`,
    (s) => { const r = one(s, 'idle'); return r ? cpuTotal(r) * 1000 : null; }, false);
  row('idle: server RSS per session (KiB)', (s) => one(s, 'idle')?.server?.rss_kib_per_session, false, 1);

  for (const [workload, title] of [['fanout', `fan-out ${sessions} sessions / ${env.BENCH_CUSTOMERS} customers`],
    ['broadcast', `broadcast ${sessions} sessions, one room`],
    ['broadcast-500ms', `broadcast ${sessions} sessions, one room`]]) {
    if (!servers.some(([key]) => of(key, workload).length)) continue;
    const bound = (P99_LIMIT_US_OF[workload] ?? P99_LIMIT_US) / 1000;
    row(`${title}: max deliveries/s (p99 ≤ ${bound} ms, no loss)`, (s) => best(s, workload)?.result.deliveries_per_s, true);
    row(`${workload}: latency p50 at that rate (ms)`, (s) => best(s, workload)?.result.latency_us?.p50 / 1000, false, 2);
    row(`${workload}: latency p99 at that rate (ms)`, (s) => best(s, workload)?.result.latency_us?.p99 / 1000, false, 2);
    row(`${workload}: server CPU µs per delivery at that rate, user`,
      (s) => cpuUser(best(s, workload)?.result), false, 2);
    row(`${workload}: server CPU µs per delivery at that rate, user+sys`,
      (s) => cpuAll(best(s, workload)?.result), false, 2);
    const common = commonRate(workload);
    if (common !== null) {
      row(`${workload} at ${fmt(common)} events/s (every server's last common pass): CPU µs per delivery, user`,
        (s) => cpuUser(atRate(s, workload, common)), false, 2);
      row(`${workload} at ${fmt(common)} events/s: CPU µs per delivery, user+sys`,
        (s) => cpuAll(atRate(s, workload, common)), false, 2);
    }
  }
  // One event at a time to every session: the p99 of all deliveries' latency, and the slowest
  // delivery of the run, i.e. the worst event's time to reach its last session.
  const lone = (s) => of(s, 'broadcast-one').find((x) => x.verdict === 'pass')?.result?.latency_us;
  if (servers.some(([key]) => of(key, 'broadcast-one').length)) {
    const title = `broadcast, ${env.BENCH_BROADCAST_ONE_RATE} event/s to ${sessions} sessions`;
    row(`${title}: delivery latency p99 (ms)`, (s) => (lone(s) ? lone(s).p99 / 1000 : null), false, 1);
    row(`${title}: slowest event to reach every session (ms)`, (s) => (lone(s) ? lone(s).max / 1000 : null), false, 1);
  }
  row(`largest: sessions held ${env.BENCH_LARGEST_HOLD} s (asked ${env.BENCH_LARGEST})`, (s) => {
    const r = one(s, 'largest');
    return r ? (r.sessions_ready ?? r.sessions) - (r.closed ?? 0) : null;
  }, true);
  row('largest: server RSS per session (KiB)', (s) => one(s, 'largest')?.server?.rss_kib_per_session, false, 1);

  const out = [];
  const p = (line = '') => out.push(line);
  p('# Performance: txrt against socket.io on Node.js and Bun, and against the floor');
  p();
  const quickNote = env.BENCH_QUICK === '1' ? ' — **quick mode: small sizes, for trying the script, not for quoting**' : '';
  p(`Measured by \`${env.BENCH_COMMAND}\` on ${env.BENCH_DATE}${quickNote}.`);
  p('txrt, the Node.js baseline (`bench/node/server.mjs`: socket.io with ioredis, the same');
  p('authenticate / subscribe / Redis ingest contract), the Bun baseline (`bench/bun/server.mjs`:');
  p('the same contract, socket.io on `@socket.io/bun-engine`) and the floor (`bench/floor/`: the');
  p('same connections and the same frame writes, no protocol) run one at a time against one');
  p('`redis-server`, driven by the same load generator (`txrt-bench`) with the same arguments, a');
  p('fresh server process for each run; the servers take turns run by run (connect) and step by step');
  p('(the searched workloads), so that their figures sample the same stretch of a drifting machine.');
  p();
  p('## Machine');
  p();
  p(`- CPU: ${env.BENCH_CPU} — ${env.BENCH_CORES} cores (load generator, Redis and the server share them)`);
  p(`- Kernel: ${env.BENCH_KERNEL}; memory: ${env.BENCH_MEMORY}`);
  // Both change what a loopback send costs: under a hypervisor that traps privileged
  // operations every system call is dearer, and connection tracking adds its lookups to each.
  if (env.BENCH_HYPERVISOR) p(`- Hypervisor: ${env.BENCH_HYPERVISOR}`);
  if (env.BENCH_CONNTRACK) p(`- Netfilter connection tracking: ${env.BENCH_CONNTRACK}`);
  p(`- Load average before / after the run: ${env.BENCH_LOAD_BEFORE} / ${env.BENCH_LOAD_AFTER} (a shared machine: other work may have run at the same time)`);
  p(`- Open files per process: ${env.BENCH_NOFILE}`);
  p();
  p('## Versions');
  p();
  p(`- txrt: commit ${env.BENCH_TXRT_REV} (\`${env.BENCH_TXRT_VERSION}\`; binary ${env.BENCH_TXRT_BINARY}), ${env.BENCH_TXRT_THREADS} threads`);
  p(`- load generator: ${env.BENCH_LOADGEN}`);
  p(`- Node.js ${env.BENCH_NODE_VERSION}, socket.io ${env.BENCH_SOCKETIO_VERSION}, ioredis ${env.BENCH_IOREDIS_VERSION}`);
  if (env.BENCH_BUN_VERSION) p(`- Bun ${env.BENCH_BUN_VERSION}, @socket.io/bun-engine ${env.BENCH_BUN_ENGINE_VERSION}`);
  p(`- ${env.BENCH_REDIS_VERSION}`);
  p();
  p('## Results');
  p();
  p('"×" columns: how many times better txrt is than that socket.io server on the row (its figure');
  p('divided by the other\'s where higher is better, the other\'s divided by its where lower is');
  p('better); below 1 the other is better. CPU per delivery is the server processes\' user (and');
  p('user+system) CPU time over the run divided by the events delivered; for Node with 2 workers');
  p('and Bun with 2 processes, the primary and both workers are summed.');
  p();
  const head = ['', ...servers.map(([, label]) => label)];
  const nodeCols = servers.filter(([key]) => key !== 'txrt' && key !== FLOOR);
  const hasTxrt = servers.some(([key]) => key === 'txrt');
  if (hasTxrt) head.push(...nodeCols.map(([, label]) => `× vs ${label}`));
  p(`| ${head.join(' | ')} |`);
  p(`|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const [label, values, higherBetter, digits] of rows) {
    if (values.every((v) => typeof v !== 'number' || Number.isNaN(v))) continue;  // nobody measured it
    const cells = [label, ...values.map((v) => fmt(v, digits))];
    if (hasTxrt) {
      const t = values[servers.findIndex(([key]) => key === 'txrt')];
      for (const [key] of nodeCols) {
        const n = values[servers.findIndex(([k]) => k === key)];
        const ok = typeof t === 'number' && typeof n === 'number' && t > 0 && n > 0;
        cells.push(ok ? `${fmt(higherBetter ? t / n : n / t, 2)}×` : '–');
      }
    }
    p(`| ${cells.join(' | ')} |`);
  }
  // A stepped workload whose every step passed has a lower bound, not a maximum.
  p();
  for (const workload of STEPPED) {
    for (const [key, label] of servers) {
      const steps = of(key, workload);
      if (steps.length && steps.every((r) => r.verdict === 'pass'))
        p(`- ${label}, ${workload}: every step passed up to the last one asked; its maximum is at least the figure above.`);
    }
  }
  floorSection(p, { servers, of, one, best, commonRate, atRate, lone, env });
  p('## Workloads');
  p();
  p('See `bench/README.md`. Each run and each step starts a fresh server; the stepped ones (fan-out,');
  p('broadcast) raise the publish rate step by step (doubling, then geometric bisections');
  p('between the last pass and the first failure) and keep the best step with a p99 latency of');
  p('at most 100 ms (broadcast-500ms: 500 ms), no lost event and at least 90 % of the asked rate');
  p('published.');
  p();
  for (const workload of ['fanout', 'broadcast', 'broadcast-500ms']) {
    for (const [key, label] of servers) {
      const steps = of(key, workload);
      if (!steps.length) continue;
      p(`### ${workload}, ${label}`);
      p();
      p('| events/s asked | published/s | deliveries/s | p50 ms | p99 ms | max ms | lost | CPU user s | CPU sys s | µs/delivery (total) | bytes/delivery | verdict |');
      p('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
      for (const s of steps) {
        const r = s.result ?? {};
        const cells = [fmt(s.rate), fmt(r.rate), fmt(r.deliveries_per_s), ms(r.latency_us?.p50),
          ms(r.latency_us?.p99), ms(r.latency_us?.max), fmt(r.lost), fmt(sampled(r)?.cpu_user_s, 2),
          fmt(sampled(r)?.cpu_sys_s, 2), fmt(cpuAll(r), 2),
          // Bytes the clients read per delivery (older txrt-bench runs did not count them).
          r.bytes_received !== undefined && r.deliveries > 0 ? fmt(r.bytes_received / r.deliveries, 0) : '—',
          s.verdict];
        p(`| ${cells.join(' | ')} |`);
      }
      p();
    }
  }
  const failures = records.filter((r) => !STEPPED.has(r.workload) && r.verdict !== 'pass');
  if (failures.length) {
    p('### Runs that failed');
    p();
    for (const f of failures) {
      const why = Object.entries(f.result?.failures ?? {}).map(([k, n]) => `${k} ${n}`).join(', ');
      p(`- ${f.server} ${f.workload}: ${f.verdict}${why ? ` (${why})` : ''}`);
    }
    p();
  }
  p('## Commands');
  p();
  p('Every command the run executed, in order (ports were picked free at the start).');
  p();
  p('```sh');
  const commands = env.BENCH_COMMANDS_FILE && existsSync(env.BENCH_COMMANDS_FILE) ? readFileSync(env.BENCH_COMMANDS_FILE, 'utf8') : '';
  p(commands.trimEnd());
  p('```');
  p();
  p('## Raw results');
  p();
  p('Every run: the server (`target`), the rate asked, the verdict and the JSON line txrt-bench printed:');
  p();
  p('```json');
  for (const r of records) p(JSON.stringify({ target: r.server, asked_rate: r.rate, verdict: r.verdict, result: r.result }));
  p('```');
  process.stdout.write(`${out.join('\n')}\n`);
}

const [command, file, ...rest] = process.argv.slice(2);
if (command === 'add') add(file, rest);
else if (command === 'report') report(file);
else {
  console.error('usage: results.mjs add FILE ... | results.mjs report FILE');
  process.exit(2);
}
