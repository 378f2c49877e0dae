import { fixKafkajsIdleTimer } from './request-queue-timer.ts';
import { fastKafkajsRecordLongs } from './record-longs.ts';

/**
 * What this project changes in kafkajs 2.2.4 (its last release), all idempotent: no 1 ms timer on
 * an idle connection (request-queue-timer.ts), record offsets and timestamps decoded without a
 * dozen BigInts each (record-longs.ts). Applied when this adapter creates a client (port.ts), and
 * by the bench's raw kafkajs contender and loader, so that "÷ raw kafkajs" compares the same client.
 */
export function applyKafkajsFixes(): void {
  fixKafkajsIdleTimer();
  fastKafkajsRecordLongs();
}
