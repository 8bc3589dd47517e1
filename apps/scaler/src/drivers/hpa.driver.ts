import type { InstanceMetrics } from '@apiary/contracts';
import type { ScalingDriver } from './scaling-driver';

/**
 * `hpa` driver (issue 7): applies nothing. The decision's replica count is only
 * exported (with the backlog) as Prometheus metrics, for a HorizontalPodAutoscaler
 * through prometheus-adapter, or KEDA, to act on.
 */
export class HpaDriver implements ScalingDriver {
  readonly name = 'hpa' as const;
  private wanted: number | null = null;

  /** Nothing to prepare. */
  async start(): Promise<void> {
    return;
  }

  /** Replicas running now, from their heartbeats (the HPA owns the Deployment). */
  async current(instances: InstanceMetrics[]): Promise<number> {
    return instances.filter((i) => i.status === 'running').length;
  }

  /** The last desired count exported (null before the first decision). */
  desired(): number | null {
    return this.wanted;
  }

  /** Records the desired count for the exporter. */
  async scaleTo(replicas: number): Promise<number> {
    this.wanted = replicas;
    return replicas;
  }

  /** The HPA's pods are never the scaler's. */
  isManaged(): boolean {
    return false;
  }

  /** Always exports. */
  standby(): string | null {
    return null;
  }

  /** Kubernetes replaces failed pods itself. */
  async reconcile(): Promise<string[]> {
    return [];
  }

  /** Nothing to stop. */
  async stop(): Promise<void> {
    return;
  }
}
