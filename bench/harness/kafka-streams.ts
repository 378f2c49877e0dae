/**
 * The Kafka Streams peer (bench/peers/kafka-streams): built once with Maven, kept in its target/
 * folder, rebuilt when a source file is newer than the build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../scripts/kafka/jars.ts';

export const PEER_DIR = join(REPO_ROOT, 'bench', 'peers', 'kafka-streams');
const MAIN_CLASS = join(PEER_DIR, 'target', 'classes', 'dev', 'actorstream', 'bench', 'StreamsPeer.class');

/** The classpath of the built peer, building it first when needed. Throws with Maven's output on failure. */
export function ensurePeerBuilt(log: (line: string) => void): string {
  const lib = join(PEER_DIR, 'target', 'lib');
  if (!upToDate()) {
    log('building the Kafka Streams peer (mvn -q -B package)…');
    const t0 = performance.now();
    const r = spawnSync('mvn', ['-q', '-B', 'package'], { cwd: PEER_DIR, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mvn package failed in ${PEER_DIR} (exit ${r.status}):\n${(r.stdout + r.stderr).slice(-3000)}`);
    log(`built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return `${join(PEER_DIR, 'target', 'classes')}:${join(lib, '*')}`;
}

/** True when the peer was built after every source file and the pom last changed. */
export function upToDate(): boolean {
  if (!existsSync(MAIN_CLASS) || !existsSync(join(PEER_DIR, 'target', 'lib'))) return false;
  const built = statSync(MAIN_CLASS).mtimeMs;
  const sources = [join(PEER_DIR, 'pom.xml'), ...listFiles(join(PEER_DIR, 'src'))];
  return sources.every((f) => statSync(f).mtimeMs <= built);
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? listFiles(join(dir, d.name)) : [join(dir, d.name)]));
}
