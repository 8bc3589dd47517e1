import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { MAX_BATCH_TASKS, PRIORITY_LEVELS, PriorityLevel, TaskInput } from '@apiary/contracts';

/** One step of seed 001 "Orchestrate Workflow": `{ type, params? }`. */
export class OrchestrateTaskItem {
  /** Task type = capability, e.g. `crypto_prediction`; same rules as `TaskInput.type`. */
  @IsDefined()
  @IsString()
  @MaxLength(128)
  @Matches(/^[A-Za-z0-9_.:-]+$/, { message: 'type must match [A-Za-z0-9_.:-]+' })
  type!: string;

  /** Handler input (a JSON object); becomes the task's `data`. */
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;
}

/**
 * Body of `POST /orchestrate` (seed 001 "Orchestrate Workflow"):
 * `{ tasks: [{ type, params? }], priority? }`, 1..10,000 tasks, one priority for all.
 */
export class OrchestrateBody {
  /** The steps, in the order their task ids are returned. */
  // The plugin copies literal limits only: the constant's value is given here.
  @ApiProperty({ maxItems: MAX_BATCH_TASKS })
  @IsDefined()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_TASKS)
  @ValidateNested({ each: true })
  @Type(() => OrchestrateTaskItem)
  tasks!: OrchestrateTaskItem[];

  /** Priority of every task (default `normal`, chosen by the brain). */
  @IsOptional()
  @IsIn(PRIORITY_LEVELS)
  priority?: PriorityLevel;
}

/** Reply of `POST /orchestrate`: the batch and its task ids in order, all queued. */
export interface OrchestrateReply {
  batch_id: string;
  task_ids: string[];
  status: 'queued';
}

/**
 * Maps a seed-001 orchestrate body to the tasks of a batch submit:
 * `{ type, params }` → `{ type, data: params ?? {}, priority }` (priority omitted
 * when the body has none).
 * @param body validated body
 * @returns one `TaskInput` per step, in order
 */
export function toTaskInputs(body: OrchestrateBody): TaskInput[] {
  return body.tasks.map((item) => {
    const task: TaskInput = { type: item.type, data: item.params ?? {} };
    if (body.priority !== undefined) task.priority = body.priority;
    return task;
  });
}
