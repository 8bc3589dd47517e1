import { IsDefined, IsObject } from 'class-validator';
import { PriorityLevel, Tier } from '../common/task';

/** Subject: the priority configuration in force. `{}` → {@link PriorityConfigView}. */
export const BRAIN_PRIORITY_GET = 'apiary.brain.priority.get';
/** Subject: set or remove type multipliers (persisted). {@link SetMultipliersRequest} → {@link PriorityConfigView}. */
export const BRAIN_PRIORITY_SET_MULTIPLIERS = 'apiary.brain.priority.set-multipliers';

/** Largest multiplier accepted. */
export const MAX_TYPE_MULTIPLIER = 100;

/**
 * `PUT /priority/multipliers` body: task type → multiplier (0 < m ≤ 100), or null
 * to go back to the default. Values are checked by the brain (422
 * `VALIDATION_FAILED` naming the type).
 */
export class SetMultipliersRequest {
  @IsDefined() @IsObject()
  type_multipliers!: Record<string, number | null>;
}

/** The priority rules in force (seed 002 "Task Prioritization"). */
export interface PriorityConfigView {
  levels: Record<PriorityLevel, number>;
  /** Effective multipliers: seed defaults, then `APIARY_TYPE_MULTIPLIERS`, then the API's. Other types: 1.0. */
  type_multipliers: Record<string, number>;
  tier_weights: Record<Tier, number>;
  /** Score points a waiting task gains per minute. */
  aging_per_minute: number;
}
