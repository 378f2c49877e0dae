/** The `<topic>:<partition>` key the engine's maps of offsets (and intake lanes) use. */
export function tpKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** A `tpKey` read back into its parts (a Kafka topic name cannot hold ':', so the last one separates them). */
export function parseTpKey(tp: string): { topic: string; partition: number } {
  const sep = tp.lastIndexOf(':');
  return { topic: tp.slice(0, sep), partition: Number(tp.slice(sep + 1)) };
}
