import { OmitType } from '@nestjs/swagger';
import { IsDefined, IsIn, IsString, Matches, MaxLength } from 'class-validator';
import { HEALTH_STATES, HealthState, MODULE_NAME_PATTERN, SetRoutingPolicyRequest } from '@apiary/contracts';

/** Path of `/services/{name}/...` and `/modules/{name}/...`. */
export class ModuleNameParams {
  /** Service or module name. */
  @IsDefined() @IsString() @Matches(MODULE_NAME_PATTERN, { message: 'name must match ^[a-z0-9][a-z0-9._-]{0,63}$' })
  name!: string;
}

/** `PUT /services/{name}/health` body (seed 002 `update_service_health`). */
export class ServiceHealthBody {
  @IsDefined() @IsIn(HEALTH_STATES)
  status!: HealthState;
}

/** Path of `/routing/policies/{task_type}` (`*` for the default policy). */
export class TaskTypeParams {
  @IsDefined() @IsString() @MaxLength(128)
  task_type!: string;
}

/** `PUT /routing/policies/{task_type}` body: any of strategy, max_retries, backoff, timeout (s), base_delay_ms. */
export class RoutingPolicyBody extends OmitType(SetRoutingPolicyRequest, ['task_type'] as const) {}
