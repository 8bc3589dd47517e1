import { RESOURCE_TIER_NAMES, ResourceTier, ResourceTierName, VerticalRecommendation } from '@apiary/contracts';

/** Seed 000 `VerticalScalingManager.resource_tiers`, smallest first (memory in GiB). */
export const RESOURCE_TIERS: readonly ResourceTier[] = [
  { name: 'micro', cpu: 1, memory_gib: 2, gpu: false },
  { name: 'small', cpu: 2, memory_gib: 4, gpu: false },
  { name: 'medium', cpu: 4, memory_gib: 8, gpu: true },
  { name: 'large', cpu: 8, memory_gib: 16, gpu: true },
  { name: 'xlarge', cpu: 16, memory_gib: 32, gpu: true },
];

const GIB = 1024 ** 3;
/** CPU a tier should run at, at most (seed 000 aggressive `cpu_threshold` 0.7). */
export const TARGET_CPU_SHARE = 0.7;
/** Memory a tier should fill, at most (seed 000 load-based `memory_utilization` up 0.8). */
export const TARGET_MEMORY_SHARE = 0.8;
/** Event-loop lag above which a Node.js replica is starved on its one JavaScript thread, ms. */
export const LAG_STARVED_MS = 100;

/** One replica observation (from a heartbeat). */
export interface ReplicaObservation {
  cpu_percent: number;
  rss_bytes: number;
  event_loop_lag_ms: number;
  cpus: number;
  memory_limit_bytes: number;
}

/**
 * Recommends a resource tier for bot-runtime replicas (seed 000
 * `_calculate_optimal_tier`: the cheapest tier meeting the need). The need is the
 * 95th percentile of replica CPU (cores) ÷ 0.7 and the largest RSS ÷ 0.8; the
 * recommendation is the smallest tier covering both. When replicas burn a full
 * core with a lagging event loop, the advice is `scale_out`: a Node.js replica
 * runs its JavaScript on one thread, so more replicas help where more cores do
 * not. Never applied.
 * @param observations replica heartbeats over the window
 * @param replicas replicas running now
 * @param windowS the window, s
 * @param now epoch ms
 */
export function recommendTier(observations: readonly ReplicaObservation[], replicas: number, windowS: number, now: number): VerticalRecommendation {
  const base: VerticalRecommendation = {
    at: new Date(now).toISOString(),
    applied: false,
    current_tier: null,
    recommended_tier: null,
    advice: 'no_data',
    basis: {
      replicas,
      samples: observations.length,
      window_s: windowS,
      cpu_cores_p95: null,
      rss_bytes_max: null,
      event_loop_lag_p95_ms: null,
      cpus_available: null,
      memory_limit_bytes: null,
    },
    tiers: [...RESOURCE_TIERS],
    reasons: [],
  };
  if (observations.length === 0) {
    base.reasons.push('no replica heartbeats in the window');
    return base;
  }
  const cores = percentile(observations.map((o) => o.cpu_percent / 100), 0.95);
  const rss = Math.max(...observations.map((o) => o.rss_bytes));
  const lag = percentile(observations.map((o) => o.event_loop_lag_ms), 0.95);
  const cpus = Math.min(...observations.map((o) => o.cpus));
  const limit = Math.min(...observations.map((o) => o.memory_limit_bytes));
  base.basis = { ...base.basis, cpu_cores_p95: round(cores), rss_bytes_max: rss, event_loop_lag_p95_ms: round(lag), cpus_available: cpus, memory_limit_bytes: limit };

  const fits = RESOURCE_TIERS.filter((t) => t.cpu <= cpus && t.memory_gib * GIB <= limit);
  base.current_tier = fits.at(-1)?.name ?? 'micro';
  const needCores = cores / TARGET_CPU_SHARE;
  const needMemory = rss / TARGET_MEMORY_SHARE;
  const tier = RESOURCE_TIERS.find((t) => t.cpu >= needCores && t.memory_gib * GIB >= needMemory) ?? RESOURCE_TIERS[RESOURCE_TIERS.length - 1];
  base.recommended_tier = tier.name;
  base.reasons.push(
    `p95 CPU ${round(cores)} core(s) ÷ ${TARGET_CPU_SHARE} = ${round(needCores)} needed; largest RSS ${round(rss / GIB)} GiB ÷ ${TARGET_MEMORY_SHARE} = ${round(needMemory / GIB)} GiB needed → ${tier.name} (${tier.cpu} CPU, ${tier.memory_gib} GiB)`,
  );
  if (cores >= 0.9 && lag >= LAG_STARVED_MS) {
    base.advice = 'scale_out';
    base.reasons.push(`replicas use a full core with ${round(lag)} ms event-loop lag: a Node.js replica runs JavaScript on one thread, add replicas rather than cores`);
    return base;
  }
  const order = (n: ResourceTierName) => RESOURCE_TIER_NAMES.indexOf(n);
  const diff = order(tier.name) - order(base.current_tier);
  base.advice = diff > 0 ? 'upgrade' : diff < 0 ? 'downgrade' : 'keep';
  base.reasons.push(`a replica may use ${cpus} CPU(s) and ${round(limit / GIB)} GiB now (${base.current_tier}): ${base.advice}`);
  return base;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[idx];
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
