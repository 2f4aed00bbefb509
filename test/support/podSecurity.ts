/**
 * A checker for the Kubernetes Pod Security Standards "restricted" profile (which includes
 * "baseline"), applied to a pod template (a Pod, or the `spec.template` of a workload).
 *
 * It covers the controls that can be decided from the manifest alone: host namespaces,
 * privileged and HostProcess containers, capabilities, hostPath and other volume types, host
 * ports, AppArmor, SELinux, /proc mount, seccomp, sysctls, privilege escalation, running as
 * non-root and as a non-zero UID. Windows-only exemptions are not modelled: the manifests it
 * checks target Linux nodes.
 */
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';

/** One failed control: `path` locates the field (`spec.containers[0].securityContext...`). */
export interface PodSecurityViolation {
  readonly path: string;
  readonly message: string;
}

type Template = Pick<IPodTemplateSpec, 'metadata' | 'spec'>;

/** The only capability "restricted" lets a container add. */
const ALLOWED_ADDED_CAPABILITIES = new Set(['NET_BIND_SERVICE']);

/** Volume types "restricted" allows. */
const ALLOWED_VOLUME_TYPES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

/** Sysctls "baseline" allows (namespaced and isolated from the node). */
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ping_group_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);

const ALLOWED_SELINUX_TYPES = new Set([
  'container_t',
  'container_init_t',
  'container_kvm_t',
  'container_engine_t',
]);

const SECURE_SECCOMP_TYPES = new Set(['RuntimeDefault', 'Localhost']);

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

interface SecurityContextLike {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  procMount?: string;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
  appArmorProfile?: { type?: string };
  seLinuxOptions?: { type?: string; user?: string; role?: string };
  windowsOptions?: { hostProcess?: boolean };
}

interface ContainerLike {
  name?: string;
  ports?: { hostPort?: number }[];
  securityContext?: SecurityContextLike;
}

/**
 * Checks a pod template against Pod Security "restricted".
 *
 * @param template `{ metadata?, spec }` of a Pod or of a workload's `spec.template`.
 * @returns every violation found (empty when the template is compliant), in document order.
 */
