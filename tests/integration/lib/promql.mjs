// The metric names a PromQL expression reads, and the expressions of the Grafana dashboard and
// the Prometheus rules in packaging/ — enough PromQL and YAML for our own files, not a parser
// of either language (tests/integration/dashboards.test.mjs).

// Words of PromQL that are not metric names when they stand alone.
const KEYWORDS = new Set([
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or',
  'unless', 'atan2', 'inf', 'nan',
]);

// Metric names in `expr`: every identifier that is not a function call, a keyword, a label
// (inside {…} or a by/without/on/ignoring/group_* list), a duration ([…], `offset 1h`) or inside
// a string. Grafana's $variables are left inside the braces and brackets they stand in.
export function metricNames(expr) {
  let s = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  s = s.replace(/\{[^}]*\}/g, ' ').replace(/\[[^\]]*\]/g, ' ');
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  s = s.replace(/\boffset\s+-?[0-9a-z]+/g, ' ');
  const names = new Set();
  for (const m of s.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = m[0];
    const rest = s.slice(m.index + name.length);
    if (/^\s*\(/.test(rest) || KEYWORDS.has(name.toLowerCase())) continue;
    // A number such as 1e3 or a unit-less exponent is no name.
    if (/[0-9.]$/.test(s.slice(0, m.index))) continue;
    names.add(name);
  }
  return names;
}

// Every PromQL expression of a Grafana dashboard: the panels' targets (rows' nested panels
// too) and the query variables (label_values(metric, label) is Grafana's, not PromQL: its first
// argument is the expression).
export function dashboardExprs(dashboard) {
  const exprs = [];
  const walk = (panels = []) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr) exprs.push(t.expr);
      walk(p.panels);
    }
  };
  walk(dashboard.panels);
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : v.query?.query ?? '';
    const m = /^\s*label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)\s*$/.exec(q);
    exprs.push(m ? m[1] : q);
  }
  return exprs;
}

// Every `expr:` of a Prometheus rules file: inline (`expr: up == 0`) or a block scalar
// (`expr: |` followed by the lines indented deeper than the key).
export function ruleExprs(yamlText) {
  const exprs = [];
  const lines = yamlText.split('\n');
  for (let i = 0; i < lines.length; ++i) {
    const m = /^(\s*)(?:-\s+)?expr:\s*(.*)$/.exec(lines[i]);
    if (!m) continue;
    const value = m[2].replace(/\s+#.*$/, '');
    if (!/^[|>][-+]?$/.test(value)) {
      exprs.push(value.replace(/^(['"])(.*)\1$/, '$2'));
      continue;
    }
    const block = [];
    while (i + 1 < lines.length && (lines[i + 1].trim() === '' ||
           lines[i + 1].search(/\S/) > m[1].length)) block.push(lines[++i]);
    exprs.push(block.join('\n'));
  }
  return exprs;
}

// The exposition text's names: every sample's metric name, and every family of a HELP/TYPE line
// with the sample names a histogram or summary family has even before it has samples.
export function exportedNames(text) {
  const names = new Set();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      names.add(type[1]);
      const suffixes = { histogram: ['_bucket', '_sum', '_count'], summary: ['_sum', '_count'] };
      for (const s of suffixes[type[2]] ?? []) names.add(type[1] + s);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})? \S+/.exec(line);
    if (sample) names.add(sample[1]);
  }
  return names;
}

// The metric families of the exposition text (from its TYPE lines).
export function exportedFamilies(text) {
  return new Set([...text.matchAll(/^# TYPE (\S+) \S+$/gm)].map((m) => m[1]));
}
