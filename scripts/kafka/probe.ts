import { Kafka, logLevel } from 'kafkajs';
import { applyKafkajsFixes } from '../../adapters/kafkajs/fixes.ts';

/**
 * Polls `brokers` with real metadata requests until one succeeds (→ undefined) or `timeoutMs` passes
 * or `gaveUp()` turns true (→ the last failure, for an error message). An open port alone proves
 * nothing: a broker accepts connections well before it can serve clients. With `refusedMs`, an
 * address that is refused or does not resolve for that long fails early: nothing is coming up there.
 */
export async function waitForBroker(
  brokers: string[],
  timeoutMs: number,
  { gaveUp = () => false, refusedMs = Infinity }: { gaveUp?: () => boolean; refusedMs?: number } = {},
): Promise<string | undefined> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let failure = 'no attempt';
  for (;;) {
    const remaining = deadline - Date.now();
    if (gaveUp()) return `the broker process exited; last probe: ${failure}`;
    if (remaining <= 0) return `${failure}; gave up after ${(timeoutMs / 1000).toFixed(0)} s`;
    if (Date.now() - started >= refusedMs && /ECONNREFUSED|ENOTFOUND/.test(failure)) return failure;
    const result = await describe(brokers, Math.min(remaining, 5_000));
    if (result === undefined) return undefined;
    failure = result;
    await new Promise((r) => setTimeout(r, Math.min(500, Math.max(0, deadline - Date.now()))));
  }
}

/** One metadata request: whether `brokers` answer as Kafka within `timeoutMs`. */
export async function brokerAnswers(brokers: string[], timeoutMs: number): Promise<boolean> {
  return (await describe(brokers, timeoutMs)) === undefined;
}

async function describe(brokers: string[], timeoutMs: number): Promise<string | undefined> {
  // Without it an idle connection's 1 ms timer prints a TimeoutNegativeWarning (adapters/kafkajs/request-queue-timer.ts).
  applyKafkajsFixes();
  const admin = new Kafka({
    clientId: 'local-kafka-probe',
    brokers,
    connectionTimeout: Math.min(timeoutMs, 3_000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    // Refused connections are the expected answer while a broker starts; they are not news.
    logLevel: logLevel.NOTHING,
  }).admin();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  const attempt = (async () => {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 ? undefined : 'the cluster reports no brokers';
  })().catch((e: Error) => `${e.name}: ${e.message}`);
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => {});
  }
}
