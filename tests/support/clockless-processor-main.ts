/**
 * A processor process whose clock records are never written (intercepted-client.ts
 * `withoutClockRecords`), for tests that kill it with SIGKILL holding clocks nobody heard.
 * Configured like instance/processor-main.ts.
 */
import { runProcessorProcess } from '../../instance/processor-process-main.ts';
import { withoutClockRecords } from './intercepted-client.ts';

await runProcessorProcess(withoutClockRecords);
