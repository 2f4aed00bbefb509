/**
 * Renders every kustomization under daemonset/ with `kubectl kustomize`, validates each object
 * against the Kubernetes OpenAPI schemas (kubernetes-models), and checks what the deployment
 * promises: Pod Security "restricted", least-privilege RBAC, rollout and shutdown timing, probes,
 * and that every variable the manifests set is one the agent reads.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import { parse, parseAllDocuments } from 'yaml';
import { DEFAULT_STATE_MAX_BYTES } from '../../src/checkpoint/journalCheckpoint.js';
import { CONFIG_VARIABLES, parseConfig } from '../../src/config.js';
import { checkRestrictedPodSecurity } from '../support/podSecurity.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const BASE = 'daemonset';
const LEGACY = 'daemonset/overlays/legacy-kubelet-authz';
const JAEGER = 'daemonset/examples/jaeger';
const KUSTOMIZATIONS = [BASE, LEGACY, JAEGER] as const;
type KustomizationDir = (typeof KUSTOMIZATIONS)[number];

const AGENT = 'kubelet-span-exporter';
const IMAGE_REPOSITORY = 'ghcr.io/kubelet-span-exporter/kubelet-span-exporter';

/** The opt-in overlay that mounts the CRI socket: privileged by design, checked on its own. */
const PRECISE = 'daemonset/overlays/precise';
/** The opt-in overlay that mounts the kubelet Pods API directory: root, checked on its own. */
const PODS_API = 'daemonset/overlays/pods-api';
type OptInOverlay = typeof PRECISE | typeof PODS_API;

/** Most liveness back-off the kubelet poller may reach (the agent caps it at 60 s). */
const MAX_POLL_BACKOFF_S = 60;

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

type Validatable = { validate(): void };
const MODELS: Record<string, new (data: never) => Validatable> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/DaemonSet': DaemonSet,
  'apps/v1/Deployment': Deployment,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
};

interface Rendered {
  readonly objects: K8sObject[];
  readonly stderr: string;
}

const renders = new Map<string, Rendered>();

