import type { ReplicaTarget } from '@apiary/contracts';

/** Inputs of {@link computeTarget}. */
export interface TargetInput {
  /** Tasks waiting now (queued + retrying); null when the backlog is unknown. */
  queueDepth: number | null;
  /** Queue depth projected over the prediction horizon (null without a prediction). */
  projectedQueueDepth: number | null;
  /** Tasks arriving per second; null when unknown. */
  arrivalsPerS: number | null;
  /** Tasks one replica finishes per second with every slot busy; null when unknown. */
  capacityPerReplica: number | null;
  capacitySource: ReplicaTarget['capacity_source'];
  /** Seconds the backlog should take to drain. */
  drainTargetS: number;
}

/**
 * Target replica count from backlog and measured throughput per replica (issue 7
 * "a target replica count computed from backlog and measured throughput per
 * replica", seed 000 `auto` policy "scale_up_factor: calculated"): the pool must
 * keep up with arrivals and drain the larger of the current and the projected
 * backlog within `drainTargetS`:
 *
 *   required = arrivals/s + max(queue, projected) ÷ drain_target_s
 *   replicas = ceil(required ÷ capacity per replica)
 *
 * @returns the target with its inputs; `replicas` is null when the backlog or the capacity is unknown
 */
export function computeTarget(input: TargetInput): ReplicaTarget {
  const base: ReplicaTarget = {
    queue_depth: input.queueDepth,
    arrivals_per_s: input.arrivalsPerS,
    capacity_per_replica_per_s: input.capacityPerReplica,
    capacity_source: input.capacitySource,
    drain_target_s: input.drainTargetS,
    required_per_s: null,
    replicas: null,
  };
  if (input.queueDepth === null) return base;
  const backlog = Math.max(input.queueDepth, input.projectedQueueDepth ?? 0);
  const required = Math.max(0, input.arrivalsPerS ?? 0) + backlog / input.drainTargetS;
  base.required_per_s = round3(required);
  if (input.capacityPerReplica === null || !(input.capacityPerReplica > 0)) return base;
  // A hair of tolerance so that 3.0000000001 replicas of float noise stay 3.
  base.replicas = Math.max(0, Math.ceil(required / input.capacityPerReplica - 1e-9));
  return base;
}

/** Rounds to 3 decimals (reports). */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
