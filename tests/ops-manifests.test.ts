/**
 * deploy/k8s: every object is validated offline against the Kubernetes / KEDA schemas
 * (kubernetes-models), then held to what the app needs: probes on /healthz and /readyz, config and
 * secrets wired to the env the app reads (API tokens from a Secret: pods listen on all interfaces),
 * a NetworkPolicy admitting only the HTTP port from named sources, a ScaledObject that never asks for more pods than
 * partitions. The schemas accept unknown fields, so the fields that matter are checked by name.
 * The last tests feed broken copies through the same checks to show that they fail.
 */
import { describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { SOURCE_TOPICS } from '../schemas/index.ts';

type Obj = Record<string, any>;

const DIR = fileURLToPath(new URL('../deploy/k8s/', import.meta.url));
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};
const CONSUMER_GROUP = 'actorstream-processor';
const APP_SHUTDOWN_SECONDS = 30; // SIGTERM → final checkpoint → leave the group
const MAX_PARTITIONS = 6;

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();
const manifests = files.filter((f) => f !== 'kustomization.yaml').flatMap((file) => loadYaml(file).map((obj) => ({ file, obj })));
const only = (kind: string): Obj => {
  const found = manifests.filter((m) => m.obj.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind} in deploy/k8s, found ${found.length}`);
  return found[0]!.obj;
};

describe('deploy/k8s manifests', () => {
  test('every object is a known kind and valid against its schema', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(5);
    expect(manifests.flatMap(({ file, obj }) => schemaProblems(obj).map((p) => `${file}: ${p}`))).toEqual([]);
  });

  test('namespace-agnostic, and the kustomization lists exactly the manifests of the folder', () => {
    expect(manifests.filter((m) => m.obj.metadata?.namespace !== undefined).map((m) => m.file)).toEqual([]);
    const kustomization = loadYaml('kustomization.yaml')[0]!;
    expect(kustomization.kind).toBe('Kustomization');
    expect(kustomization.namespace).toBeUndefined();
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml'));
  });

  test("the ConfigMap's pipeline.yaml parses and has the contract's keys", () => {
    const cm = only('ConfigMap');
    expect(pipelineProblems(cm.data['pipeline.yaml'])).toEqual([]);
    const pipeline = parse(cm.data['pipeline.yaml']);
    expect(cm.data.KAFKA_BROKERS).toBe([pipeline.kafka.bootstrap_servers].flat().join(','));
  });

  test('Deployment: probes, env wiring, grace period, non-root read-only container', () => {
    expect(deploymentProblems(only('Deployment'), only('ConfigMap'))).toEqual([]);
    const uid = /^USER\s+(\d+)/m.exec(readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8'))?.[1];
    expect(Number(uid)).toBe(only('Deployment').spec.template.spec.securityContext.runAsUser);
  });

  test("Service and PodDisruptionBudget select the Deployment's pods; at most one pod disrupted", () => {
    const podLabels = only('Deployment').spec.template.metadata.labels;
    expect(matches(only('Service').spec.selector, podLabels)).toBe(true);
    expect(only('Service').spec.ports.map((p: Obj) => p.targetPort)).toContain('http');
    const pdb = only('PodDisruptionBudget');
    expect(matches(pdb.spec.selector.matchLabels, podLabels)).toBe(true);
    expect(pdb.spec.maxUnavailable).toBe(1);
  });

  test('NetworkPolicy: selects the pods, admits only TCP 8080, from selected sources', () => {
    expect(networkPolicyProblems(only('NetworkPolicy'), only('Deployment'))).toEqual([]);
  });

  test('ScaledObject: Kafka lag of the consumer group on the source topics, 1 to 6 replicas', () => {
    const pipeline = parse(only('ConfigMap').data['pipeline.yaml']);
    expect(scaledObjectProblems(only('ScaledObject'), only('Deployment'), pipeline)).toEqual([]);
  });

  test('kustomize renders the folder (when kubectl is installed)', () => {
    const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      console.log('[ops-manifests] kubectl not found: kustomize rendering not checked');
      return;
    }
    console.log('[ops-manifests] rendering with `kubectl kustomize deploy/k8s`');
    const r = spawnSync('kubectl', ['kustomize', DIR], { encoding: 'utf8' });
    if (r.stderr) console.log(`[ops-manifests] kubectl: ${r.stderr.trim()}`);
    expect(r.status).toBe(0);
    const kinds = parseAllDocuments(r.stdout).map((d) => d.toJS()?.kind).sort();
    expect(kinds).toEqual(manifests.map((m) => m.obj.kind).sort());
  });
});

describe('the checks reject broken manifests', () => {
  const copy = (kind: string): Obj => structuredClone(only(kind));

  test('schema: a wrong type, a missing required field, an unquoted KEDA metadata value, an unknown kind', () => {
    const badPort = copy('Deployment');
    badPort.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
    const noSelector = copy('Deployment');
    delete noSelector.spec.selector;
    const boolMetadata = copy('ScaledObject');
    boolMetadata.spec.triggers[0].metadata.allowIdleConsumers = false;
    const cases: [Obj, RegExp][] = [
      [badPort, /containerPort must be integer/],
      [noSelector, /must have required property selector/],
      [boolMetadata, /allowIdleConsumers must be string/],
      [{ apiVersion: 'v1', kind: 'Secrett', metadata: { name: 'x' } }, /no schema for v1\/Secrett/],
    ];
    for (const [broken, reason] of cases) expect(schemaProblems(broken).join('\n')).toMatch(reason);
  });

  test('deployment: readiness on /healthz, a literal DATABASE_URL, $(POD_IP) used before it is defined, a short grace period', () => {
    const cases: [(d: Obj) => void, string][] = [
      [(d) => (container(d).readinessProbe.httpGet.path = '/healthz'), 'readinessProbe GET /readyz on http'],
      [(d) => (envOf(d).find((e) => e.name === 'DATABASE_URL')!.valueFrom = undefined), 'DATABASE_URL from a Secret'],
      [(d) => envOf(d).unshift(...envOf(d).splice(envOf(d).findIndex((e) => e.name === 'HTTP_ADVERTISED_URL'), 1)), 'HTTP_ADVERTISED_URL uses $(POD_IP) defined before it'],
      [(d) => (d.spec.template.spec.terminationGracePeriodSeconds = 30), `terminationGracePeriodSeconds > ${APP_SHUTDOWN_SECONDS}`],
      [(d) => (container(d).securityContext.readOnlyRootFilesystem = false), 'readOnlyRootFilesystem'],
      [(d) => (envOf(d).find((e) => e.name === 'API_TOKENS')!.valueFrom = undefined), 'API_TOKENS from a Secret'],
      [(d) => envOf(d).push({ name: 'ALLOW_INSECURE', value: 'true' }), 'no ALLOW_INSECURE'],
    ];
    for (const [mutate, problem] of cases) {
      const d = copy('Deployment');
      mutate(d);
      expect(deploymentProblems(d, only('ConfigMap'))).toEqual([problem]);
    }
  });

  test('scaled object above the partition count, on another group, allowing idle consumers, or missing a topic', () => {
    const pipeline = parse(only('ConfigMap').data['pipeline.yaml']);
    const cases: [(s: Obj) => void, string][] = [
      [(s) => (s.spec.maxReplicaCount = 12), `maxReplicaCount <= ${MAX_PARTITIONS} partitions`],
      [(s) => (s.spec.triggers[1].metadata.consumerGroup = 'other'), `consumerGroup: ${CONSUMER_GROUP}`],
      [(s) => (s.spec.triggers[2].metadata.allowIdleConsumers = 'true'), 'allowIdleConsumers: "false"'],
      [(s) => s.spec.triggers.pop(), 'a trigger per source topic (or one without topic)'],
    ];
    for (const [mutate, problem] of cases) {
      const s = copy('ScaledObject');
      mutate(s);
      expect(scaledObjectProblems(s, only('Deployment'), pipeline)).toEqual([problem]);
    }
  });

  test('network policy: selecting other pods, open to every source, or to every port', () => {
    const cases: [(n: Obj) => void, string][] = [
      [(n) => (n.spec.podSelector.matchLabels = { app: 'other' }), 'selects the Deployment\'s pods'],
      [(n) => (n.spec.ingress[0].from = undefined), 'every ingress rule names its sources'],
      [(n) => (n.spec.ingress[0].ports = undefined), 'ingress only to TCP 8080'],
    ];
    for (const [mutate, problem] of cases) {
      const n = copy('NetworkPolicy');
      mutate(n);
      expect(networkPolicyProblems(n, only('Deployment'))).toEqual([problem]);
    }
  });

  test('pipeline.yaml without the checkpoint location, or not YAML', () => {
    const text = only('ConfigMap').data['pipeline.yaml'];
    expect(pipelineProblems(text.replace(/checkpoint_location: postgres/, ''))).toEqual(['processing.checkpoint_location: postgres']);
    expect(pipelineProblems('kafka: [unclosed')[0]).toMatch(/^not YAML/);
  });
});

function loadYaml(file: string): Obj[] {
  return parseAllDocuments(readFileSync(DIR + file, 'utf8')).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    const obj = doc.toJS();
    return obj ? [obj] : [];
  });
}

function schemaProblems(obj: Obj): string[] {
  const Model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (!Model) return [`no schema for ${obj.apiVersion}/${obj.kind} (add it to MODELS)`];
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    return [`${obj.kind}/${obj.metadata?.name}: ${(e as Error).message}`];
  }
}

function pipelineProblems(text: string): string[] {
  let p: Obj;
  try {
    p = parse(text);
  } catch (e) {
    return [`not YAML: ${(e as Error).message}`];
  }
  const problems: string[] = [];
  const need = (ok: boolean, what: string) => ok || problems.push(what);
  const servers = [p?.kafka?.bootstrap_servers].flat().join(',');
  need(/^[\w.-]+:\d+(,[\w.-]+:\d+)*$/.test(servers), 'kafka.bootstrap_servers: host:port[,host:port]');
  need(Array.isArray(p?.kafka?.topics) && SOURCE_TOPICS.every((t) => p.kafka.topics.includes(t)), `kafka.topics: ${SOURCE_TOPICS.join(', ')}`);
  need(Number.isInteger(p?.processing?.batch_size) && p.processing.batch_size > 0, 'processing.batch_size: positive integer');
  need(Number.isInteger(p?.processing?.checkpoint_interval_ms) && p.processing.checkpoint_interval_ms > 0, 'processing.checkpoint_interval_ms: positive integer');
  need(p?.processing?.checkpoint_location === 'postgres', 'processing.checkpoint_location: postgres');
  need(typeof p?.postgres?.host === 'string' && p.postgres.host !== '', 'postgres.host');
  need(typeof p?.postgres?.database === 'string' && p.postgres.database !== '', 'postgres.database');
  need(p?.http?.port === 8080, 'http.port: 8080');
  return problems;
}

function deploymentProblems(d: Obj, cm: Obj): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, what: string) => ok || problems.push(what);
  const pod = d.spec.template.spec;
  const c = container(d);
  const env: Obj[] = c.env ?? [];
  const httpPort = c.ports?.find((p: Obj) => p.name === 'http')?.containerPort;
  const probe = (p: Obj | undefined, path: string) =>
    p?.httpGet?.path === path && (p.httpGet.port === 'http' || p.httpGet.port === httpPort);

  need(matches(d.spec.selector.matchLabels, d.spec.template.metadata.labels), 'selector matches the pod labels');
  need(httpPort === 8080, 'container port http: 8080');
  need(probe(c.readinessProbe, '/readyz'), 'readinessProbe GET /readyz on http');
  need(probe(c.livenessProbe, '/healthz'), 'livenessProbe GET /healthz on http');
  need(pod.terminationGracePeriodSeconds > APP_SHUTDOWN_SECONDS, `terminationGracePeriodSeconds > ${APP_SHUTDOWN_SECONDS}`);
  need((pod.securityContext?.runAsNonRoot ?? c.securityContext?.runAsNonRoot) === true, 'runAsNonRoot');
  need(c.securityContext?.readOnlyRootFilesystem === true, 'readOnlyRootFilesystem');
  need(c.securityContext?.allowPrivilegeEscalation === false, 'allowPrivilegeEscalation: false');
  need(c.resources?.requests?.cpu !== undefined && c.resources?.limits?.memory !== undefined, 'cpu request and memory limit');

  const byName = new Map(env.map((e, i) => [e.name, { e, i }]));
  need(byName.get('DATABASE_URL')?.e.valueFrom?.secretKeyRef !== undefined, 'DATABASE_URL from a Secret');
  // The pod listens on all interfaces, which the app allows only with API tokens: from a Secret.
  need(byName.get('API_TOKENS')?.e.valueFrom?.secretKeyRef !== undefined, 'API_TOKENS from a Secret');
  need(byName.get('HTTP_HOST')?.e.value === '0.0.0.0', 'HTTP_HOST: 0.0.0.0');
  need(!byName.has('ALLOW_INSECURE'), 'no ALLOW_INSECURE');
  need(byName.get('POD_IP')?.e.valueFrom?.fieldRef?.fieldPath === 'status.podIP', 'POD_IP from status.podIP');
  need(/^http:\/\/\$\(POD_IP\):8080$/.test(byName.get('HTTP_ADVERTISED_URL')?.e.value ?? ''), 'HTTP_ADVERTISED_URL http://$(POD_IP):8080');
  need(byName.get('HTTP_PORT')?.e.value === String(httpPort), 'HTTP_PORT equals the container port');
  for (const name of ['KAFKA_BROKERS', 'OWNER_ID']) need(byName.has(name), `env ${name}`);
  env.forEach((e, i) => {
    for (const [, ref] of String(e.value ?? '').matchAll(/\$\(([A-Za-z_]\w*)\)/g)) {
      need((byName.get(ref!)?.i ?? Infinity) < i, `${e.name} uses $(${ref}) defined before it`);
    }
    const cmRef = e.valueFrom?.configMapKeyRef;
    if (cmRef && !cmRef.optional) need(cmRef.name === cm.metadata.name && cmRef.key in cm.data, `${e.name}: ConfigMap key ${cmRef.key} exists`);
  });

  const configVolume = pod.volumes?.find((v: Obj) => v.configMap?.name === cm.metadata.name);
  const mount = c.volumeMounts?.find((m: Obj) => m.name === configVolume?.name);
  const item = configVolume?.configMap.items?.find((i: Obj) => i.key === 'pipeline.yaml');
  need(mount !== undefined && byName.get('PIPELINE_CONFIG')?.e.value === `${mount.mountPath}/${item?.path ?? 'pipeline.yaml'}`, 'PIPELINE_CONFIG is the mounted pipeline.yaml');
  return problems;
}

function networkPolicyProblems(n: Obj, d: Obj): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, what: string) => ok || problems.push(what);
  need(matches(n.spec.podSelector?.matchLabels, d.spec.template.metadata.labels), "selects the Deployment's pods");
  need((n.spec.policyTypes ?? []).includes('Ingress'), 'policyTypes: Ingress');
  const rules: Obj[] = n.spec.ingress ?? [];
  need(rules.length > 0, 'has ingress rules');
  need(rules.every((r) => Array.isArray(r.from) && r.from.length > 0), 'every ingress rule names its sources');
  const httpPort = container(d).ports?.find((p: Obj) => p.name === 'http')?.containerPort;
  need(rules.every((r) => Array.isArray(r.ports) && r.ports.every((p: Obj) => (p.port === httpPort || p.port === 'http') && (p.protocol ?? 'TCP') === 'TCP')), `ingress only to TCP ${httpPort}`);
  return problems;
}

function scaledObjectProblems(s: Obj, d: Obj, pipeline: Obj): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, what: string) => ok || problems.push(what);
  const partitions = Math.min(MAX_PARTITIONS, pipeline.kafka.partitions ?? MAX_PARTITIONS);
  const envNames = new Set((container(d).env ?? []).map((e: Obj) => e.name));
  need(s.spec.scaleTargetRef.name === d.metadata.name && (s.spec.scaleTargetRef.kind ?? 'Deployment') === 'Deployment', 'targets the Deployment');
  need(s.spec.minReplicaCount === 1, 'minReplicaCount: 1');
  need(s.spec.maxReplicaCount >= 1 && s.spec.maxReplicaCount <= partitions, `maxReplicaCount <= ${partitions} partitions`);
  const triggers: Obj[] = s.spec.triggers;
  need(triggers.length > 0 && triggers.every((t) => t.type === 'kafka'), 'kafka triggers only');
  for (const t of triggers) {
    const m = t.metadata;
    need(m.consumerGroup === CONSUMER_GROUP, `consumerGroup: ${CONSUMER_GROUP}`);
    need(m.allowIdleConsumers === 'false', 'allowIdleConsumers: "false"');
    need(/^[1-9]\d*$/.test(m.lagThreshold ?? ''), 'lagThreshold: a positive integer');
    need(m.bootstrapServers !== undefined || envNames.has(m.bootstrapServersFromEnv), 'bootstrap servers from a container env var');
  }
  const topics = triggers.map((t) => t.metadata.topic);
  const allTopics = topics.includes(undefined);
  need(allTopics || SOURCE_TOPICS.every((t) => topics.includes(t)), 'a trigger per source topic (or one without topic)');
  need(topics.every((t) => t === undefined || pipeline.kafka.topics.includes(t)), "triggers on the pipeline's topics");
  return problems;
}

function container(d: Obj): Obj {
  return d.spec.template.spec.containers[0];
}

function envOf(d: Obj): Obj[] {
  return container(d).env;
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}
