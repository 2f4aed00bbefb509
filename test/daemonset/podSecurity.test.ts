import test from 'ava';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { checkRestrictedPodSecurity } from '../support/podSecurity.js';

type Template = Pick<IPodTemplateSpec, 'metadata' | 'spec'>;

/** A minimal template that meets "restricted" with everything set on the pod where possible. */
function compliant(): Template {
  return {
    metadata: { labels: { app: 'x' } },
    spec: {
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 65532,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'app',
          image: 'example/app:1',
          ports: [{ name: 'http', containerPort: 8080 }],
          securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
          },
        },
      ],
      volumes: [
        { name: 'state', emptyDir: {} },
        { name: 'cfg', configMap: { name: 'cfg' } },
        { name: 'token', projected: { sources: [] } },
      ],
    },
  };
}

function paths(template: Template): string[] {
  return checkRestrictedPodSecurity(template).map((v) => v.path);
}

test('a compliant template has no violations', (t) => {
  t.deepEqual(checkRestrictedPodSecurity(compliant()), []);
});

test('pod-level settings may instead be set on every container', (t) => {
  const template = compliant();
  const spec = template.spec;
  if (spec === undefined) return t.fail();
  spec.securityContext = {};
  spec.containers[0] = {
    ...spec.containers[0],
    name: 'app',
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
      runAsNonRoot: true,
      seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/app.json' },
    },
  };
  t.deepEqual(checkRestrictedPodSecurity(template), []);
});

