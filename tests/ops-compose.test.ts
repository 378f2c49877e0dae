/**
 * docker-compose.yml and the files it mounts. With a Docker Compose client, `docker compose
 * config -q` validates the file against the Compose schema; without one, the file is still
 * parsed and checked here (which mode ran is printed). The static checks always run: services,
 * healthchecks, pinned images, start order, published ports, mounted files and the wiring
 * between the app, Prometheus and Grafana, and the Dockerfile the app is built from.
 * `promtool check config` runs when promtool is installed.
 */
import { describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

type Obj = Record<string, any>;

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const compose: Obj = parse(readFileSync(`${ROOT}docker-compose.yml`, 'utf8'));
const services: Record<string, Obj> = compose.services;
const REQUIRED = ['kafka', 'postgres', 'app', 'jaeger', 'prometheus', 'grafana'];
const PUBLISHED: Record<string, number[]> = {
  kafka: [9092],
  postgres: [5432],
  app: [8080],
  jaeger: [16686, 4318],
  prometheus: [9090],
  grafana: [3000],
};

describe('docker-compose.yml', () => {
  test('docker compose config accepts it (when a Compose client is installed)', () => {
    const version = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
    if (version.error || version.status !== 0) {
      const why = version.error ? 'no docker client' : (version.stderr || version.stdout).trim().split('\n')[0];
      console.log(`[ops-compose] mode: static parse only (docker compose unavailable: ${why})`);
      return;
    }
    console.log(`[ops-compose] mode: docker compose config -q (${version.stdout.trim()})`);
    const r = spawnSync('docker', ['compose', '-f', `${ROOT}docker-compose.yml`, 'config', '-q'], { encoding: 'utf8' });
    if (r.stderr) console.log(`[ops-compose] docker compose: ${r.stderr.trim()}`);
    expect(r.status).toBe(0);
  });

  test('has every service, each with a healthcheck and a pinned image', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(REQUIRED));
    for (const [name, s] of Object.entries(services)) {
      expect({ name, healthcheck: Array.isArray(s.healthcheck?.test) && s.healthcheck.test.length > 1 }).toEqual({ name, healthcheck: true });
      expect({ name, image: s.image }).toEqual({ name, image: expect.stringMatching(/^[\w./-]+:(?!latest$)[\w][\w.-]*$/) });
    }
    expect(services.kafka!.image).toBe('apache/kafka:3.9.1');
    expect(services.app!.build).toBeDefined();
  });

  test('the app starts after a healthy broker and database and is checked on /healthz', () => {
    const app = services.app!;
    expect(app.depends_on?.kafka?.condition).toBe('service_healthy');
    expect(app.depends_on?.postgres?.condition).toBe('service_healthy');
    expect(app.healthcheck.test.join(' ')).toContain('/healthz');
    expect(durationSeconds(app.stop_grace_period ?? '10s')).toBeGreaterThan(30); // SIGTERM → final checkpoint
  });

  test("the app's environment points at the compose services", () => {
    const env = environment(services.app!);
    const internalListener = /PLAINTEXT:\/\/:(\d+)/.exec(environment(services.kafka!).KAFKA_LISTENERS ?? '')?.[1];
    expect(env.KAFKA_BROKERS).toBe(`kafka:${internalListener}`);
    expect(new URL(env.DATABASE_URL!).host).toBe('postgres:5432');
    expect(new URL(env.DATABASE_URL!).pathname).toBe(`/${environment(services.postgres!).POSTGRES_DB}`);
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://jaeger:4318');
    expect(env.HTTP_ADVERTISED_URL).toBe(`http://app:${env.HTTP_PORT ?? '8080'}`);
  });

  test('ports are published', () => {
    for (const [name, ports] of Object.entries(PUBLISHED)) {
      const published = (services[name]!.ports ?? []).map((p: unknown) => Number(String(typeof p === 'object' ? (p as Obj).published : p).split(':')[0]));
      expect({ name, published }).toEqual({ name, published: expect.arrayContaining(ports) });
    }
  });

  test('every file or folder mounted from the repo exists', () => {
    const mounts = Object.entries(services).flatMap(([name, s]) => bindMounts(s).map((m) => ({ name, ...m })));
    expect(mounts.length).toBeGreaterThanOrEqual(4);
    expect(mounts.filter((m) => !existsSync(`${ROOT}${m.source}`))).toEqual([]);
  });

  test('Prometheus scrapes the app and loads the alert rules it is given', () => {
    const prom = bindMounts(services.prometheus!);
    const configMount = prom.find((m) => m.target === '/etc/prometheus/prometheus.yml');
    expect(configMount?.source).toBe('ops/prometheus/prometheus.yml');
    const config: Obj = parse(readFileSync(`${ROOT}${configMount!.source}`, 'utf8'));
    for (const ruleFile of config.rule_files as string[]) {
      const inContainer = ruleFile.startsWith('/') ? ruleFile : `/etc/prometheus/${ruleFile}`;
      expect(prom.map((m) => m.target)).toContain(inContainer);
    }
    const job = (config.scrape_configs as Obj[]).find((j) => j.job_name === 'actorstream');
    expect(job?.metrics_path ?? '/metrics').toBe('/metrics');
    expect(job?.scrape_interval).toBe('5s');
    expect(job?.static_configs[0].targets).toEqual([`app:${environment(services.app!).HTTP_PORT ?? '8080'}`]);
  });

  test('promtool accepts the Prometheus config and rules (when promtool is installed)', () => {
    const probe = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
    if (probe.error) {
      console.log('[ops-compose] promtool not found: Prometheus config and rules checked by parsing only');
      return;
    }
    console.log('[ops-compose] promtool check config ops/prometheus/prometheus.yml');
    const r = spawnSync('promtool', ['check', 'config', `${ROOT}ops/prometheus/prometheus.yml`], { encoding: 'utf8' });
    expect(r.stderr + r.stdout).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  test('Grafana: anonymous viewers, a provisioned Prometheus datasource the dashboard uses, the dashboard loaded', () => {
    const grafana = services.grafana!;
    const env = environment(grafana);
    expect(env.GF_AUTH_ANONYMOUS_ENABLED).toBe('true');
    expect(env.GF_AUTH_ANONYMOUS_ORG_ROLE).toBe('Viewer');
    const mounts = bindMounts(grafana);
    const provisioning = mounts.find((m) => m.target === '/etc/grafana/provisioning')!.source;
    const datasources: Obj = parse(readFileSync(`${ROOT}${provisioning}/datasources/prometheus.yml`, 'utf8'));
    const ds = (datasources.datasources as Obj[]).find((d) => d.type === 'prometheus')!;
    expect(new URL(ds.url).host).toBe('prometheus:9090');
    const providers: Obj = parse(readFileSync(`${ROOT}${provisioning}/dashboards/actorstream.yml`, 'utf8'));
    const dashboardDir = providers.providers[0].options.path;
    const dashboardMount = mounts.find((m) => m.target.startsWith(`${dashboardDir}/`) && m.target.endsWith('.json'))!;
    expect(dashboardMount.source).toBe('ops/grafana/dashboards/actorstream.json');
    const dashboard: Obj = JSON.parse(readFileSync(`${ROOT}${dashboardMount.source}`, 'utf8'));
    const dsVariable = (dashboard.templating.list as Obj[]).find((v) => v.type === 'datasource');
    expect(dsVariable?.current?.value).toBe(ds.uid);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(`${ROOT}Dockerfile`, 'utf8');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  test('builds the single binary from npm ci and runs it non-root on 8080 with a /healthz check', () => {
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    // The project's build script, which also embeds the shard worker and PGlite's assets.
    expect(dockerfile).toMatch(/^RUN node_modules\/\.bin\/bun scripts\/build-binary\.ts\b/m);
    const script = readFileSync(`${ROOT}scripts/build-binary.ts`, 'utf8');
    expect(script).toContain('cli/main.ts');
    expect(script).toContain('shard-worker.ts');
    expect(script).toContain('dist/actorstream');
    expect(runtime).toMatch(/^USER [1-9]\d*(:\d+)?$/m);
    expect(runtime).toMatch(/^EXPOSE 8080$/m);
    expect(runtime).toMatch(/^HEALTHCHECK [\s\S]*\/healthz/m);
    expect(runtime).toContain('ENTRYPOINT ["/app/actorstream", "run"]');
  });

  test('.dockerignore keeps node_modules and build output out of the context', () => {
    const ignored = readFileSync(`${ROOT}.dockerignore`, 'utf8').split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
    for (const needed of ['package.json', 'package-lock.json', 'cli', 'runtime', 'scripts']) expect(ignored).not.toContain(needed);
  });
});

function environment(s: Obj): Record<string, string | undefined> {
  const env = s.environment ?? {};
  if (!Array.isArray(env)) return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? undefined : String(v)]));
  return Object.fromEntries(env.map((e: string) => [e.split('=')[0], e.includes('=') ? e.slice(e.indexOf('=') + 1) : undefined]));
}

/** Bind mounts from the repo, as paths relative to its root. */
function bindMounts(s: Obj): { source: string; target: string }[] {
  return (s.volumes ?? []).flatMap((v: string | Obj) => {
    const [source, target] = typeof v === 'string' ? v.split(':') : [v.type === 'bind' ? v.source : undefined, v.target];
    return source?.startsWith('.') ? [{ source: source.replace(/^\.\//, ''), target: target! }] : [];
  });
}

function durationSeconds(d: string): number {
  const m = /^(\d+)(ms|s|m)$/.exec(d);
  if (!m) throw new Error(`unsupported duration ${d}`);
  return Number(m[1]) / ({ ms: 1000, s: 1, m: 1 / 60 } as const)[m[2] as 'ms' | 's' | 'm'];
}
