/**
 * A processor process that reads one partition of one topic slowly, for tests that kill it with
 * SIGKILL while a partition lags (issue #16: "one partition throttled and kills"). Configured like
 * instance/processor-main.ts, plus THROTTLE_TOPIC, THROTTLE_PARTITION and THROTTLE_MS_PER_RECORD.
 */
import { runProcessorProcess } from '../../instance/processor-process-main.ts';
import { throttled } from './intercepted-client.ts';

const topic = process.env.THROTTLE_TOPIC;
const partition = Number(process.env.THROTTLE_PARTITION);
const msPerRecord = Number(process.env.THROTTLE_MS_PER_RECORD);
if (!topic || !Number.isInteger(partition) || !(msPerRecord > 0)) {
  console.error('set THROTTLE_TOPIC, THROTTLE_PARTITION (an integer) and THROTTLE_MS_PER_RECORD (> 0)');
  process.exit(2);
}
await runProcessorProcess((client) => throttled(client, topic, partition, (records) => records * msPerRecord));