test('a thoroughly violating template reports every control it breaks', (t) => {
  const template: Template = {
    metadata: {
      annotations: { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' },
    },
    spec: {
      hostNetwork: true,
      hostPID: true,
      hostIPC: true,
      securityContext: {
        runAsUser: 0,
        seccompProfile: { type: 'Unconfined' },
        sysctls: [{ name: 'kernel.msgmax', value: '1' }],
        seLinuxOptions: { type: 'spc_t', user: 'system_u' },
      },
      containers: [
        {
          name: 'app',
          image: 'example/app:1',
          ports: [{ containerPort: 8080, hostPort: 8080 }],
          securityContext: {
            privileged: true,
            allowPrivilegeEscalation: true,
            runAsNonRoot: false,
            capabilities: { add: ['SYS_ADMIN', 'NET_BIND_SERVICE'] },
            procMount: 'Unmasked',
            appArmorProfile: { type: 'Unconfined' },
          },
        },
      ],
      volumes: [
        { name: 'sock', hostPath: { path: '/run/containerd/containerd.sock' } },
        { name: 'nfs', nfs: { server: 'nfs.example', path: '/' } },
      ],
    },
  };
  const found = paths(template);
  const expected = [
    'spec.hostNetwork',
    'spec.hostPID',
    'spec.hostIPC',
    'spec.volumes[0].hostPath',
    'spec.volumes[1].nfs',
    'spec.securityContext.runAsUser',
    'spec.securityContext.seLinuxOptions.type',
    'spec.securityContext.seLinuxOptions.user',
    'spec.securityContext.seccompProfile.type',
    'spec.securityContext.sysctls[0]',
    'metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"]',
    'spec.containers[0].securityContext.privileged',
    'spec.containers[0].securityContext.allowPrivilegeEscalation',
    'spec.containers[0].securityContext.runAsNonRoot',
    'spec.containers[0].securityContext.capabilities.drop',
    'spec.containers[0].securityContext.capabilities.add',
    'spec.containers[0].securityContext.procMount',
    'spec.containers[0].securityContext.appArmorProfile.type',
    'spec.containers[0].ports[0].hostPort',
  ];
  t.deepEqual([...found].sort(), [...expected].sort());
  // Only SYS_ADMIN is reported among the added capabilities.
  const added = checkRestrictedPodSecurity(template).filter((v) => v.path.endsWith('.add'));
  t.is(added.length, 1);
  t.regex(added[0]?.message ?? '', /SYS_ADMIN/);
});

test('allowPrivilegeEscalation must be explicitly false, not merely unset', (t) => {
  const template = compliant();
  const container = template.spec?.containers[0];
  if (container?.securityContext === undefined) return t.fail();
  delete container.securityContext.allowPrivilegeEscalation;
  t.deepEqual(paths(template), ['spec.containers[0].securityContext.allowPrivilegeEscalation']);
});

test('init and ephemeral containers are checked too', (t) => {
  const template = compliant();
  const spec = template.spec;
  if (spec === undefined) return t.fail();
  spec.initContainers = [{ name: 'init', image: 'example/init:1' }];
  spec.ephemeralContainers = [
    {
      name: 'debug',
      image: 'busybox',
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    },
  ];
  spec.securityContext = { seccompProfile: { type: 'RuntimeDefault' } };
  t.deepEqual(paths(template).sort(), [
    'spec.containers[0].securityContext.runAsNonRoot',
    'spec.ephemeralContainers[0].securityContext.runAsNonRoot',
    'spec.initContainers[0].securityContext.allowPrivilegeEscalation',
    'spec.initContainers[0].securityContext.capabilities.drop',
    'spec.initContainers[0].securityContext.runAsNonRoot',
  ]);
});

test('a container cannot override a secure pod seccomp profile with Unconfined', (t) => {
  const template = compliant();
  const container = template.spec?.containers[0];
  if (container?.securityContext === undefined) return t.fail();
  container.securityContext.seccompProfile = { type: 'Unconfined' };
  t.deepEqual(paths(template), ['spec.containers[0].securityContext.seccompProfile.type']);
});

test('without any seccomp profile every container is reported', (t) => {
  const template = compliant();
  const spec = template.spec;
  if (spec === undefined) return t.fail();
  spec.securityContext = { runAsNonRoot: true };
  t.deepEqual(paths(template), ['spec.containers[0].securityContext.seccompProfile.type']);
});

test('a container runAsNonRoot: false overrides the pod-level true', (t) => {
  const template = compliant();
  const container = template.spec?.containers[0];
  if (container?.securityContext === undefined) return t.fail();
  container.securityContext.runAsNonRoot = false;
  t.deepEqual(paths(template), ['spec.containers[0].securityContext.runAsNonRoot']);
});

test('hostPort 0 is the same as no host port', (t) => {
  const template = compliant();
  const container = template.spec?.containers[0];
  if (container === undefined) return t.fail();
  container.ports = [{ containerPort: 8080, hostPort: 0 }];
  t.deepEqual(paths(template), []);
});

test('a template without a spec is a violation', (t) => {
  t.deepEqual(paths({ metadata: {} }), ['spec']);
});

test('the opt-in overlays’ shape: root and one hostPath directory are all it reports', (t) => {
  // As daemonset/overlays/pods-api and precise: UID 0 on pod and container, one hostPath
  // directory, and every other control kept (drop ALL, no escalation, RuntimeDefault).
  const template = compliant();
  const spec = template.spec;
  const container = spec?.containers[0];
  if (spec === undefined || container?.securityContext === undefined) return t.fail();
  spec.securityContext = {
    runAsNonRoot: false,
    runAsUser: 0,
    runAsGroup: 0,
    seccompProfile: { type: 'RuntimeDefault' },
  };
  container.securityContext = {
    ...container.securityContext,
    runAsNonRoot: false,
    runAsUser: 0,
    readOnlyRootFilesystem: true,
  };
  spec.volumes = [
    {
      name: 'pods-api',
      hostPath: { path: '/var/lib/kubelet/pods-api', type: 'DirectoryOrCreate' },
    },
    { name: 'state', emptyDir: {} },
  ];
  t.deepEqual(paths(template).sort(), [
    'spec.containers[0].securityContext.runAsNonRoot',
    'spec.containers[0].securityContext.runAsUser',
    'spec.securityContext.runAsUser',
    'spec.volumes[0].hostPath',
  ]);
});

test('a hostPath volume is reported whatever its type (directory, socket, unset)', (t) => {
  for (const type of ['Directory', 'DirectoryOrCreate', 'Socket', undefined] as const) {
    const template = compliant();
    const spec = template.spec;
    if (spec === undefined) return t.fail();
    spec.volumes = [{ name: 'host', hostPath: { path: '/run/containerd', type } }];
    t.deepEqual(paths(template), ['spec.volumes[0].hostPath'], String(type));
  }
});
