/**
 * How a local broker logs, which is where the Kafka lines differ most for us: 3.x logs through
 * log4j 1 (reload4j, `log4j.properties`), 4.x through log4j2 (KIP-653, its own properties syntax).
 * Both keep the broker quiet: warnings go to one file, plus the INFO line saying the server
 * started, which helps when reading a log tail.
 */
export interface BrokerLogging {
  /** The profile of scripts/kafka/pom.xml that adds this line's slf4j binding. */
  mavenProfile: 'log4j1' | 'log4j2';
  /** File-name prefix of that binding's jar: without it the classpath is incomplete. */
  bindingJar: string;
  /** Name of the configuration file written next to server.properties. */
  configName: string;
  /** The JVM flag that points the logging backend at the configuration file `path`. */
  jvmFlag(path: string): string;
  /** The configuration itself, logging to `logFile`. */
  config(logFile: string): string;
}

/** @example brokerLogging('4.4.0').mavenProfile === 'log4j2' */
export function brokerLogging(version: string): BrokerLogging {
  return majorOf(version) >= 4 ? LOG4J2 : LOG4J1;
}

export function majorOf(version: string): number {
  return Number(version.split('.')[0]);
}

const LOG4J1: BrokerLogging = {
  mavenProfile: 'log4j1',
  bindingJar: 'slf4j-reload4j-',
  configName: 'log4j.properties',
  jvmFlag: (path) => `-Dlog4j.configuration=file:${path}`,
  config: (logFile) =>
    lines([
      'log4j.rootLogger=WARN, file',
      'log4j.appender.file=org.apache.log4j.FileAppender',
      `log4j.appender.file.File=${logFile}`,
      'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
      'log4j.logger.kafka.server.KafkaRaftServer=INFO',
    ]),
};

const LOG4J2: BrokerLogging = {
  mavenProfile: 'log4j2',
  bindingJar: 'log4j-slf4j-impl-',
  configName: 'log4j2.properties',
  jvmFlag: (path) => `-Dlog4j2.configurationFile=${path}`,
  config: (logFile) =>
    lines([
      // log4j2's own status messages (a broken configuration) still reach stderr, i.e. stdout.log.
      'status=warn',
      'appender.file.type=File',
      'appender.file.name=file',
      `appender.file.fileName=${logFile}`,
      'appender.file.layout.type=PatternLayout',
      'appender.file.layout.pattern=[%d] %p %m (%c)%n',
      'rootLogger.level=WARN',
      'rootLogger.appenderRef.file.ref=file',
      'logger.started.name=kafka.server.KafkaRaftServer',
      'logger.started.level=INFO',
    ]),
};

function lines(list: string[]): string {
  return `${list.join('\n')}\n`;
}
