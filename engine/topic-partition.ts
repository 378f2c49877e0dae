/**
 * The `<topic>:<partition>` key the engine's maps of offsets use, read back into its parts (a
 * Kafka topic name cannot hold ':', so the last one separates them).
 */
export function parseTpKey(tp: string): { topic: string; partition: number } {
  const sep = tp.lastIndexOf(':');
  return { topic: tp.slice(0, sep), partition: Number(tp.slice(sep + 1)) };
}
