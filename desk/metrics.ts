/**
 * Prometheus text exposition (format 0.0.4), written by hand: counters with
 * labels, gauges computed at scrape time, and one histogram. prom-client could
 * replace this without changing a metric name.
 */
type Labels = Readonly<Record<string, string>>;

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: Labels): string => {
  const entries = Object.entries(labels);
  return entries.length ? `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
};
const num = (n: number): string => (Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN');

export class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const entry = this.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(key, entry);
  }
  get(labels: Labels = {}): number { return this.values.get(labelText(labels))?.value ?? 0; }
  total(): number { return [...this.values.values()].reduce((s, e) => s + e.value, 0); }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const e of this.values.values()) lines.push(`${this.name}${labelText(e.labels)} ${num(e.value)}`);
    return lines.join('\n');
  }
}

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    this.buckets.forEach((b, i) => { if (value <= b) this.counts[i]! += 1; });
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines.join('\n');
  }
}

export interface GaugeSample { readonly labels?: Labels; readonly value: number }
export type GaugeCollector = () => Promise<GaugeSample[]> | GaugeSample[];

export class Metrics {
  readonly turns = new Counter('assistant_turns_total', 'Messages from users the assistant handled (or held for an agent).');
  readonly decisions = new Counter('assistant_decisions_total', 'Routing decisions by kind: answer, clarify, fallback, flow, smallTalk.');
  readonly flowStarts = new Counter('assistant_flow_starts_total', 'Guided flows started, by flow.');
  readonly flowCompletions = new Counter('assistant_flow_completions_total', 'Guided flows that ended with a ticket, by flow.');
  readonly ticketsOpened = new Counter('assistant_tickets_opened_total', 'Tickets opened by this instance, by kind.');
  readonly handoffs = new Counter('assistant_handoffs_total', 'Live handoffs by outcome: requested, taken, handedBack, missed, closedHours.');
  readonly feedback = new Counter('assistant_feedback_total', 'Answer feedback by value: helpful, notHelpful.');
  readonly turnLatency = new Histogram('assistant_turn_duration_seconds', 'Time to run one user turn, in seconds.',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  private readonly gauges: { name: string; help: string; collect: GaugeCollector }[] = [];

  gauge(name: string, help: string, collect: GaugeCollector): void {
    this.gauges.push({ name, help, collect });
  }

  async render(): Promise<string> {
    const parts = [this.turns, this.decisions, this.flowStarts, this.flowCompletions, this.ticketsOpened, this.handoffs, this.feedback]
      .map((c) => c.render());
    const answered = this.decisions.get({ kind: 'answer' }) + this.decisions.get({ kind: 'clarify' }) + this.decisions.get({ kind: 'fallback' });
    parts.push(['# HELP assistant_fallback_ratio Share of questions (answer, clarify, fallback) that fell back, since start.',
      '# TYPE assistant_fallback_ratio gauge', `assistant_fallback_ratio ${answered ? this.decisions.get({ kind: 'fallback' }) / answered : 0}`].join('\n'));
    for (const g of this.gauges) {
      const samples = await g.collect();
      parts.push([`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`, ...samples.map((s) => `${g.name}${labelText(s.labels ?? {})} ${num(s.value)}`)].join('\n'));
    }
    parts.push(this.turnLatency.render());
    return `${parts.join('\n')}\n`;
  }
}
