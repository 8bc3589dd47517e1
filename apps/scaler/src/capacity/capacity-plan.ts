import type { CapacityPlan, CapacityPlanRequest } from '@apiary/contracts';

/** Default spare share of the provisioned capacity (seed 004 "Headroom: maintain 30% spare capacity"). */
export const DEFAULT_HEADROOM = 0.3;
/** Default peak multiple (seed 004 "Peak Handling: plan for 2x average load"). */
export const DEFAULT_PEAK_FACTOR = 2;

/**
 * Seed 004 "Capacity Planning":
 * `Required Instances = (Tasks per Hour × Avg Task Duration in Hours) / (Agent Concurrency × Efficiency Factor)`.
 * The example (100, 0.1, 2, 0.8) gives `required_instances_exact` 6.25 and
 * `required_instances` 7. With headroom h the average load may use only (1 − h) of
 * what is provisioned: ceil(exact ÷ (1 − h)) (9 for the example); for the peak,
 * ceil(exact × peak_factor) (13).
 * Results are rounded to 9 decimals before `ceil`, so float noise (6.250000000001)
 * does not add an instance.
 * @param req validated inputs (`CapacityPlanRequest` bounds: all positive, efficiency ≤ 1, headroom < 1)
 */
export function capacityPlan(req: CapacityPlanRequest): CapacityPlan {
  const headroom = req.headroom ?? DEFAULT_HEADROOM;
  const peak = req.peak_factor ?? DEFAULT_PEAK_FACTOR;
  const concurrent = req.tasks_per_hour * req.avg_task_duration_hours;
  const exact = clean(concurrent / (req.concurrency * req.efficiency));
  return {
    required_instances_exact: exact,
    required_instances: Math.ceil(exact),
    with_headroom: Math.ceil(clean(exact / (1 - headroom))),
    for_peak: Math.ceil(clean(exact * peak)),
    concurrent_tasks: clean(concurrent),
    inputs: {
      tasks_per_hour: req.tasks_per_hour,
      avg_task_duration_hours: req.avg_task_duration_hours,
      concurrency: req.concurrency,
      efficiency: req.efficiency,
      headroom,
      peak_factor: peak,
    },
    formula: '(tasks_per_hour × avg_task_duration_hours) / (concurrency × efficiency)',
  };
}

function clean(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}
