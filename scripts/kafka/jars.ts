import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brokerLogging } from './logging.ts';

/** The broker `npm test`, the benchmarks and `npm run kafka start` use unless told a version. */
export const DEFAULT_KAFKA_VERSION = '3.9.1';
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CACHE_DIR = join(REPO_ROOT, '.cache');
/** One classpath per version, so switching versions never refetches or mixes jars. */
export const libDir = (version: string) => join(CACHE_DIR, `kafka-${version}`, 'lib');
const POM = join(REPO_ROOT, 'scripts', 'kafka', 'pom.xml');

const INSTALL_HINT =
  'install a JDK 17+ and Maven (apt-get install openjdk-17-jdk-headless maven), or set KAFKA_BROKERS to a running broker, or run `docker compose up -d kafka`';

/**
 * The directory holding the classpath of broker `version` (e.g. '4.4.0'), downloading it from Maven
 * Central (via the pom next to this file) when the cache lacks it. Throws, naming what to install,
 * when Java or Maven is missing.
 */
export async function ensureJars(version = DEFAULT_KAFKA_VERSION, log: (line: string) => void = () => {}): Promise<string> {
  // The version becomes a path and a Maven property: accept only what Kafka releases look like.
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`not a Kafka release version: '${version}' (expected e.g. 3.9.1 or 4.4.0)`);
  const lib = libDir(version);
  const missing: string[] = [];
  if (!(await commandWorks('java', ['-version']))) missing.push('java');
  if (!hasJars(lib, version) && !(await commandWorks('mvn', ['-v']))) missing.push('mvn');
  if (missing.length > 0) {
    throw new Error(`cannot start a local Kafka broker: ${missing.join(' and ')} not found on PATH; ${INSTALL_HINT}`);
  }
  if (hasJars(lib, version)) return lib;

  log(`fetching Kafka ${version} jars from Maven Central into ${lib}`);
  // Copy into a private directory and rename it into place, so a concurrent or interrupted run never
  // sees (or leaves) half a classpath.
  const staging = `${lib}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(dirname(lib), { recursive: true });
  const args = [
    ...['-q', '-B', '-f', POM, `-Dkafka.version=${version}`, '-P', brokerLogging(version).mavenProfile],
    ...['dependency:copy-dependencies', `-DoutputDirectory=${staging}`, '-DincludeScope=runtime'],
  ];
  const { code, output } = await run('mvn', args);
  if (code !== 0 || !hasJars(staging, version)) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`mvn could not fetch the Kafka ${version} jars (exit ${code}); is Maven Central reachable, and is ${version} a released Kafka?\n${output.slice(-3000)}`);
  }
  if (hasJars(lib, version)) rmSync(staging, { recursive: true, force: true });
  else {
    rmSync(lib, { recursive: true, force: true });
    renameSync(staging, lib);
  }
  log(`fetched ${readdirSync(lib).length} jars`);
  return lib;
}

/** Whether `dir` holds the broker, its client library and the logging binding the broker needs. */
function hasJars(dir: string, version: string): boolean {
  if (!['kafka_2.13', 'kafka-clients', 'kafka-server'].every((name) => existsSync(join(dir, `${name}-${version}.jar`)))) return false;
  const binding = brokerLogging(version).bindingJar;
  return readdirSync(dir).some((file) => file.startsWith(binding) && file.endsWith('.jar'));
}

async function commandWorks(cmd: string, args: string[]): Promise<boolean> {
  return (await run(cmd, args)).code === 0;
}

/** Runs a command to completion; a missing executable yields code -1 rather than an exception. */
export function run(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (e) => resolve({ code: -1, output: String(e) }));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}