/** `kubectl kustomize <dir>`, parsed, with whatever it wrote to stderr; cached per directory. */
function render(dir: KustomizationDir | OptInOverlay): Rendered {
  const cached = renders.get(dir);
  if (cached) return cached;
  const result = spawnSync('kubectl', ['kustomize', join(ROOT, dir)], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error(
      'kubectl was not found on PATH. These tests render the manifests with `kubectl kustomize` ' +
        '(kubectl >= 1.27 bundles kustomize v5); install kubectl to run them.',
    );
  }
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`kubectl kustomize ${dir} exited with ${result.status}:\n${result.stderr}`);
  }
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(result.stdout)) {
    if (doc.errors.length > 0) throw new Error(`${dir}: YAML error: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as K8sObject | null;
    if (value !== null) objects.push(value);
  }
  const rendered = { objects, stderr: result.stderr };
  renders.set(dir, rendered);
  return rendered;
}

function find(objects: K8sObject[], kind: string, name?: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

function one<T extends object = object>(
  objects: K8sObject[],
  kind: string,
  name?: string,
): K8sObject & T {
  const found = find(objects, kind, name);
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  }
  return found[0] as K8sObject & T;
}

interface Workload extends K8sObject {
  spec: {
    template: IPodTemplateSpec;
    updateStrategy?: {
      type?: string;
      rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
    };
  };
}

function agentDaemonSet(dir: KustomizationDir): Workload {
  return one<Workload>(render(dir).objects, 'DaemonSet', AGENT);
}

function agentContainerOf(objects: K8sObject[]): IContainer {
  const ds = one<Workload>(objects, 'DaemonSet', AGENT);
  const container = (ds.spec.template.spec?.containers ?? []).find((c) => c.name === AGENT);
  if (container === undefined) throw new Error(`no container ${AGENT} in the DaemonSet`);
  return container;
}

function agentContainer(dir: KustomizationDir): IContainer {
  const containers = agentDaemonSet(dir).spec.template.spec?.containers ?? [];
  const container = containers.find((c) => c.name === AGENT);
  if (container === undefined) throw new Error(`no container ${AGENT} in the DaemonSet`);
  return container;
}

function podTemplates(objects: K8sObject[]): { name: string; template: IPodTemplateSpec }[] {
  return objects
    .filter((o) => ['DaemonSet', 'Deployment', 'StatefulSet', 'Job'].includes(o.kind))
    .map((o) => ({
      name: `${o.kind}/${o.metadata.name}`,
      template: (o as Workload).spec.template,
    }));
}

/** Whole seconds of a probe's failure window, with the Kubernetes defaults. */
function probeWindowSeconds(probe: IProbe): number {
  return (probe.periodSeconds ?? 10) * (probe.failureThreshold ?? 3);
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

// ---------------------------------------------------------------------------------------------

for (const dir of KUSTOMIZATIONS) {
  test(`${dir}: renders without warnings and every object passes its OpenAPI schema`, (t) => {
    const { objects, stderr } = render(dir);
    t.true(objects.length > 0);
    t.is(stderr.trim(), '', 'kubectl kustomize printed warnings');
    for (const object of objects) {
      const key = `${object.apiVersion}/${object.kind}`;
      const Model = MODELS[key];
      if (Model === undefined) {
        t.fail(`${dir}: no schema for ${key} (${object.metadata.name}); add it to MODELS`);
        continue;
      }
      t.notThrows(() => new Model(object as never).validate(), `${key} ${object.metadata.name}`);
    }
  });

  test(`${dir}: every pod template meets Pod Security "restricted"`, (t) => {
    const templates = podTemplates(render(dir).objects);
    t.true(templates.length > 0);
    for (const { name, template } of templates) {
      t.deepEqual(checkRestrictedPodSecurity(template), [], name);
    }
  });

  test(`${dir}: every namespace enforces Pod Security "restricted"`, (t) => {
    const { objects } = render(dir);
    const namespaces = find(objects, 'Namespace');
    t.true(namespaces.length > 0);
    const names = new Set(namespaces.map((ns) => ns.metadata.name));
    for (const ns of namespaces) {
      t.is(ns.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
    }
    // Every namespaced object lives in a namespace this kustomization creates.
    for (const o of objects.filter((o) => o.metadata.namespace !== undefined)) {
      t.true(names.has(o.metadata.namespace ?? ''), `${o.kind}/${o.metadata.name}`);
    }
  });
}

test('the example PodMonitor selects the agent pods on port http, path /metrics', (t) => {
  const path = join(ROOT, 'daemonset/examples/podmonitor.yaml');
  const monitor = parse(readFileSync(path, 'utf8')) as {
    apiVersion?: string;
    kind?: string;
    metadata?: { name?: string; namespace?: string };
    spec?: {
      selector?: { matchLabels?: Record<string, string> };
      namespaceSelector?: { matchNames?: string[] };
      podMetricsEndpoints?: { port?: string; path?: string }[];
    };
  };
  t.is(monitor.apiVersion, 'monitoring.coreos.com/v1');
  t.is(monitor.kind, 'PodMonitor');
  t.truthy(monitor.metadata?.name);

  const ds = agentDaemonSet(BASE);
  const podLabels = ds.spec.template.metadata?.labels ?? {};
  const selector = monitor.spec?.selector?.matchLabels ?? {};
  t.true(Object.keys(selector).length > 0, 'the PodMonitor selects nothing in particular');
  for (const [key, value] of Object.entries(selector)) t.is(podLabels[key], value, key);
  t.deepEqual(monitor.spec?.namespaceSelector?.matchNames, [ds.metadata.namespace]);

  const endpoints = monitor.spec?.podMetricsEndpoints ?? [];
  t.is(endpoints.length, 1);
  t.is(endpoints[0]?.port, 'http');
  t.is(endpoints[0]?.path, '/metrics');
  t.true((agentContainer(BASE).ports ?? []).some((p) => p.name === 'http'));
  // Scraping is configured by the PodMonitor, not by annotations.
  const annotations = ds.spec.template.metadata?.annotations ?? {};
  t.false(Object.keys(annotations).some((k) => k.startsWith('prometheus.io/')));
});

test('base RBAC: the ClusterRole grants exactly get on nodes/pods, bound to the agent', (t) => {
  const { objects } = render(BASE);
  t.is(find(objects, 'Role').length + find(objects, 'RoleBinding').length, 0);
  const role = one<{ rules: unknown[] }>(objects, 'ClusterRole');
  t.deepEqual(role.rules, [{ apiGroups: [''], resources: ['nodes/pods'], verbs: ['get'] }]);

  const binding = one<{
    roleRef: { apiGroup: string; kind: string; name: string };
    subjects: { kind: string; name: string; namespace?: string }[];
  }>(objects, 'ClusterRoleBinding');
  t.deepEqual(binding.roleRef, {
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
    name: role.metadata.name,
  });
  const sa = one(objects, 'ServiceAccount');
  const ds = agentDaemonSet(BASE);
  t.is(ds.spec.template.spec?.serviceAccountName, sa.metadata.name);
  t.deepEqual(binding.subjects, [
    { kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace },
  ]);
  // The token is the agent's credential: it must be mounted.
  t.not((sa as { automountServiceAccountToken?: boolean }).automountServiceAccountToken, false);
  t.not(ds.spec.template.spec?.automountServiceAccountToken, false);
});

test('legacy-kubelet-authz overlay adds get on nodes/proxy and changes nothing else', (t) => {
  const base = render(BASE).objects;
  const legacy = render(LEGACY).objects;
  const role = one<{ rules: unknown[] }>(legacy, 'ClusterRole');
  t.deepEqual(role.rules, [
    { apiGroups: [''], resources: ['nodes/pods'], verbs: ['get'] },
    { apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] },
  ]);
  const others = (objects: K8sObject[]) => objects.filter((o) => o.kind !== 'ClusterRole');
  t.deepEqual(others(legacy), others(base));
  // The overlay explains why nodes/proxy is risky.
  const text = readFileSync(join(ROOT, LEGACY, 'kustomization.yaml'), 'utf8');
  t.regex(text, /exec/);
  t.regex(text, /1\.33/);
});

/**
 * What an opt-in overlay must share: renders without warnings, every object passes its schema,
 * the namespace is labelled "privileged" (a hostPath volume is refused by "baseline" and
 * "restricted"), the pod departs from "restricted" ONLY by running as root and by its hostPath
 * volume (never privileged, escalation, capabilities or seccomp), RBAC and everything but the
 * Namespace and the DaemonSet are the base's. Returns the agent container and the volumes.
 */
function checkOptInOverlay(
  t: ExecutionContext,
  dir: OptInOverlay,
): { container: IContainer; volumes: IVolume[]; objects: K8sObject[] } {
  const { objects, stderr } = render(dir);
  t.is(stderr.trim(), '');
  for (const object of objects) {
    const Model = MODELS[`${object.apiVersion}/${object.kind}`];
    t.truthy(Model, `${object.kind} has a schema`);
    if (Model) t.notThrows(() => new Model(object as never).validate(), object.kind);
  }
  const ns = one(objects, 'Namespace', AGENT);
  for (const mode of ['enforce', 'warn', 'audit']) {
    t.is(ns.metadata.labels?.[`pod-security.kubernetes.io/${mode}`], 'privileged');
  }
  const [workload] = podTemplates(objects);
  const template = workload?.template;
  const violations = template ? checkRestrictedPodSecurity(template) : [];
  // exactly the deliberate departures from "restricted": root (pod and container) and one hostPath
  t.deepEqual(
    violations.map((v) => v.path).sort(),
    [
      'spec.containers[0].securityContext.runAsNonRoot',
      'spec.containers[0].securityContext.runAsUser',
      'spec.securityContext.runAsUser',
      'spec.volumes[0].hostPath',
    ],
    violations.map((v) => `${v.path}: ${v.message}`).join('\n'),
  );
  const container = agentContainerOf(objects);
  const sc = container.securityContext;
  t.is(sc?.allowPrivilegeEscalation, false);
  t.is(sc?.readOnlyRootFilesystem, true);
  t.deepEqual(sc?.capabilities, { drop: ['ALL'] });
  t.falsy(sc?.privileged);
  t.is(template?.spec?.securityContext?.seccompProfile?.type, 'RuntimeDefault');
  // RBAC, service account and config unchanged from the base
  const base = render(BASE).objects;
  const rest = (list: K8sObject[]) =>
    list.filter((o) => o.kind !== 'Namespace' && o.kind !== 'DaemonSet');
  t.deepEqual(rest(objects), rest(base));
  return { container, volumes: template?.spec?.volumes ?? [], objects };
}

/** The container's env values (downward-API fields filled as on a node), parsed as the agent does. */
function parsedEnv(container: IContainer): ReturnType<typeof parseConfig> {
  const env: Record<string, string> = { NODE_NAME: 'node-a', NODE_IP: '10.0.0.1' };
  for (const e of container.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return parseConfig(env);
}

/** The hostPath volume mounted at `mountPath`, and the mount. */
function hostMount(container: IContainer, volumes: IVolume[], mountPath: string) {
  const mount = container.volumeMounts?.find((m) => m.mountPath === mountPath);
  const volume = volumes.find((v) => v.name === mount?.name);
  return { mount, hostPath: volume?.hostPath };
}

test('precise overlay: the CRI socket DIRECTORY mounted, CRI_ENDPOINT in it, root, namespace privileged, nothing else', (t) => {
  const { container, volumes } = checkOptInOverlay(t, PRECISE);
  const endpoint = container.env?.find((e) => e.name === 'CRI_ENDPOINT')?.value;
  t.is(endpoint, 'unix:///run/cri-runtime/containerd.sock');
  const { mount, hostPath } = hostMount(container, volumes, '/run/cri-runtime');
  // a directory, not the socket file (a bind-mounted socket file goes stale when containerd
  // restarts), and the endpoint's socket lies directly in it
  t.is(hostPath?.path, '/run/containerd');
  t.is(hostPath?.type, 'Directory');
  t.is(mount?.readOnly, true);
  t.is(`unix://${mount?.mountPath}/containerd.sock`, endpoint ?? '');
  t.false(
    volumes.some((v) => v.hostPath?.type === 'Socket' || /\.sock$/.test(v.hostPath?.path ?? '')),
  );
  t.is(volumes.filter((v) => v.hostPath !== undefined).length, 1);
  const parsed = parsedEnv(container);
  t.true(parsed.ok && parsed.config.cri?.endpoint === endpoint);
});

