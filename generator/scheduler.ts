import type { DomainEvent } from '../schemas/index.ts';
import { TimeHeap } from './heap.ts';
import { inventoryChore } from './inventory.ts';
import type { ResolvedOptions } from './options.ts';
import type { Rng } from './random.ts';
import { browseOnce, customerSession } from './sessions.ts';
import { Trigger, type Process, type Sim } from './sim.ts';
import type { World } from './world.ts';

/** Share of background spawns that are warehouse housekeeping rather than a customer visit. */
const CHORE_SHARE = 0.003;

/**
 * The discrete-event loop. A simulated clock advances by 1/eventsPerSecond per emitted event; the
 * process due earliest runs until it emits or sleeps. When nothing is due by the clock, a new
 * background visit starts at the clock, so the stream keeps the configured event-time rate however
 * much lifecycle work (payments, shipments) is pending. Every process is scheduled at or after the
 * time of the one that scheduled it, hence `ts` never decreases.
 */
export class Scheduler implements Sim {
  now: number;
  /** Called with every emitted trigger, after its event got its id and ts. */
  onTrigger: (trigger: Trigger) => void = () => {};
  private clock: number;
  private readonly step: number;
  private readonly heap = new TimeHeap<Process>();
  private current: Process | undefined;
  private last: DomainEvent | undefined;
  private seq = 0;
  private orders = 0;
  private filler = 0;

  constructor(
    readonly opts: ResolvedOptions,
    readonly rng: Rng,
    readonly world: World,
  ) {
    this.now = opts.startTs;
    this.clock = opts.startTs;
    this.step = 1000 / opts.eventsPerSecond;
  }

  /** The next event in event-time order (the stream never ends by itself). */
  next(): DomainEvent {
    this.clock += this.step;
    for (;;) {
      let proc = this.current;
      if (!proc) {
        if (this.heap.peekAt() > this.clock) this.spawnBackground(Math.floor(this.clock));
        proc = this.heap.pop()!;
        this.now = this.heap.lastAt;
      }
      const r = proc.next(this.last!);
      if (r.done) {
        this.current = undefined;
        continue;
      }
      const step = r.value;
      if (typeof step === 'number') {
        // A sleep: park the process; a zero sleep continues at once.
        if (step > 0) {
          this.current = undefined;
          this.heap.push(this.now + Math.round(step), proc);
        } else this.current = proc;
        continue;
      }
      this.current = proc;
      const event = step instanceof Trigger ? step.event : step;
      event.id = `e-${this.opts.seed}-${this.seq++}`;
      event.ts = this.now;
      this.last = event;
      if (step instanceof Trigger) this.onTrigger(step);
      return event;
    }
  }

  /** Current value of the simulated clock (≥ the ts of every event emitted so far). */
  get clockTs(): number {
    return Math.floor(this.clock);
  }

  spawn(process: Process, at: number = this.now): void {
    // Never in the past: the stream's ts order depends on it.
    this.heap.push(Math.max(at, this.now), process);
  }

  nextOrderId(): string {
    return `o-${this.opts.seed}-${String(++this.orders).padStart(7, '0')}`;
  }

  /** Orders created so far. */
  get orderCount(): number {
    return this.orders;
  }

  /** Background page views emitted because every user tried was mid-visit. */
  get fillerCount(): number {
    return this.filler;
  }

  private spawnBackground(at: number): void {
    if (this.rng.chance(CHORE_SHARE)) {
      this.heap.push(at, inventoryChore(this));
      return;
    }
    const user = this.world.pickFreeUser(this.rng, at);
    if (user) this.heap.push(at, customerSession(this, user));
    else {
      this.filler++;
      this.heap.push(at, browseOnce(this, this.world.anyUser(this.rng)));
    }
  }
}