export function checkRestrictedPodSecurity(template: Template): PodSecurityViolation[] {
  const violations: PodSecurityViolation[] = [];
  const add = (path: string, message: string): void => {
    violations.push({ path, message });
  };
  const spec = template.spec;
  if (spec === undefined) {
    add('spec', 'pod template has no spec');
    return violations;
  }
  const podSc = (spec.securityContext ?? {}) as SecurityContextLike & {
    sysctls?: { name: string }[];
  };

  // Host namespaces.
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (spec[field] === true) add(`spec.${field}`, `${field} must not be true`);
  }

  // Volumes: no hostPath, only the allowed volume types.
  for (const [i, volume] of (spec.volumes ?? []).entries()) {
    const types = Object.keys(volume).filter((key) => key !== 'name');
    for (const type of types) {
      if (type === 'hostPath') {
        add(`spec.volumes[${i}].hostPath`, `hostPath volume "${volume.name}" is forbidden`);
      } else if (!ALLOWED_VOLUME_TYPES.has(type)) {
        add(`spec.volumes[${i}].${type}`, `volume type ${type} is not allowed`);
      }
    }
  }

  // Pod-level security context.
  if (podSc.runAsUser === 0) add('spec.securityContext.runAsUser', 'runAsUser must not be 0');
  if (podSc.windowsOptions?.hostProcess === true) {
    add('spec.securityContext.windowsOptions.hostProcess', 'HostProcess pods are forbidden');
  }
  checkAppArmor(podSc, 'spec.securityContext', add);
  checkSeLinux(podSc, 'spec.securityContext', add);
  const podSeccomp = podSc.seccompProfile?.type;
  if (podSeccomp !== undefined && !SECURE_SECCOMP_TYPES.has(podSeccomp)) {
    add('spec.securityContext.seccompProfile.type', `seccomp profile ${podSeccomp} is forbidden`);
  }
  for (const [i, sysctl] of (podSc.sysctls ?? []).entries()) {
    if (!SAFE_SYSCTLS.has(sysctl.name)) {
      add(`spec.securityContext.sysctls[${i}]`, `sysctl ${sysctl.name} is not in the safe set`);
    }
  }

  // AppArmor through the legacy annotations.
  for (const [key, value] of Object.entries(template.metadata?.annotations ?? {})) {
    if (
      key.startsWith(APPARMOR_ANNOTATION_PREFIX) &&
      value !== 'runtime/default' &&
      !value.startsWith('localhost/')
    ) {
      add(`metadata.annotations["${key}"]`, `AppArmor profile ${value} is forbidden`);
    }
  }

  const groups: [string, ContainerLike[] | undefined][] = [
    ['containers', spec.containers as ContainerLike[] | undefined],
    ['initContainers', spec.initContainers as ContainerLike[] | undefined],
    ['ephemeralContainers', spec.ephemeralContainers as ContainerLike[] | undefined],
  ];
  for (const [group, containers] of groups) {
    for (const [i, container] of (containers ?? []).entries()) {
      const at = `spec.${group}[${i}]`;
      const sc = container.securityContext ?? {};
      const scAt = `${at}.securityContext`;

      if (sc.privileged === true) add(`${scAt}.privileged`, 'privileged containers are forbidden');
      if (sc.windowsOptions?.hostProcess === true) {
        add(`${scAt}.windowsOptions.hostProcess`, 'HostProcess containers are forbidden');
      }
      if (sc.allowPrivilegeEscalation !== false) {
        add(`${scAt}.allowPrivilegeEscalation`, 'allowPrivilegeEscalation must be set to false');
      }

      // Running as non-root: the container's own setting wins over the pod's.
      const runAsNonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
      if (runAsNonRoot !== true) {
        add(
          `${scAt}.runAsNonRoot`,
          'runAsNonRoot must be true (on the container or, unset there, on the pod)',
        );
      }
      if (sc.runAsUser === 0) add(`${scAt}.runAsUser`, 'runAsUser must not be 0');

      // Seccomp: the container's own profile wins over the pod's.
      const seccomp = sc.seccompProfile?.type ?? podSeccomp;
      if (seccomp === undefined) {
        add(
          `${scAt}.seccompProfile.type`,
          'a RuntimeDefault or Localhost seccomp profile is required (container or pod)',
        );
      } else if (sc.seccompProfile?.type !== undefined && !SECURE_SECCOMP_TYPES.has(seccomp)) {
        add(`${scAt}.seccompProfile.type`, `seccomp profile ${seccomp} is forbidden`);
      }

      // Capabilities.
      const drop = sc.capabilities?.drop ?? [];
      if (!drop.includes('ALL')) add(`${scAt}.capabilities.drop`, 'capabilities must drop ALL');
      for (const capability of sc.capabilities?.add ?? []) {
        if (!ALLOWED_ADDED_CAPABILITIES.has(capability)) {
          add(`${scAt}.capabilities.add`, `adding capability ${capability} is forbidden`);
        }
      }

      if (sc.procMount !== undefined && sc.procMount !== 'Default') {
        add(`${scAt}.procMount`, `procMount ${sc.procMount} is forbidden`);
      }
      checkAppArmor(sc, scAt, add);
      checkSeLinux(sc, scAt, add);

      for (const [p, port] of (container.ports ?? []).entries()) {
        if (port.hostPort !== undefined && port.hostPort !== 0) {
          add(`${at}.ports[${p}].hostPort`, `hostPort ${port.hostPort} is forbidden`);
        }
      }
    }
  }
  return violations;
}

function checkAppArmor(
  sc: SecurityContextLike,
  at: string,
  add: (path: string, message: string) => void,
): void {
  const type = sc.appArmorProfile?.type;
  if (type !== undefined && type !== 'RuntimeDefault' && type !== 'Localhost') {
    add(`${at}.appArmorProfile.type`, `AppArmor profile ${type} is forbidden`);
  }
}

function checkSeLinux(
  sc: SecurityContextLike,
  at: string,
  add: (path: string, message: string) => void,
): void {
  const options = sc.seLinuxOptions;
  if (options === undefined) return;
  if (
    options.type !== undefined &&
    options.type !== '' &&
    !ALLOWED_SELINUX_TYPES.has(options.type)
  ) {
    add(`${at}.seLinuxOptions.type`, `SELinux type ${options.type} is forbidden`);
  }
  if (options.user !== undefined && options.user !== '') {
    add(`${at}.seLinuxOptions.user`, 'SELinux user must not be set');
  }
  if (options.role !== undefined && options.role !== '') {
    add(`${at}.seLinuxOptions.role`, 'SELinux role must not be set');
  }
}
