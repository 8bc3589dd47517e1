import type { InstanceMetrics } from '@apiary/contracts';
import type { ScalingDriver } from './scaling-driver';

/** The scale subresource of a Deployment (`apps/v1 .../deployments/<name>/scale`). */
export interface DeploymentScaleApi {
  /** @returns `spec.replicas` of the scale subresource */
  readReplicas(namespace: string, deployment: string): Promise<number>;
  /** Sets `spec.replicas` (merge patch of the scale subresource). */
  patchReplicas(namespace: string, deployment: string, replicas: number): Promise<number>;
}

/** Which Deployment to scale. */
export interface KubernetesTarget {
  namespace: string;
  deployment: string;
}

/**
 * `kubernetes` driver (issue 7): patches the bot-runtime Deployment's scale
 * subresource (RBAC: `get`/`patch` on `deployments/scale`, the chart's scaler
 * Role). Kubernetes picks the pods to remove; each gets SIGTERM and drains within
 * its `terminationGracePeriodSeconds`. Disable bot-runtime's HPA when this driver
 * is used, or the two fight over the replica count.
 */
export class KubernetesDriver implements ScalingDriver {
  readonly name = 'kubernetes' as const;
  private wanted: number | null = null;

  /**
   * @param api scale subresource client
   * @param target namespace and Deployment name
   */
  constructor(
    private readonly api: DeploymentScaleApi,
    private readonly target: KubernetesTarget,
  ) {}

  /** Reads the current scale once, so a misconfiguration fails at start. */
  async start(): Promise<void> {
    this.wanted = await this.api.readReplicas(this.target.namespace, this.target.deployment);
  }

  /** `spec.replicas` of the Deployment's scale subresource. */
  async current(): Promise<number> {
    this.wanted = await this.api.readReplicas(this.target.namespace, this.target.deployment);
    return this.wanted;
  }

  /** The replica count last read or set. */
  desired(): number | null {
    return this.wanted;
  }

  /**
   * Patches `spec.replicas`.
   * @throws the API error (e.g. 403 without RBAC, 404 for a wrong name)
   */
  async scaleTo(replicas: number): Promise<number> {
    this.wanted = await this.api.patchReplicas(this.target.namespace, this.target.deployment, replicas);
    return this.wanted;
  }

  /** Pods belong to the ReplicaSet, not to the scaler. */
  isManaged(): boolean {
    return false;
  }

  /** Always applies. */
  standby(_instances: InstanceMetrics[]): string | null {
    return null;
  }

  /** Kubernetes replaces failed pods itself (liveness probes, ReplicaSet). */
  async reconcile(): Promise<string[]> {
    return [];
  }

  /** Nothing to stop. */
  async stop(): Promise<void> {
    return;
  }
}
