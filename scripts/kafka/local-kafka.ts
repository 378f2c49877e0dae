/**
 * A Kafka broker for tests and local runs, without Docker: `KAFKA_BROKERS` when set, else a broker
 * already answering on 127.0.0.1:9092, else a real single-node Apache Kafka (KRaft) of the version
 * asked for (default 3.9.1) started from the Maven Central jars.
 * CLI: `bun scripts/kafka/local-kafka.ts start|stop|status [--port N] [--version 4.4.0]`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CACHE_DIR, DEFAULT_KAFKA_VERSION, ensureJars, run } from './jars.ts';
import { brokerLogging } from './logging.ts';
import { brokerAnswers, waitForBroker } from './probe.ts';
import { cleanUpOnExit, isBroker, removeDir, terminate } from './processes.ts';
import { randomClusterId, serverProperties } from './server-properties.ts';

export interface KafkaHandle {
  brokers: string[];
  /** True when this call launched the broker (and `stop` will end it). */
  started: boolean;
  /**
   * The broker's Kafka version when known: launched here, or started by the CLI on that port. Unknown
   * (undefined) for `KAFKA_BROKERS` and for any other broker found on the port.
   */
  version?: string;
  stop(): Promise<void>;
}

export interface EnsureKafkaOptions {
  log?: (line: string) => void;
  /** Client port of the local broker; its controller listens on `port + 1`. Default 9092. */
  port?: number;
  /** Kafka version of a broker launched here, e.g. '4.4.0'. Default 3.9.1. */
  version?: string;
  /**
   * Whether `KAFKA_BROKERS`, when set, wins (default true). False for a caller that needs a broker of
   * `version` on `port` whatever the environment says, like the second version pass of `npm test`.
   */
  fromEnv?: boolean;
}

/**
 * A reachable Kafka broker: `KAFKA_BROKERS` if set (proven by a metadata request, else an error
 * naming the address), else one already on 127.0.0.1:`port`, else a fresh broker started here,
 * which is killed with this process if `stop()` is never called.
 *
 * @example const kafka = await ensureKafka({ log: console.log }); try { ... } finally { await kafka.stop(); }
 */
export async function ensureKafka(opts: EnsureKafkaOptions = {}): Promise<KafkaHandle> {
  const { brokers, started, version, stop } = await ensure({ ...opts, detached: false });
  return { brokers, started, version, stop };
}

const ENV_TIMEOUT_MS = 15_000;
const START_TIMEOUT_MS = 90_000;
/** One state file per port, so brokers on different ports (tests, benchmarks) never clash. */
const stateFile = (port: number) => join(CACHE_DIR, `local-kafka-${port}.json`);

interface Launched extends KafkaHandle {
  pid?: number;
  dir?: string;
}

async function ensure(opts: EnsureKafkaOptions & { detached: boolean }): Promise<Launched> {
  const { log = () => {}, port = 9092, version = DEFAULT_KAFKA_VERSION, detached } = opts;
  const fromEnv = opts.fromEnv === false ? undefined : process.env.KAFKA_BROKERS?.trim();
  if (fromEnv) {
    const brokers = fromEnv.split(',').map((b) => b.trim()).filter(Boolean);
    // A refused address gets a few seconds (a broker may be binding its port right now), not the full wait.
    const failure = await waitForBroker(brokers, ENV_TIMEOUT_MS, { refusedMs: 3_000 });
    if (failure) {
      throw new Error(
        `KAFKA_BROKERS=${fromEnv} did not answer a Kafka metadata request (${failure}). ` +
          `Start that broker or correct KAFKA_BROKERS; unset it to use or start a local broker on 127.0.0.1:${port}.`,
      );
    }
    log(`using KAFKA_BROKERS=${fromEnv}`);
    return notOurs(brokers);
  }
  const brokers = [`127.0.0.1:${port}`];
  if (await portOpen(port)) {
    // Something listens: it may be a broker still starting (e.g. `start` in another shell), so give it time.
    const failure = await waitForBroker(brokers, ENV_TIMEOUT_MS);
    if (failure) {
      throw new Error(`127.0.0.1:${port} is in use but does not answer as Kafka (${failure}); free the port or set KAFKA_BROKERS.`);
    }
    // A broker the CLI started says which version it is; any other could be anything.
    const known = liveState(port)?.version;
    log(`reusing the broker already answering on ${brokers[0]} (${known ? `Kafka ${known}` : 'version unknown'})`);
    return { ...notOurs(brokers), version: known };
  }
  return launch(port, version, log, detached);
}