test('pods-api overlay: only /var/lib/kubelet/pods-api mounted (DirectoryOrCreate, read-only), the socket in it, root, namespace privileged, nothing else', (t) => {
  const { container, volumes } = checkOptInOverlay(t, PODS_API);
  const socket = container.env?.find((e) => e.name === 'KUBELET_PODS_API_SOCKET')?.value;
  t.is(socket, 'unix:///var/lib/kubelet/pods-api/pods-api.sock');
  const { mount, hostPath } = hostMount(container, volumes, '/var/lib/kubelet/pods-api');
  t.is(hostPath?.path, '/var/lib/kubelet/pods-api');
  t.is(hostPath?.type, 'DirectoryOrCreate');
  t.is(mount?.readOnly, true);
  t.is(`unix://${mount?.mountPath}/pods-api.sock`, socket ?? '');
  // one host directory only: never the kubelet's root dir or its pods dir (every pod's secrets)
  const hostPaths = volumes.flatMap((v) => (v.hostPath ? [v.hostPath.path] : []));
  t.deepEqual(hostPaths, ['/var/lib/kubelet/pods-api']);
  for (const m of container.volumeMounts ?? []) {
    t.false(['/var/lib/kubelet', '/var/lib/kubelet/pods'].includes(m.mountPath), m.mountPath);
  }
  // the CRI stays off: this overlay is about the kubelet's socket alone
  t.false(container.env?.some((e) => e.name === 'CRI_ENDPOINT') ?? false);
  // the agent accepts the value
  const parsed = parsedEnv(container);
  t.true(
    parsed.ok && parsed.config.podsApi?.target === socket,
    parsed.ok ? '' : parsed.errors.join(),
  );
});

