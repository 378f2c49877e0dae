/**
 * docker-compose.yml and the files it mounts. With a Docker Compose client, `docker compose
 * config -q` validates the file against the Compose schema; without one, the file is still
 * parsed and checked here (which mode ran is printed). The static checks always run: services,
 * healthchecks, pinned images, start order, published ports (loopback only), secrets (from .env,
 * documented in .env.example, required), mounted files and the wiring between the app,
 * Prometheus and Grafana, and the Dockerfile the app is built from. Variables are interpolated
 * from .env.example, as compose would with that file as .env.
 * `promtool check config` runs when promtool is installed.
 */
import { describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

type Obj = Record<string, any>;

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const composeText = readFileSync(`${ROOT}docker-compose.yml`, 'utf8');
const envExample = parseEnvFile(readFileSync(`${ROOT}.env.example`, 'utf8'));
const compose: Obj = interpolate(parse(composeText), envExample);
/** Values only a secret may give; a literal one in the compose file is a finding. */
const SECRETS = ['POSTGRES_PASSWORD', 'GRAFANA_ADMIN_PASSWORD', 'API_TOKENS'];
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
    const r = spawnSync('docker', ['compose', '--env-file', `${ROOT}.env.example`, '-f', `${ROOT}docker-compose.yml`, 'config', '-q'], { encoding: 'utf8' });
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

  test('ports are published, every one on 127.0.0.1 only', () => {
    for (const [name, ports] of Object.entries(PUBLISHED)) {
      const published = (services[name]!.ports ?? []).map(publishedPort);
      expect({ name, published: published.map((p: { port: number }) => p.port) }).toEqual({ name, published: expect.arrayContaining(ports) });
    }
    const exposed = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map(publishedPort).filter((p: { host: string }) => p.host !== '127.0.0.1').map((p: { host: string; port: number }) => `${name} ${p.host}:${p.port}`));
    expect(exposed).toEqual([]);
  });

  test('secrets come from .env (required, documented in .env.example), never literals; the app requires API tokens', () => {
    for (const name of SECRETS) {
      expect({ name, required: new RegExp(`\\$\\{${name}:\\?[^}]+\\}`).test(composeText) }).toEqual({ name, required: true });
      expect({ name, documented: envExample[name] !== undefined }).toEqual({ name, documented: true });
    }
    // Every variable the compose file uses is documented.
    const code = composeText.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n');
    const used = [...code.matchAll(/\$\{(\w+)/g)].map((m) => m[1]!);
    expect(used.filter((v) => envExample[v] === undefined)).toEqual([]);
    const raw: Obj = parse(composeText);
    expect(String(environment(raw.services.postgres).POSTGRES_PASSWORD)).toStartWith('${POSTGRES_PASSWORD:?');
    expect(String(environment(raw.services.grafana).GF_SECURITY_ADMIN_PASSWORD)).toStartWith('${GRAFANA_ADMIN_PASSWORD:?');
    expect(String(environment(raw.services.app).API_TOKENS)).toStartWith('${API_TOKENS:?');
    expect(new URL(environment(raw.services.app).DATABASE_URL!.replace(/\$\{[^}]+\}/g, 'x')).password).toBe('x');
    // Inside its container the app listens on all interfaces, which it allows only with tokens.
    expect(environment(services.app!).HTTP_HOST).toBe('0.0.0.0');
    expect(environment(services.app!).ALLOW_INSECURE).toBeUndefined();
  });

  test('the interpolation and the checks catch a missing secret and an exposed port', () => {
    expect(() => interpolate({ a: '${NOPE:?set NOPE}' }, {})).toThrow('set NOPE');
    expect(publishedPort('5432:5432')).toEqual({ host: '0.0.0.0', port: 5432 });
    expect(publishedPort({ published: 9092, host_ip: '127.0.0.1' })).toEqual({ host: '127.0.0.1', port: 9092 });
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

/** A published port and the host address it is bound to (compose's default: every interface). */
function publishedPort(p: unknown): { host: string; port: number } {
  if (typeof p === 'object' && p !== null) return { host: (p as Obj).host_ip ?? '0.0.0.0', port: Number((p as Obj).published) };
  const parts = String(p).split(':');
  return parts.length === 3 ? { host: parts[0]!, port: Number(parts[1]) } : { host: '0.0.0.0', port: Number(parts[0]) };
}

/** KEY=value lines (comments and blanks skipped), as compose reads a .env file. */
function parseEnvFile(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').filter((l) => /^\w+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** Compose variable interpolation over every string: ${VAR}, ${VAR:-default}, ${VAR:?error}. */
function interpolate<T>(value: T, vars: Record<string, string>): T {
  if (typeof value === 'string') {
    return value.replace(/\$\{(\w+)(?:(:-|:\?)([^}]*))?\}/g, (_, name: string, op?: string, arg?: string) => {
      const v = vars[name];
      if (v !== undefined && v !== '') return v;
      if (op === ':?') throw new Error(arg);
      return op === ':-' ? (arg ?? '') : '';
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, vars)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, vars)])) as T;
  return value;
}

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
