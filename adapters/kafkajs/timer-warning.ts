/**
 * kafkajs 2.2.4 arms its throttle timer with a negative delay when nothing throttles (clamped to
 * 1 ms, harmless), and current runtimes print a TimeoutNegativeWarning for it on every client.
 * Drop that one warning; pass every other on. Idempotent. No kafkajs import, so a command can call
 * it before loading kafkajs lazily.
 */
export function quietKafkajsTimerWarning(): void {
  if (quieted) return;
  quieted = true;
  const previous = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (w.name === 'TimeoutNegativeWarning') return;
    if (previous.length === 0) process.stderr.write(`${w.name}: ${w.message}\n`);
    for (const listener of previous) listener(w);
  });
}
let quieted = false;