test('pods-api overlay: the host path is one documented patch a user edits for another kubelet root dir', (t) => {
  const dir = join(ROOT, PODS_API);
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as {
    patches: { path?: string }[];
  };
  t.true(kustomization.patches.some((p) => p.path === 'host-path.yaml'));
  const text = readFileSync(join(dir, 'host-path.yaml'), 'utf8');
  t.regex(text, /--root-dir/);
  t.regex(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'), /root directory/);
  // the host path is written in exactly one place of the overlay (the container path may differ)
  const mentions = filesUnder(dir).filter((f) =>
    /path: \/var\/lib\/kubelet\/pods-api\s*$/m.test(readFileSync(f, 'utf8')),
  );
  t.deepEqual(
    mentions.map((f) => relative(dir, f)),
    ['host-path.yaml'],
  );
});

for (const dir of [BASE, LEGACY] as const) {
  test(`${dir}: DaemonSet runs everywhere and rolls one node at a time, old pod first`, (t) => {
    const ds = agentDaemonSet(dir);
    const spec = ds.spec.template.spec;
    t.is(ds.spec.updateStrategy?.type, 'RollingUpdate');
    t.is(ds.spec.updateStrategy?.rollingUpdate?.maxSurge, 0);
    t.is(ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable, 1);
    t.deepEqual(spec?.tolerations, [{ operator: 'Exists' }]);
    t.deepEqual(spec?.nodeSelector, { 'kubernetes.io/os': 'linux' });
    t.falsy(spec?.hostNetwork);
    // Above the agent's 10 s shutdown budget, so the final flush is not killed.
    t.true((spec?.terminationGracePeriodSeconds ?? 30) > 10);
  });

  test(`${dir}: probes use the named port http and liveness tolerates poll back-off`, (t) => {
    const container = agentContainer(dir);
    const http = (container.ports ?? []).find((p) => p.name === 'http');
    t.is(http?.containerPort, 9464);
    const env = new Map((container.env ?? []).map((e) => [e.name, e]));
    t.is(env.get('HTTP_PORT')?.value, String(http?.containerPort));

    const liveness = container.livenessProbe;
    const readiness = container.readinessProbe;
    t.deepEqual(liveness?.httpGet, { path: '/healthz', port: 'http' });
    t.deepEqual(readiness?.httpGet, { path: '/readyz', port: 'http' });
    if (liveness === undefined) return;
    const window = probeWindowSeconds(liveness);
    t.true(window >= 300, `liveness window ${window}s < 300s`);
    t.true(window > MAX_POLL_BACKOFF_S);
    t.true((liveness.timeoutSeconds ?? 1) < (liveness.periodSeconds ?? 10));
  });

  test(`${dir}: node identity comes from the downward API`, (t) => {
    const env = new Map((agentContainer(dir).env ?? []).map((e) => [e.name, e]));
    t.is(env.get('NODE_NAME')?.valueFrom?.fieldRef?.fieldPath, 'spec.nodeName');
    t.is(env.get('NODE_IP')?.valueFrom?.fieldRef?.fieldPath, 'status.hostIP');
  });

  test(`${dir}: read-only root filesystem, STATE_DIR on an emptyDir`, (t) => {
    const ds = agentDaemonSet(dir);
    const container = agentContainer(dir);
    t.is(container.securityContext?.readOnlyRootFilesystem, true);
    t.is(ds.spec.template.spec?.securityContext?.runAsUser, 65532);
    t.is(ds.spec.template.spec?.securityContext?.runAsGroup, 65532);
    const stateDir = (container.env ?? []).find((e) => e.name === 'STATE_DIR')?.value;
    t.is(stateDir, '/var/lib/kubelet-span-exporter');
    const mount = (container.volumeMounts ?? []).find((m) => m.mountPath === stateDir);
    t.truthy(mount, 'STATE_DIR is not a mount');
    const volume = (ds.spec.template.spec?.volumes ?? []).find((v) => v.name === mount?.name);
    t.truthy(volume?.emptyDir, 'STATE_DIR is not an emptyDir');
    t.falsy(mount?.readOnly);
    // Going over sizeLimit evicts the pod (and deletes the checkpoint): the limit leaves 2× room
    // over the checkpoint's own bound (STATE_MAX_BYTES, a compaction's temporary snapshot included).
    const limitBytes = mebibytes(volume?.emptyDir?.sizeLimit) * 1024 * 1024;
    t.true(
      limitBytes >= 2 * DEFAULT_STATE_MAX_BYTES,
      `emptyDir sizeLimit ${String(volume?.emptyDir?.sizeLimit)} < 2 × STATE_MAX_BYTES`,
    );
  });

  test(`${dir}: resources request CPU and memory, limit memory only`, (t) => {
    const resources = agentContainer(dir).resources;
    t.truthy(resources?.requests?.cpu);
    t.truthy(resources?.requests?.memory);
    t.truthy(resources?.limits?.memory);
    // No CPU limit: throttling a single-threaded Node process stalls GC and probe answers.
    t.is(resources?.limits?.cpu, undefined);
    t.true(mebibytes(resources?.limits?.memory) >= mebibytes(resources?.requests?.memory));
  });

  test(`${dir}: image pinned to the package version`, (t) => {
    const container = agentContainer(dir);
    t.is(container.image, `${IMAGE_REPOSITORY}:${packageVersion()}`);
    t.is(container.imagePullPolicy, 'IfNotPresent');
  });

  test(`${dir}: every variable set in env or envFrom ConfigMaps is one the agent reads`, (t) => {
    const known = new Set(CONFIG_VARIABLES.map((v) => v.name));

    const { objects } = render(dir);
    const container = agentContainer(dir);
    const names: string[] = (container.env ?? []).map((e) => e.name);
    const configMaps = (container.envFrom ?? []).map((source) => {
      t.falsy(source.prefix, 'envFrom prefixes would rename the variables');
      t.falsy(source.secretRef, 'unexpected secretRef');
      const name = source.configMapRef?.name ?? '';
      return one<{ data?: Record<string, string> }>(objects, 'ConfigMap', name);
    });
    t.is(configMaps.length, 1, 'the agent reads one ConfigMap through envFrom');
    for (const cm of configMaps) names.push(...Object.keys(cm.data ?? {}));

    t.true(names.length > 0);
    const unknown = names.filter((n) => !known.has(n));
    t.deepEqual(unknown, [], 'variables the agent does not read');
    t.is(new Set(names).size, names.length, 'a variable is set twice');
  });

  test(`${dir}: the agent's configuration parser accepts the manifests' values`, (t) => {
    const container = agentContainer(dir);
    const env: Record<string, string> = {};
    for (const source of container.envFrom ?? []) {
      const cm = one<{ data?: Record<string, string> }>(
        render(dir).objects,
        'ConfigMap',
        source.configMapRef?.name,
      );
      Object.assign(env, cm.data);
    }
    for (const e of container.env ?? []) {
      if (e.value !== undefined) env[e.name] = e.value;
    }
    // What the downward API fills in on a node.
    env.NODE_NAME = 'node-a';
    env.NODE_IP = '10.0.0.1';
    const parsed = parseConfig(env);
    t.true(parsed.ok, parsed.ok ? '' : parsed.errors.join('\n'));
    t.is(env.POD_SELECTOR, 'chaosUID; workflows.argoproj.io/workflow');
    t.is(env.TRACE_GROUP_LABEL, 'chaosUID');
  });
}

test('the collector endpoint is named in one place and matches the Jaeger example', (t) => {
  const ds = agentDaemonSet(BASE);
  const cmName = agentContainer(BASE).envFrom?.[0]?.configMapRef?.name;
  t.true(cmName?.startsWith('kubelet-span-exporter-config-') ?? false, 'generated ConfigMap');
  const cm = one<{ data: Record<string, string> }>(render(BASE).objects, 'ConfigMap', cmName);
  t.is(cm.metadata.namespace, ds.metadata.namespace);
  const endpoint = new URL(cm.data.OTEL_EXPORTER_OTLP_ENDPOINT ?? '');
  t.is(endpoint.port, '4317');
  const [serviceName, namespace, svc] = endpoint.hostname.split('.');
  t.is(svc, 'svc');

  // The Jaeger example provides that Service, on that port, backed by its OTLP/gRPC receiver.
  const jaeger = render(JAEGER).objects;
  const service = one<{
    spec: { selector: Record<string, string>; ports: { port: number; targetPort: string }[] };
  }>(jaeger, 'Service', serviceName);
  t.is(service.metadata.namespace, namespace);
  const servicePort = service.spec.ports.find((p) => p.port === 4317);
  t.truthy(servicePort);
  t.truthy(service.spec.ports.find((p) => p.port === 4318));
  const deployment = one<Workload>(jaeger, 'Deployment');
  const podLabels = deployment.spec.template.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(service.spec.selector)) t.is(podLabels[k], v);
  const jaegerPorts = deployment.spec.template.spec?.containers.flatMap((c) => c.ports ?? []);
  t.is(jaegerPorts?.find((p) => p.name === servicePort?.targetPort)?.containerPort, 4317);
  const query = one<{ spec: { ports: { port: number }[] } }>(jaeger, 'Service', 'jaeger-query');
  t.true(query.spec.ports.some((p) => p.port === 16686));
  t.regex(
    deployment.spec.template.spec?.containers[0]?.image ?? '',
    /^jaegertracing\/jaeger:2\.\d+\.\d+$/,
  );

  // One obvious place: the collector appears in exactly one deployable file, with a comment.
  const mentions = filesUnder(join(ROOT, 'daemonset'))
    .filter((f) => !relative(ROOT, f).startsWith('daemonset/examples/'))
    .filter((f) => readFileSync(f, 'utf8').includes(endpoint.hostname));
  t.deepEqual(
    mentions.map((f) => relative(ROOT, f)),
    ['daemonset/base/kustomization.yaml'],
  );
  t.regex(readFileSync(mentions[0] ?? '', 'utf8'), /change the collector here/i);
});

test('base: common labels on every object', (t) => {
  for (const object of render(BASE).objects) {
    t.is(object.metadata.labels?.['app.kubernetes.io/name'], AGENT, object.kind);
    t.is(object.metadata.labels?.['app.kubernetes.io/part-of'], AGENT, object.kind);
  }
});

function mebibytes(quantity: string | number | undefined): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(String(quantity ?? ''));
  if (!match) throw new Error(`unexpected memory quantity ${String(quantity)}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}
