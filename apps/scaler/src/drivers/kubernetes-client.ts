import { existsSync, readFileSync } from 'node:fs';
import type * as K8s from '@kubernetes/client-node';
import type { DeploymentScaleApi } from './kubernetes.driver';

/** The `@kubernetes/client-node` module. */
export type KubernetesClientModule = typeof K8s;

/**
 * Loads `@kubernetes/client-node` 1.x. It is an ES module; Node ≥ 20.19 `require()`s
 * it natively, so it is loaded through Node's own `createRequire` (not a
 * bundler's or Jest's CommonJS runtime, which cannot load ES modules).
 */
export function loadKubernetesClient(): KubernetesClientModule {
  const nodeModule = process.getBuiltinModule('node:module') as typeof import('node:module');
  return nodeModule.createRequire(__filename)('@kubernetes/client-node') as KubernetesClientModule;
}

/**
 * The cluster configuration: in-cluster (the pod's ServiceAccount) when
 * `KUBERNETES_SERVICE_HOST` is set, else the default kubeconfig (`KUBECONFIG` or
 * `~/.kube/config`).
 */
export function defaultKubeConfig(k8s: KubernetesClientModule = loadKubernetesClient()): K8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

/** Namespace of this pod (ServiceAccount mount), or null outside a cluster. */
export function podNamespace(): string | null {
  const file = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || null : null;
}

/**
 * {@link DeploymentScaleApi} over `@kubernetes/client-node`'s `AppsV1Api`:
 * `readNamespacedDeploymentScale` and `patchNamespacedDeploymentScale` with a JSON
 * merge patch `{ spec: { replicas } }`.
 */
export class ClientNodeScaleApi implements DeploymentScaleApi {
  private readonly apps: K8s.AppsV1Api;

  /**
   * @param kc cluster configuration
   * @param k8s the client module (default: loaded)
   */
  constructor(
    kc: K8s.KubeConfig,
    private readonly k8s: KubernetesClientModule = loadKubernetesClient(),
  ) {
    this.apps = kc.makeApiClient(k8s.AppsV1Api);
  }

  /** @throws the API error (ApiException with `code`) */
  async readReplicas(namespace: string, deployment: string): Promise<number> {
    const scale = await this.apps.readNamespacedDeploymentScale({ name: deployment, namespace });
    return scale.spec?.replicas ?? 0;
  }

  /** @throws the API error (ApiException with `code`) */
  async patchReplicas(namespace: string, deployment: string, replicas: number): Promise<number> {
    const scale = await this.apps.patchNamespacedDeploymentScale(
      { name: deployment, namespace, body: { spec: { replicas } }, fieldManager: 'apiary-scaler' },
      this.k8s.setHeaderOptions('Content-Type', this.k8s.PatchStrategy.MergePatch),
    );
    return scale.spec?.replicas ?? replicas;
  }
}