async function launch(port: number, version: string, log: (line: string) => void, detached: boolean): Promise<Launched> {
  const lib = await ensureJars(version, log).catch((e: Error) => {
    throw new Error(`no broker on 127.0.0.1:${port}${process.env.KAFKA_BROKERS ? '' : ' and KAFKA_BROKERS is unset'}; ${e.message}`);
  });
  const brokers = [`127.0.0.1:${port}`];
  const dir = await mkdtemp(join(tmpdir(), 'actorstream-kafka-'));
  let child: ChildProcess | undefined;
  // Armed before anything runs, so an interrupted start leaves neither a broker nor its data behind.
  const forget = cleanUpOnExit(dir, () => child);
  const exited = () => !child || child.exitCode !== null || child.signalCode !== null;
  const t0 = performance.now();
  try {
    const props = join(dir, 'server.properties');
    const logging = brokerLogging(version);
    const logConfig = join(dir, logging.configName);
    writeFileSync(props, serverProperties(port, join(dir, 'data')));
    writeFileSync(logConfig, logging.config(join(dir, 'broker.log')));
    // Java expands the `lib/*` wildcard itself; no shell is involved.
    const classpath = [logging.jvmFlag(logConfig), '-cp', join(lib, '*')];
    // The same command formats a 3.9 and a 4.x data directory: with a static voter set
    // (controller.quorum.voters) 4.x needs neither --standalone nor --initial-controllers.
    const format = await run('java', ['-Xmx256m', ...classpath, 'kafka.tools.StorageTool', 'format', '-t', randomClusterId(), '-c', props, '-g']);
    if (format.code !== 0) throw new Error(`formatting Kafka storage failed (exit ${format.code}):\n${format.output.slice(-3000)}`);

    const out = openSync(join(dir, 'stdout.log'), 'a');
    // detached (own session) only for the CLI, whose broker must outlive it; in-process brokers stay in
    // our process group so a terminal's Ctrl-C reaches them too.
    child = spawn('java', ['-Xms256m', '-Xmx512m', ...classpath, 'kafka.Kafka', props], { stdio: ['ignore', out, out], detached });
    closeSync(out);
    child.on('error', () => {}); // a spawn failure shows up as an exit, reported with the log tail below
    log(`starting Kafka ${version} on ${brokers[0]} (pid ${child.pid}, logs in ${dir})`);

    const failure = await waitForBroker(brokers, START_TIMEOUT_MS, { gaveUp: exited });
    if (failure) throw new Error(`Kafka on ${brokers[0]} did not become ready (${failure}). Broker log tail:\n${logTail(dir)}`);
  } catch (e) {
    forget();
    await terminate(child, exited);
    removeDir(dir);
    throw e;
  }
  log(`Kafka ${version} ready on ${brokers[0]} after ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  if (detached) {
    forget();
    child.unref();
  }
  let stopping: Promise<void> | undefined;
  return {
    brokers,
    started: true,
    version,
    pid: child.pid,
    dir,
    stop: () =>
      (stopping ??= (async () => {
        forget();
        await terminate(child, exited);
        removeDir(dir);
      })()),
  };
}

function notOurs(brokers: string[]): Launched {
  return { brokers, started: false, stop: async () => {} };
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 1_000 });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** The last lines of the broker's output, without Java stack frames, which would crowd out the causes. */
function logTail(dir: string, lines = 30): string {
  return ['stdout.log', 'broker.log']
    .map((name) => {
      const path = join(dir, name);
      const text = existsSync(path) ? readFileSync(path, 'utf8').trimEnd() : '';
      const kept = text.split('\n').filter((l) => !/^\s+(at |\.\.\. \d+ more)/.test(l));
      return text ? `--- ${name}\n${kept.slice(-lines).join('\n')}` : '';
    })
    .filter(Boolean)
    .join('\n');
}

// --- CLI: a broker that outlives the command, remembered in .cache/local-kafka-<port>.json -----------------

interface State {
  pid: number;
  brokers: string[];
  dir: string;
  startedAt: string;
  /** Absent in files written before versions were selectable, which all ran 3.9.1. */
  version?: string;
}

async function cli(command: string | undefined, port: number, version: string | undefined): Promise<number> {
  const state = readState(port);
  const ours = liveState(port);
  switch (command) {
    case 'start': {
      if (ours) {
        if (version && version !== ours.version) {
          console.error(`Kafka ${ours.version} is already running on port ${port} (pid ${ours.pid}); stop it first, or pick another --port`);
          return 1;
        }
        console.log(`already running Kafka ${ours.version} (pid ${ours.pid}): KAFKA_BROKERS=${ours.brokers.join(',')}`);
        return 0;
      }
      // An explicit --version asks for that broker, not for whatever KAFKA_BROKERS names.
      const handle = await ensure({ log: (l) => console.log(l), port, version, fromEnv: version === undefined, detached: true });
      if (handle.started && handle.pid !== undefined && handle.dir) {
        mkdirSync(CACHE_DIR, { recursive: true });
        const next: State = { pid: handle.pid, brokers: handle.brokers, dir: handle.dir, startedAt: new Date().toISOString(), version: handle.version };
        writeFileSync(stateFile(port), JSON.stringify(next, null, 2));
      }
      console.log(`KAFKA_BROKERS=${handle.brokers.join(',')}`);
      return 0;
    }
    case 'stop': {
      if (ours) {
        await terminate(ours.pid, () => !isBroker(ours.pid));
        console.log(`stopped Kafka (pid ${ours.pid})`);
      } else console.log('no broker started by `start` is running');
      if (state) removeDir(state.dir);
      rmSync(stateFile(port), { force: true });
      return 0;
    }
    case 'status': {
      const brokers = ours?.brokers ?? [`127.0.0.1:${port}`];
      const answers = await brokerAnswers(brokers, 5_000);
      const who = ours ? `Kafka ${ours.version} started by \`start\` (pid ${ours.pid}, since ${ours.startedAt}, logs in ${ours.dir})` : 'not started by `start`';
      console.log(`${brokers.join(',')}: ${answers ? 'answers' : 'does not answer'}; ${who}`);
      return answers ? 0 : 1;
    }
    default:
      console.error(`usage: bun scripts/kafka/local-kafka.ts start|stop|status [--port 9092] [--version ${DEFAULT_KAFKA_VERSION}]`);
      return 2;
  }
}

/** The state of the broker the CLI started on `port`, if it is still running. */
function liveState(port: number): State | undefined {
  const state = readState(port);
  return state && isBroker(state.pid) ? { ...state, version: state.version ?? DEFAULT_KAFKA_VERSION } : undefined;
}

function readState(port: number): State | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(port), 'utf8')) as State;
  } catch {
    return undefined;
  }
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const at = args.indexOf(name);
    return at >= 0 ? args.splice(at, 2)[1] : undefined;
  };
  const port = Number(option('--port') ?? 9092);
  const version = option('--version');
  try {
    process.exit(await cli(args[0], port, version));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
