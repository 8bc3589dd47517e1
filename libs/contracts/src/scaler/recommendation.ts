/**
 * Vertical scaling advice (seed 000 `VerticalScalingManager.resource_tiers`,
 * `_calculate_optimal_tier`): the resource tier bot-runtime replicas need, from
 * what their heartbeats report. Recommended only, never applied.
 */

/** Subject: tier recommendation. `{}` → {@link VerticalRecommendation}. */
export const SCALER_RECOMMENDATION = 'apiary.scaler.recommendation';

/** The tiers of seed 000, smallest first. */
export const RESOURCE_TIER_NAMES = ['micro', 'small', 'medium', 'large', 'xlarge'] as const;
/** One of {@link RESOURCE_TIER_NAMES}. */
export type ResourceTierName = (typeof RESOURCE_TIER_NAMES)[number];

/** A tier: CPU cores, memory in GiB, GPU. */
export interface ResourceTier {
  name: ResourceTierName;
  cpu: number;
  memory_gib: number;
  gpu: boolean;
}

/** Reply of {@link SCALER_RECOMMENDATION}. */
export interface VerticalRecommendation {
  at: string;
  /** Always false: the scaler never changes a replica's resources. */
  applied: false;
  /** Largest tier that fits in what a replica may use now (its CPUs and memory limit); null without replicas. */
  current_tier: ResourceTierName | null;
  /** Smallest tier covering the observed need with headroom; null without data. */
  recommended_tier: ResourceTierName | null;
  /** `upgrade`, `downgrade`, `keep`, `scale_out` (more replicas help, more cores do not) or `no_data`. */
  advice: 'upgrade' | 'downgrade' | 'keep' | 'scale_out' | 'no_data';
  /** What the advice is based on, per replica over the scaler's window. */
  basis: {
    replicas: number;
    samples: number;
    window_s: number;
    /** 95th percentile of replica CPU, cores. */
    cpu_cores_p95: number | null;
    /** Largest RSS seen, bytes. */
    rss_bytes_max: number | null;
    /** 95th percentile of replica event-loop lag, ms. */
    event_loop_lag_p95_ms: number | null;
    cpus_available: number | null;
    memory_limit_bytes: number | null;
  };
  tiers: ResourceTier[];
  reasons: string[];
}
