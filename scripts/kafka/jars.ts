import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KAFKA_VERSION = '3.9.1';
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CACHE_DIR = join(REPO_ROOT, '.cache');
export const LIB_DIR = join(CACHE_DIR, `kafka-${KAFKA_VERSION}`, 'lib');
const POM = join(REPO_ROOT, 'scripts', 'kafka', 'pom.xml');

const INSTALL_HINT =
  'install a JDK 17+ and Maven (apt-get install openjdk-17-jdk-headless maven), or set KAFKA_BROKERS to a running broker, or run `docker compose up -d kafka`';

/**
 * The directory holding the broker classpath, downloading it from Maven Central (via the pom next to
 * this file) when the cache lacks it. Throws, naming what to install, when Java or Maven is missing.
 */
export async function ensureJars(log: (line: string) => void = () => {}): Promise<string> {
  const missing: string[] = [];
  if (!(await commandWorks('java', ['-version']))) missing.push('java');
  if (!hasJars(LIB_DIR) && !(await commandWorks('mvn', ['-v']))) missing.push('mvn');
  if (missing.length > 0) {
    throw new Error(`cannot start a local Kafka broker: ${missing.join(' and ')} not found on PATH; ${INSTALL_HINT}`);
  }
  if (hasJars(LIB_DIR)) return LIB_DIR;

  log(`fetching Kafka ${KAFKA_VERSION} jars from Maven Central into ${LIB_DIR}`);
  // Copy into a private directory and rename it into place, so a concurrent or interrupted run never
  // sees (or leaves) half a classpath.
  const staging = `${LIB_DIR}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(dirname(LIB_DIR), { recursive: true });
  const args = ['-q', '-B', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`, '-DincludeScope=runtime'];
  const { code, output } = await run('mvn', args);
  if (code !== 0 || !hasJars(staging)) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`mvn could not fetch the Kafka jars (exit ${code}); is Maven Central reachable?\n${output.slice(-3000)}`);
  }
  if (hasJars(LIB_DIR)) rmSync(staging, { recursive: true, force: true });
  else {
    rmSync(LIB_DIR, { recursive: true, force: true });
    renameSync(staging, LIB_DIR);
  }
  log(`fetched ${readdirSync(LIB_DIR).length} jars`);
  return LIB_DIR;
}

/** Whether `dir` holds the broker, its client library and the logging binding the broker needs. */
function hasJars(dir: string): boolean {
  return ['kafka_2.13', 'kafka-clients', 'kafka-server', 'slf4j-reload4j'].every((name) =>
    existsSync(join(dir, `${name}-${name.startsWith('slf4j') ? '1.7.36' : KAFKA_VERSION}.jar`)),
  );
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
