import { Type } from 'class-transformer';
import { IsDefined, IsNumber, IsOptional, Max, Min } from 'class-validator';

/**
 * Capacity planning (seed 004 "Capacity Planning"):
 * `Required Instances = (Tasks per Hour × Avg Task Duration in Hours) / (Agent Concurrency × Efficiency Factor)`,
 * with "Headroom: maintain 30% spare capacity" and "Peak handling: plan for 2x
 * average load". The seed's example (100 tasks/h, 0.1 h, concurrency 2,
 * efficiency 0.8) gives 6.25 ≈ 7 instances.
 */

/** Subject: capacity plan. {@link CapacityPlanRequest} → {@link CapacityPlan}. */
export const SCALER_CAPACITY_PLAN = 'apiary.scaler.capacity-plan';

/** `POST /capacity/plan` body. */
export class CapacityPlanRequest {
  /** Tasks arriving per hour (> 0). */
  @IsDefined() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0.000001) @Max(1e12)
  tasks_per_hour!: number;

  /** Mean task duration, hours (> 0; 0.1 = 6 minutes). */
  @IsDefined() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0.000001) @Max(10_000)
  avg_task_duration_hours!: number;

  /** Tasks one instance runs at once (>= 1). */
  @IsDefined() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(1) @Max(1_000_000)
  concurrency!: number;

  /** Share of an instance's capacity doing useful work, (0, 1] (0.8 = 20 % overhead). */
  @IsDefined() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0.000001) @Max(1)
  efficiency!: number;

  /** Share of the provisioned capacity kept spare, [0, 0.95] (default 0.3). */
  @IsOptional() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(0.95)
  headroom?: number;

  /** Peak load as a multiple of the average, [1, 100] (default 2). */
  @IsOptional() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(1) @Max(100)
  peak_factor?: number;
}

/** Reply of {@link SCALER_CAPACITY_PLAN}. */
export interface CapacityPlan {
  /** (tasks_per_hour × avg_task_duration_hours) ÷ (concurrency × efficiency): the seed's formula. */
  required_instances_exact: number;
  /** ceil(required_instances_exact): instances for the average load, none spare. */
  required_instances: number;
  /** ceil(exact ÷ (1 − headroom)): the average load uses (1 − headroom) of what is provisioned. */
  with_headroom: number;
  /** ceil(exact × peak_factor): instances for the peak load. */
  for_peak: number;
  /** Mean tasks running at once (Little's law: tasks_per_hour × avg_task_duration_hours). */
  concurrent_tasks: number;
  /** The inputs, defaults filled in. */
  inputs: {
    tasks_per_hour: number;
    avg_task_duration_hours: number;
    concurrency: number;
    efficiency: number;
    headroom: number;
    peak_factor: number;
  };
  formula: string;
}
