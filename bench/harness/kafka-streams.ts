/**
 * The Kafka Streams peer (bench/peers/kafka-streams): built once with Maven, kept in its target/
 * folder, rebuilt when a source file is newer than the build; and its variants by stream threads.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../scripts/kafka/jars.ts';
import { CONTENDERS, type ContenderSpec } from './contenders.ts';

/**
 * The peer with more stream threads, as extra contender ids. Which setting is faster depends on the
 * machine (on 2 shared cores issue #19 measured 48k events/s with 1 thread and 42k with 2: the
 * second thread competes with the broker and Postgres), so the bench runs both and compares us
 * with the better one (report.ts `ratiosOf`).
 */
export const PEER_VARIANTS = { 'kafka-streams-2t': 2 } as const;
export type PeerVariantId = keyof typeof PEER_VARIANTS;
export const PEER_IDS = ['kafka-streams', ...Object.keys(PEER_VARIANTS)] as readonly string[];

/** The peer's contender spec with `threads` stream threads (`--threads`; 1 is CONTENDERS['kafka-streams'] as is). */
export function peerSpec(id: PeerVariantId): ContenderSpec {
  const base = CONTENDERS['kafka-streams'];
  const threads = PEER_VARIANTS[id];
  return {
    ...base,
    label: `${base.label}, ${threads} stream threads`,
    what: `the Java peer as kafka-streams, with num.stream.threads=${threads}`,
    launch(ctx) {
      const launch = base.launch(ctx);
      return { ...launch, args: [...launch.args, '--threads', String(threads)] };
    },
  };
}

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
