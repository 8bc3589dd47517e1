import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsInt, IsOptional, IsUUID, Max, Min, ValidateNested } from 'class-validator';
import { ExternalTaskError, MAX_SWARM_SIZE } from '@apiary/contracts';
import { ANY_JSON_VALUE } from '../openapi/responses.dto';

/** Path of `/bots/{bot_id}/tasks/{task_id}/...`. */
export class BotTaskParams {
  @IsDefined() @IsUUID()
  bot_id!: string;

  @IsDefined() @IsUUID()
  task_id!: string;
}

/** `POST /bots/{bot_id}/tasks/{task_id}/complete` body: `result` on success, or `error`. */
export class CompleteBody {
  /** Any JSON result. */
  @ApiPropertyOptional({ ...ANY_JSON_VALUE, description: 'The result (any JSON) when the bot succeeded.' })
  @IsOptional()
  result?: unknown;

  /** `{ code, message, retryable? }` when the bot failed the task. */
  @IsOptional() @ValidateNested() @Type(() => ExternalTaskError)
  error?: ExternalTaskError;
}

/** `POST /bots/{bot_id}/tasks/next` query (optional): lease length in ms. */
export class LeaseBody {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1000) @Max(3_600_000)
  lease_ms?: number;
}

/** `PATCH /swarms/{swarm_id}` body: the swarm's new bot count. */
export class ResizeBody {
  @IsDefined() @Type(() => Number) @IsInt() @Min(0) @Max(MAX_SWARM_SIZE)
  count!: number;
}

/** `GET /swarms/{swarm_id}/bots` query. */
export class SwarmBotsQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  limit?: number;

  @IsOptional()
  cursor?: string;
}
