import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CapacityPlanRequest } from '@apiary/contracts';
import { capacityPlan } from './capacity-plan';

describe('capacityPlan (seed 004 "Calculating Required Capacity")', () => {
  it('gives the seed’s example: (100 × 0.1) / (2 × 0.8) = 6.25 ≈ 7 instances', () => {
    const plan = capacityPlan({ tasks_per_hour: 100, avg_task_duration_hours: 0.1, concurrency: 2, efficiency: 0.8 });
    expect(plan.required_instances_exact).toBe(6.25);
    expect(plan.required_instances).toBe(7);
  });

  it('keeps 30 % spare by default (6.25 / 0.7 = 8.93 → 9) and plans for 2× peaks (12.5 → 13)', () => {
    const plan = capacityPlan({ tasks_per_hour: 100, avg_task_duration_hours: 0.1, concurrency: 2, efficiency: 0.8 });
    expect(plan).toMatchObject({ with_headroom: 9, for_peak: 13, concurrent_tasks: 10, inputs: { headroom: 0.3, peak_factor: 2 } });
  });

  it('takes headroom and peak factor from the request', () => {
    const plan = capacityPlan({ tasks_per_hour: 100, avg_task_duration_hours: 0.1, concurrency: 2, efficiency: 0.8, headroom: 0, peak_factor: 3 });
    expect(plan).toMatchObject({ with_headroom: 7, for_peak: 19 });
  });

  it('does not add an instance for float noise at an exact boundary', () => {
    // 0.1 + 0.2 = 0.30000000000000004: 10 × 0.3 / (3 × 1) must stay 1.
    const plan = capacityPlan({ tasks_per_hour: 10, avg_task_duration_hours: 0.1 + 0.2, concurrency: 3, efficiency: 1, headroom: 0, peak_factor: 1 });
    expect(plan).toMatchObject({ required_instances_exact: 1, required_instances: 1, with_headroom: 1, for_peak: 1 });
  });

  it('refuses inputs the formula cannot take (validation of the request DTO)', () => {
    const errors = (body: object) => validateSync(plainToInstance(CapacityPlanRequest, body)).map((e) => e.property).sort();
    expect(errors({ tasks_per_hour: 100, avg_task_duration_hours: 0.1, concurrency: 2, efficiency: 0.8 })).toEqual([]);
    expect(errors({ tasks_per_hour: 0, avg_task_duration_hours: 0, concurrency: 0.5, efficiency: 1.2, headroom: 1, peak_factor: 0.5 })).toEqual([
      'avg_task_duration_hours', 'concurrency', 'efficiency', 'headroom', 'peak_factor', 'tasks_per_hour',
    ]);
    expect(errors({})).toEqual(['avg_task_duration_hours', 'concurrency', 'efficiency', 'tasks_per_hour']);
  });
});
