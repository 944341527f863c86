// packaging/grafana/txrt.json and packaging/prometheus/alerts.yml against a real txrt: every
// metric their expressions read exists on GET /metrics, the dashboard shows every metric txrt
// exports, and the rules pass `promtool check rules` (Debian's `prometheus` package; skipped,
// saying so, when promtool is not installed).
//
// The registry prints every family with HELP and TYPE lines and every series of its fixed label
// values from the start, so a freshly started server is enough; names are still taken from the
// TYPE lines too (with a histogram's _bucket/_sum/_count), so a family that has no samples yet
// would not make the test fail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { startApp } from './lib/app.mjs';
import { request } from './lib/http.mjs';
import { ROOT } from './lib/values.mjs';
import {
  metricNames, dashboardExprs, ruleExprs, exportedNames, exportedFamilies,
} from './lib/promql.mjs';

const DASHBOARD = path.join(ROOT, 'packaging', 'grafana', 'txrt.json');
const ALERTS = path.join(ROOT, 'packaging', 'prometheus', 'alerts.yml');

let srv;
let text;

before(async () => {
  srv = await startApp();
  const res = await request(`${srv.url}/metrics`);
  assert.equal(res.status, 200);
  text = res.body.toString();
});
after(async () => {
  await srv?.stop();
});

// "expr → names it reads that /metrics lacks", for the expressions that read any.
function unknownNames(exprs, exported) {
  const unknown = [];
  for (const expr of exprs) {
    const missing = [...metricNames(expr)].filter((n) => !exported.has(n));
    if (missing.length) unknown.push(`${missing.join(', ')} in: ${expr.replace(/\s+/g, ' ')}`);
  }
  return unknown;
}

test('the name extraction finds what an expression reads, and only that', () => {
  assert.deepEqual([...metricNames(
    'sum by (le, job) (rate(a_bucket{job=~"$job",x="up"}[$__rate_interval])) / ' +
    'ignoring(x) group_left(y) b_total offset 1h > 0.5 * 1e3 and on(job) absent(c) or d',
  )], ['a_bucket', 'b_total', 'c', 'd']);
  // The positive control: a name /metrics does not have is reported.
  assert.equal(unknownNames(['rate(txrt_no_such_metric_total[5m])'], exportedNames(text)).length, 1);
});

test('every metric the Grafana dashboard reads is on /metrics', () => {
  const exprs = dashboardExprs(JSON.parse(readFileSync(DASHBOARD, 'utf8')));
  assert.ok(exprs.length >= 20, `only ${exprs.length} expressions found in ${DASHBOARD}`);
  assert.deepEqual(unknownNames(exprs, exportedNames(text)), []);
});

test('every metric the alert rules read is on /metrics', () => {
  const exprs = ruleExprs(readFileSync(ALERTS, 'utf8'));
  assert.ok(exprs.length >= 5, `only ${exprs.length} expressions found in ${ALERTS}`);
  assert.deepEqual(unknownNames(exprs, exportedNames(text)), []);
});

test('the dashboard shows every metric family txrt exports', () => {
  const shown = new Set();
  for (const expr of dashboardExprs(JSON.parse(readFileSync(DASHBOARD, 'utf8'))))
    for (const n of metricNames(expr)) shown.add(n.replace(/_(bucket|sum|count)$/, ''));
  const families = [...exportedFamilies(text)];
  assert.ok(families.length >= 20, `only ${families.length} families on /metrics`);
  assert.deepEqual(families.filter((f) => !shown.has(f)), [], 'families with no panel');
});

// Runs promtool with `args` (and `input` on stdin); null when promtool is not installed.
function promtool(t, args, input) {
  const run = spawnSync('promtool', args, { input, encoding: 'utf8', timeout: 30000 });
  if (run.error?.code === 'ENOENT') {
    t.skip('promtool is not installed (Debian: apt-get install prometheus); not checked');
    return null;
  }
  assert.ifError(run.error);
  return run;
}

test('promtool check rules accepts the alert rules', (t) => {
  const run = promtool(t, ['check', 'rules', ALERTS]);
  if (run) assert.equal(run.status, 0, `promtool check rules failed:\n${run.stdout}${run.stderr}`);
});

// Grafana has no checker here: its expressions, with the variables replaced by what Grafana
// would put there, become recording rules that promtool parses.
test('promtool parses every expression of the dashboard', (t) => {
  const exprs = dashboardExprs(JSON.parse(readFileSync(DASHBOARD, 'utf8')));
  const rules = exprs.map((e, i) => `      - record: txrt:dashboard_${i}\n        expr: ${JSON.stringify(
    e.replaceAll('$__rate_interval', '1m').replace(/\$\{?[a-zA-Z_]+\}?/g, '.*'))}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'txrt-dashboard-'));
  try {
    const file = path.join(dir, 'dashboard-rules.yml');
    writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
    const run = promtool(t, ['check', 'rules', file]);
    if (run) assert.equal(run.status, 0, `promtool rejects a dashboard expression:\n${run.stdout}${run.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('promtool check metrics accepts the /metrics text', (t) => {
  const run = promtool(t, ['check', 'metrics'], text);
  if (run) assert.equal(run.status, 0, `promtool check metrics failed:\n${run.stdout}${run.stderr}`);
});
