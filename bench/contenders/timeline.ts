import { appendFileSync, writeFileSync } from 'node:fs';

/**
 * What a processor did in each quarter second of a run, one line per interval, to see where the
 * drain of a backlog goes (bench/README "The drain"): source and inbox records applied, checkpoints
 * committed (how many, their summed duration, outbox rows), rows relayed to Kafka or handed over in
 * memory, and the process's CPU. Opt-in for a contender run by hand: BENCH_TIMELINE=<file>.
 */
export class Timeline {
  private readonly started = Date.now();
  private cpu = process.cpuUsage();
  private readonly c = { source: 0, inbox: 0, commits: 0, commitMs: 0, outbox: 0, relayed: 0, handedOver: 0 };
  /** Records applied per actor type and topic kind (`order source`, `sku inbox`, …), in the order first seen: the last column. */
  private readonly byType = new Map<string, number>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly file: string, intervalMs = 250) {
    writeFileSync(file, 't_s\tsource\tinbox\tcommits\tcommit_ms\toutbox_rows\trelayed\thanded_over\tcpu_pct\tby_type\n');
    this.timer = setInterval(() => this.flush(intervalMs), intervalMs);
    this.timer.unref?.();
  }

  applied(source: boolean, consumed: number, actorType: string): void {
    if (source) this.c.source += consumed;
    else this.c.inbox += consumed;
    const k = `${actorType} ${source ? 'source' : 'inbox'}`;
    this.byType.set(k, (this.byType.get(k) ?? 0) + consumed);
  }

  committed(durationMs: number, outboxRows: number): void {
    this.c.commits++;
    this.c.commitMs += durationMs;
    this.c.outbox += outboxRows;
  }

  relayed(records: number): void {
    this.c.relayed += records;
  }

  handedOver(records: number): void {
    this.c.handedOver += records;
  }

  private flush(intervalMs: number): void {
    const used = process.cpuUsage(this.cpu);
    this.cpu = process.cpuUsage();
    const cpuPct = Math.round(((used.user + used.system) / 1000 / intervalMs) * 100);
    const c = this.c;
    const t = ((Date.now() - this.started) / 1000).toFixed(2);
    const byType = [...this.byType].filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
    appendFileSync(this.file, `${t}\t${c.source}\t${c.inbox}\t${c.commits}\t${Math.round(c.commitMs)}\t${c.outbox}\t${c.relayed}\t${c.handedOver}\t${cpuPct}\t${byType}\n`);
    for (const k of Object.keys(c) as (keyof typeof c)[]) c[k] = 0;
    for (const k of this.byType.keys()) this.byType.set(k, 0);
  }
}
