import type { ActorMessage, Alert, TimerMessage } from '../schemas/index.ts';
import type { ActorAddress } from './actor.ts';
import type { EffectSink } from './apply-input.ts';
import type { SimulatedClock } from './driver-clock.ts';
import type { SendQueue } from './driver-sends.ts';
import type { ScheduledTimer, Send } from './test-driver.ts';

/** Sends queue for delivery, alerts and timers are kept; each is recorded when history is on. */
export class RecordedEffects implements EffectSink {
  readonly alerts: Alert[] = [];
  readonly sent: Send[] = [];
  readonly scheduled: ScheduledTimer[] = [];

  constructor(
    /** Keep every send and schedule (benchmarks turn it off). */
    private readonly record: boolean,
    private readonly sends: SendQueue,
    private readonly clock: SimulatedClock,
  ) {}

  send(from: ActorAddress, to: ActorAddress, msg: ActorMessage): void {
    const s: Send = { from, to, msg };
    this.recordSent(s);
    this.sends.push(s);
  }

  alert(_from: ActorAddress, alert: Alert): void {
    // detectedAt equals ts inside the driver (schemas/alert.ts); the runtime restamps it.
    this.alerts.push(alert.detectedAt === alert.ts ? alert : { ...alert, detectedAt: alert.ts });
  }

  schedule(owner: ActorAddress, at: number, timer: TimerMessage): void {
    const t = this.clock.schedule(owner, at, timer);
    if (this.record) this.scheduled.push(t);
  }

  /** Records a send in the history (when on), whether it was queued or delivered at once. */
  recordSent(s: Send): void {
    if (this.record) this.sent.push(s);
  }
}
