import { randomBytes } from 'node:crypto';

/**
 * server.properties of a throwaway single-node KRaft broker (combined broker + controller) listening
 * on 127.0.0.1:`port`, with its controller on `port + 1` and its data under `logDir`.
 * Settings follow the architecture notes, "Local Kafka without Docker". Valid for Kafka 3.9 and 4.x
 * alike: KRaft only, a static voter set (which `kafka-storage format` accepts on both lines without
 * `--standalone`), and none of the settings 4.0 removed.
 */
export function serverProperties(port: number, logDir: string): string {
  const controllerPort = port + 1;
  const settings: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': logDir,
    // One broker: internal topics cannot be replicated, and the defaults (3) would never become available.
    'offsets.topic.replication.factor': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    // Small internal topics: every partition costs files, threads and startup time on 2 cores.
    'offsets.topic.num.partitions': 3,
    'transaction.state.log.num.partitions': 3,
    'num.partitions': 3,
    // Tests join groups back to back; the default 3 s wait before the first rebalance only slows them.
    'group.initial.rebalance.delay.ms': 0,
    // Fast fail-over needs a session timeout below Kafka's 6 s floor (kafka.session_timeout_ms, e.g.
    // 3000 in the fail-over bench and test); the broker refuses one below this minimum.
    'group.min.session.timeout.ms': 1000,
    // The default 128 MB dedupe buffer is allocated up front and hurts a 512 MB heap.
    'log.cleaner.dedupe.buffer.size': 2097152,
    // The product creates its topics explicitly; auto-creation would hide a missing createTopics.
    'auto.create.topics.enable': false,
    'num.network.threads': 2,
    'num.io.threads': 2,
  };
  return `${Object.entries(settings)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

/**
 * A cluster id as `kafka-storage random-uuid` prints it (16 random bytes, base64url without padding),
 * made here to spare a JVM start. Like Kafka's Uuid.randomUuid it never starts with '-', which a
 * command line would read as an option.
 */
export function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
