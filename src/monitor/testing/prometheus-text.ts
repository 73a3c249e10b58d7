/**
 * A strict reader of the Prometheus text format (0.0.4) for tests: every line must be a HELP or
 * TYPE comment or a sample, every sample must belong to a declared metric, label values must be
 * quoted and escaped properly. It throws on anything else, so a test that scrapes also checks
 * that the exposition is valid.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  /** Metric name → `counter`, `gauge`, `histogram`, `summary` or `untyped`. */
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
  /** Samples of `name` whose labels include all of `labels`. */
  series(name: string, labels?: Readonly<Record<string, string>>): Sample[];
  /** The sum of those samples' values (0 when there are none). */
  sum(name: string, labels?: Readonly<Record<string, string>>): number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheusText(text: string): Exposition {
  const types = new Map<string, string>();
  const helped = new Set<string>();
  const samples: Sample[] = [];
  const seen = new Set<string>();
  if (!text.endsWith('\n')) throw new Error('The exposition must end with a newline.');
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${line}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!match) return; // other comments are allowed
      const [, kind, name = '', rest = ''] = match;
      if (!NAME.test(name)) throw new Error(`Bad metric name, ${where}`);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`Bad type, ${where}`);
        if (types.has(name)) throw new Error(`TYPE given twice, ${where}`);
        types.set(name, rest);
      } else {
        if (helped.has(name)) throw new Error(`HELP given twice, ${where}`);
        helped.add(name);
      }
      return;
    }
    const sample = parseSample(line, where);
    const family = familyOf(sample.name, types);
    if (family === undefined) throw new Error(`Sample of an undeclared metric, ${where}`);
    const identity = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(identity)) throw new Error(`Duplicate series, ${where}`);
    seen.add(identity);
    samples.push(sample);
  });
  checkHistograms(samples, types);
  const series = (name: string, labels: Readonly<Record<string, string>> = {}) =>
    samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  return { types, samples, series, sum: (name, labels) => series(name, labels).reduce((total, sample) => total + sample.value, 0) };
}

function parseSample(line: string, where: string): Sample {
  const nameEnd = line.search(/[{ ]/);
  if (nameEnd <= 0) throw new Error(`Bad sample, ${where}`);
  const name = line.slice(0, nameEnd);
  if (!NAME.test(name)) throw new Error(`Bad metric name, ${where}`);
  const labels: Record<string, string> = {};
  let rest = line.slice(nameEnd);
  if (rest.startsWith('{')) {
    let position = 1;
    while (rest[position] !== '}') {
      const eq = rest.indexOf('=', position);
      const labelName = rest.slice(position, eq);
      if (eq < 0 || !LABEL_NAME.test(labelName) || rest[eq + 1] !== '"') throw new Error(`Bad label, ${where}`);
      let value = '';
      let cursor = eq + 2;
      for (;;) {
        const char = rest[cursor];
        if (char === undefined || char === '\n') throw new Error(`Unterminated label value, ${where}`);
        if (char === '"') break;
        if (char === '\\') {
          const escaped = rest[cursor + 1];
          if (escaped === 'n') value += '\n';
          else if (escaped === '\\' || escaped === '"') value += escaped;
          else throw new Error(`Bad escape in a label value, ${where}`);
          cursor += 2;
          continue;
        }
        value += char;
        cursor += 1;
      }
      if (labelName in labels) throw new Error(`Label given twice, ${where}`);
      labels[labelName] = value;
      position = cursor + 1;
      if (rest[position] === ',') position += 1;
      else if (rest[position] !== '}') throw new Error(`Bad label separator, ${where}`);
    }
    rest = rest.slice(position + 1);
  }
  const fields = rest.trim().split(' ');
  if (!rest.startsWith(' ') || fields.length < 1 || fields.length > 2) throw new Error(`Bad sample value, ${where}`);
  const raw = fields[0]!;
  // Prometheus reads values with Go's ParseFloat: NaN and Inf in any case (prom-client writes `Nan`).
  const special = raw.toLowerCase();
  const value = special === '+inf' || special === 'inf' ? Infinity : special === '-inf' ? -Infinity : special === 'nan' ? NaN : Number(raw);
  if (raw === '' || (Number.isNaN(value) && special !== 'nan')) throw new Error(`Bad sample value, ${where}`);
  return { name, labels, value };
}

function familyOf(name: string, types: ReadonlyMap<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const type = types.get(base);
    if (type === 'histogram' || (type === 'summary' && suffix !== '_bucket')) return base;
  }
  return undefined;
}

/** Buckets are cumulative, end in +Inf, and +Inf equals _count. */
function checkHistograms(samples: readonly Sample[], types: ReadonlyMap<string, string>): void {
  for (const [name, type] of types) {
    if (type !== 'histogram') continue;
    const groups = new Map<string, Sample[]>();
    for (const sample of samples) {
      if (sample.name !== `${name}_bucket`) continue;
      const { le, ...rest } = sample.labels;
      if (le === undefined) throw new Error(`${name}_bucket without le`);
      const key = JSON.stringify(Object.entries(rest).sort());
      groups.set(key, [...(groups.get(key) ?? []), sample]);
    }
    for (const [key, buckets] of groups) {
      let previous = -1;
      let previousLe = -Infinity;
      for (const bucket of buckets) {
        const le = bucket.labels['le'] === '+Inf' ? Infinity : Number(bucket.labels['le']);
        if (!(le > previousLe) || bucket.value < previous) throw new Error(`${name} buckets are not cumulative for ${key}`);
        previous = bucket.value;
        previousLe = le;
      }
      if (previousLe !== Infinity) throw new Error(`${name} has no +Inf bucket for ${key}`);
      const labels = Object.fromEntries(JSON.parse(key) as [string, string][]);
      const count = samples.find((sample) => sample.name === `${name}_count` && JSON.stringify(Object.entries(sample.labels).sort()) === JSON.stringify(Object.entries(labels).sort()));
      if (count?.value !== previous) throw new Error(`${name}_count differs from its +Inf bucket for ${key}`);
    }
  }
}
