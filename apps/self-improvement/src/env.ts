import { Type } from 'class-transformer';
import { IsInt, IsNumber, IsOptional, IsPositive, Max, Min } from 'class-validator';
import { DatabaseServiceEnv } from '@apiary/service-kit';
import type { RuleThresholds } from './rules/rule';

/**
 * Environment of self-improvement, validated at boot (README "Configuration").
 * Every rule threshold is a variable (defaults from seed 000: p95 5 s, errors 5%).
 */
export class ImprovementEnv extends DatabaseServiceEnv {
  /** Seconds between periodic analyses (default 300; 0 disables them). One runs at a time over all replicas. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(86_400)
  APIARY_ANALYSIS_INTERVAL_S = 300;

  /** Window of a periodic analysis, hours (default 1; 0 < h ≤ 720). */
  @IsOptional() @Type(() => Number) @IsNumber() @IsPositive() @Max(720)
  APIARY_ANALYSIS_WINDOW_HOURS = 1;

  /** Reply timeout of each statistics request to memory, task-router and the brain, ms (default 10,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(100) @Max(120_000)
  APIARY_ANALYSIS_RPC_TIMEOUT_MS = 10_000;

  /** A rejected finding is not suggested again for this long, seconds (default 86,400; 0: at the next analysis). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0)
  APIARY_REJECTED_SNOOZE_S = 86_400;

  /** High latency: p95 above this, ms (default 5,000). */
  @IsOptional() @Type(() => Number) @IsNumber() @Min(0)
  APIARY_RULE_LATENCY_P95_MS = 5000;

  /** High latency: calls needed before it is judged (default 20). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  APIARY_RULE_LATENCY_MIN_SAMPLES = 20;

  /** High error rate: failed fraction above this (default 0.05). */
  @IsOptional() @Type(() => Number) @IsNumber() @Min(0) @Max(1)
  APIARY_RULE_ERROR_RATE = 0.05;

  /** High error rate: calls needed before it is judged (default 20). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  APIARY_RULE_ERROR_MIN_SAMPLES = 20;

  /** Low success vs peers: success-rate gap to the peers' pooled rate, fraction (default 0.10 = 10 points). */
  @IsOptional() @Type(() => Number) @IsNumber() @Min(0) @Max(1)
  APIARY_RULE_PEER_GAP = 0.1;

  /** Low success vs peers: calls each compared service needs (default 20). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  APIARY_RULE_PEER_MIN_SAMPLES = 20;

  /** Growing backlog: arrivals > completions × this over the window (default 1.2). */
  @IsOptional() @Type(() => Number) @IsNumber() @Min(0)
  APIARY_RULE_BACKLOG_GROWTH_FACTOR = 1.2;

  /** Growing backlog: waiting tasks (queued + retrying) needed (default 100). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0)
  APIARY_RULE_BACKLOG_MIN_QUEUED = 100;

  /** Uneven load: max/min busy time (or results) ratio across replicas above this (default 2). */
  @IsOptional() @Type(() => Number) @IsNumber() @Min(1)
  APIARY_RULE_LOAD_IMBALANCE_RATIO = 2;

  /** Uneven load: results across replicas needed (default 100). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  APIARY_RULE_LOAD_MIN_RESULTS = 100;

  /** Idle capacity: busy ms / (replicas × window ms) below this (default 0.2). */
  @IsOptional() @Type(() => Number) @IsNumber() @Min(0)
  APIARY_RULE_IDLE_UTILISATION = 0.2;

  /** Idle capacity: active replicas needed (default 2). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  APIARY_RULE_IDLE_MIN_REPLICAS = 2;

  /** Idle capacity: most waiting tasks for the backlog to count as empty (default 0). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0)
  APIARY_RULE_IDLE_MAX_QUEUED = 0;
}

/** @returns the rule thresholds of a validated environment */
export function thresholdsOf(env: ImprovementEnv): RuleThresholds {
  return {
    latencyP95Ms: env.APIARY_RULE_LATENCY_P95_MS,
    latencyMinSamples: env.APIARY_RULE_LATENCY_MIN_SAMPLES,
    errorRate: env.APIARY_RULE_ERROR_RATE,
    errorMinSamples: env.APIARY_RULE_ERROR_MIN_SAMPLES,
    peerGap: env.APIARY_RULE_PEER_GAP,
    peerMinSamples: env.APIARY_RULE_PEER_MIN_SAMPLES,
    backlogGrowthFactor: env.APIARY_RULE_BACKLOG_GROWTH_FACTOR,
    backlogMinQueued: env.APIARY_RULE_BACKLOG_MIN_QUEUED,
    loadImbalanceRatio: env.APIARY_RULE_LOAD_IMBALANCE_RATIO,
    loadMinResults: env.APIARY_RULE_LOAD_MIN_RESULTS,
    idleUtilisation: env.APIARY_RULE_IDLE_UTILISATION,
    idleMinReplicas: env.APIARY_RULE_IDLE_MIN_REPLICAS,
    idleMaxQueued: env.APIARY_RULE_IDLE_MAX_QUEUED,
  };
}
