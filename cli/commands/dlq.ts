/**
 * `actorstream dlq list --topic <input topic> [--limit N]` and
 * `actorstream dlq redrive --topic <input topic> --at <partition>:<offset>[,…]`: the dead letters of
 * an input topic, read from `<topic>.dlq`, and sending chosen ones back to their source topic after
 * a fix (engine/dead-letters.ts: marked `x-redrive-of`; inbox messages and cut values are refused).
 *
 * Exit codes: 0 done · 1 some positions refused · 2 usage or configuration · 3 Kafka unreachable.
 */
import { defineCommand } from 'citty';
import { readDeadLetters, redriveDeadLetters, type DeadLetter } from '../../engine/index.ts';
import { dlqTopicOf } from '../../schemas/index.ts';
import { CommandFailed, connectKafka, loadCommandSettings, UsageError, withDetails } from './command-support.ts';

export const dlqCommand = withDetails(defineCommand({
  meta: { name: 'dlq', description: 'Dead letters of an input topic: list them, or send chosen ones back to their source topic' },
  args: {
    action: { type: 'positional', description: 'list | redrive', required: true },
    topic: { type: 'string', required: true, description: 'Input topic whose dead letters to read (its .dlq)', valueHint: 'transaction_events' },
    limit: { type: 'string', description: 'list: how many of the newest (default 20)' },
    at: { type: 'string', description: 'redrive: the dead letters to send back, as <partition>:<offset> separated by commas', valueHint: '0:17,0:18' },
    config: { type: 'string', description: 'pipeline.yaml with the Kafka settings (default: $PIPELINE_CONFIG; KAFKA_BROKERS overrides it)' },
  },
  async run({ args }) {
    if (args.action !== 'list' && args.action !== 'redrive') throw new UsageError(`unknown dlq action '${args.action}' (known: list, redrive)`);
    const positions = args.action === 'redrive' ? parseAt(args.at) : [];
    const limit = Number(args.limit ?? 20);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got '${args.limit}'`);
    const settings = loadCommandSettings('dlq', args.config, { kafka: true, postgres: false });
    const { client, admin } = await connectKafka(settings.brokers, 'actorstream-dlq');
    try {
      const dlq = dlqTopicOf(args.topic);
      if ((await admin.partitionCount(dlq)) === undefined) throw new CommandFailed(`${dlq} does not exist: nothing was ever dead-lettered from ${args.topic} (or the topic name is wrong)`);
      if (args.action === 'list') return printDeadLetters(dlq, await readDeadLetters(client, admin, dlq, limit));
      const result = await redriveDeadLetters(client, admin, dlq, positions);
      for (const r of result.redriven) console.log(`redriven ${r.partition}:${r.offset} → ${r.to}`);
      for (const r of result.refused) console.log(`refused  ${r.partition}:${r.offset}: ${r.why}`);
      if (result.refused.length > 0) throw new CommandFailed(`${result.refused.length} of ${positions.length} not sent back`);
    } finally {
      await admin.disconnect().catch(() => {});
    }
  },
}), `list prints the newest dead letters, oldest first: position in the DLQ, code, the refused record's
topic:partition@offset, reason, and "not redrivable: …" when sending it back could not reproduce the original.
redrive sends the given positions back to their source topic with their original key, value and headers plus
x-redrive-of; the processor then applies them as new records. A source event sent back twice is applied once
while its id is in its entity's dedup window (its last 8 events). Actor messages (inbox dead letters) and values
cut to 64 KiB are refused.

Exit codes: 0 done · 1 some positions refused · 2 usage or configuration · 3 Kafka unreachable`);

function printDeadLetters(dlq: string, letters: readonly DeadLetter[]): void {
  if (letters.length === 0) return console.log(`${dlq}: empty`);
  for (const d of letters) {
    const what = `${d.partition}:${d.offset}  ${d.code.padEnd(17)} ${d.source.topic}:${d.source.partition}@${d.source.offset}  key ${JSON.stringify(d.key)}`;
    console.log(`${what}\n    ${d.reason}${d.notRedrivable ? `\n    not redrivable: ${d.notRedrivable}` : ''}`);
  }
}

function parseAt(raw: string | undefined): { partition: number; offset: number }[] {
  const parts = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const parsed = parts.map((p) => /^(\d{1,9}):(\d{1,15})$/.exec(p));
  if (parts.length === 0 || parsed.some((m) => !m)) throw new UsageError(`--at must list <partition>:<offset> positions separated by commas, got '${raw ?? ''}'`);
  return parsed.map((m) => ({ partition: Number(m![1]), offset: Number(m![2]) }));
}
