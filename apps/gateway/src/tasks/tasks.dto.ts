import { ApiProperty, IntersectionType, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined, ValidateNested } from 'class-validator';
import { MAX_BATCH_TASKS, SubmitBatchRequest, TaskInput } from '@apiary/contracts';

/**
 * Body of `POST /tasks/batch`: 1..{@link MAX_BATCH_TASKS} tasks submitted all or
 * nothing. Same as the contract's `SubmitBatchRequest` minus `fairness_key`,
 * which the gateway derives from the API key (a client cannot choose it).
 * Validation errors name the index, e.g. `tasks.3.type`; more than 10,000 tasks is
 * `BATCH_TOO_LARGE` (413).
 */
class SubmitBatchTasks {
  /** The tasks, in the order their ids are returned. */
  // The plugin copies literal limits only: the constant's value is given here.
  @ApiProperty({ maxItems: MAX_BATCH_TASKS })
  @IsDefined()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_TASKS)
  @ValidateNested({ each: true })
  @Type(() => TaskInput)
  tasks!: TaskInput[];
}

/** Body of `POST /tasks/batch`: the tasks and the batch's optional budget `max_cost_usd` (docs/ai-work.md "Budgets"). */
export class SubmitBatchBody extends IntersectionType(SubmitBatchTasks, PickType(SubmitBatchRequest, ['max_cost_usd'] as const)) {}
