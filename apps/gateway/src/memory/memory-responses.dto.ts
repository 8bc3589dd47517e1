import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type {
  ContextDeleted,
  ContextView,
  ErrorPattern,
  HourPattern,
  MemoryResult,
  MemorySummary,
  ParameterPattern,
  ParameterPatterns,
  RelevantReply,
  RunnerStat,
  RunnerStatsReply,
  ServicePattern,
  ServiceStat,
  ServiceStatsReply,
  ShortTermReply,
  TaskPatterns,
} from '@apiary/contracts';
import { ANY_JSON_VALUE } from '../openapi/responses.dto';

/*
 * OpenAPI shapes of memory's replies (issue 5), in the style of
 * openapi/responses.dto.ts: each class `implements` the contract interface, so a
 * field added to the interface fails to compile until it is documented here.
 */

/** A frequent error: code and normalised message (digits as `#`, ids as `<id>`). */
@ApiSchema({ name: 'MemoryErrorPattern' })
export class ErrorPatternDto implements ErrorPattern {
  code!: string;
  /** Normalised message ('' for a routed call, which carries a code only). */
  message!: string;
  count!: number;
}

/** How one service did on the task type (one sample per routed call). Latencies in ms. */
@ApiSchema({ name: 'ServicePattern' })
export class ServicePatternDto implements ServicePattern {
  service!: string;
  count!: number;
  successes!: number;
  failures!: number;
  success_rate!: number;
  mean_latency_ms!: number;
  p50_ms!: number;
  p95_ms!: number;
  p99_ms!: number;
}

/** A parameter feature (`present`: the key is in the task data; `equals`: it has this value) and how results with it did. */
@ApiSchema({ name: 'ParameterPattern' })
export class ParameterPatternDto implements ParameterPattern {
  key!: string;
  match!: 'present' | 'equals';
  /** The value for `equals`; null for `present`. */
  @ApiProperty({ anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }], nullable: true })
  value!: string | number | boolean | null;
  /** Sampled results with the feature. */
  results!: number;
  successes!: number;
  success_rate!: number;
  /** success_rate − the sample's success rate. */
  lift!: number;
}

/** Parameter patterns, from the newest results of the type in the window (at most 2,000). */
@ApiSchema({ name: 'ParameterPatterns' })
export class ParameterPatternsDto implements ParameterPatterns {
  /** Results examined. */
  sampled!: number;
  /** Of those, results whose completion carried a parameter digest. */
  with_params!: number;
  success_rate!: number | null;
  /** Features in ≥ 5 results with lift > 0, highest first (≤ 10). */
  succeeding!: ParameterPatternDto[];
  /** Features in ≥ 5 results with lift < 0, lowest first (≤ 10). */
  failing!: ParameterPatternDto[];
}

/** Results of the type per hour of the day (UTC), summed over the window. */
@ApiSchema({ name: 'HourPattern' })
export class HourPatternDto implements HourPattern {
  /** 0..23, UTC. */
  hour!: number;
  count!: number;
  successes!: number;
  success_rate!: number;
}

/** `GET /memory/patterns/{task_type}` (seed 002 `get_success_patterns`). Latencies in ms. */
@ApiSchema({ name: 'TaskPatterns' })
export class TaskPatternsDto implements TaskPatterns {
  task_type!: string;
  /** Window, seconds. */
  window_s!: number;
  /** Results of the type in the window (one per stored result). */
  count!: number;
  successes!: number;
  failures!: number;
  success_rate!: number | null;
  mean_latency_ms!: number | null;
  p50_ms!: number | null;
  p95_ms!: number | null;
  p99_ms!: number | null;
  /** Which services succeed: highest success rate first. */
  services!: ServicePatternDto[];
  /** Which parameters succeed. */
  parameters!: ParameterPatternsDto;
  /** Which times of day succeed. */
  hours!: HourPatternDto[];
  /** Most frequent errors of the type (≤ 10). */
  error_patterns!: ErrorPatternDto[];
}

/** A memory context. Times ISO-8601. */
@ApiSchema({ name: 'MemoryContext' })
export class ContextViewDto implements ContextView {
  context_id!: string;
  /** The context's JSON object. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  data!: Record<string, unknown>;
  created_at!: string;
  updated_at!: string;
  /** After this instant the context no longer exists. */
  expires_at!: string;
}

/** `DELETE /memory/contexts/{context_id}`. */
@ApiSchema({ name: 'MemoryContextDeleted' })
export class ContextDeletedDto implements ContextDeleted {
  context_id!: string;
  @ApiProperty({ enum: [true] })
  deleted!: true;
}

/** One stored result (one attempt of a task). */
@ApiSchema({ name: 'MemoryResult' })
export class MemoryResultDto implements MemoryResult {
  task_id!: string;
  attempt!: number;
  type!: string;
  /** Handler that ran it. */
  handler!: string;
  /** Routed service whose reply (or last failure) is the outcome; null for built-in handlers. */
  service!: string | null;
  bot_id!: string | null;
  swarm_id!: string | null;
  context_id!: string | null;
  success!: boolean;
  error_code!: string | null;
  error_message!: string | null;
  /** Handler wall time, ms. */
  latency_ms!: number;
  @ApiProperty({ ...ANY_JSON_VALUE, nullable: true, description: 'The result (any JSON), or null when its JSON exceeds 16 KiB (`result_truncated`).' })
  result!: unknown;
  result_truncated!: boolean;
  runner!: string;
  finished_at!: string;
}

/** `GET /memory/relevant` (seed 002 `get_relevant_memories`). */
@ApiSchema({ name: 'RelevantResults' })
export class RelevantReplyDto implements RelevantReply {
  task_type!: string;
  window_s!: number;
  /** Results of the context first (when given), then successful before failed, then newest. */
  results!: MemoryResultDto[];
}

/** `GET /memory/short-term`. */
@ApiSchema({ name: 'ShortTermMemory' })
export class ShortTermReplyDto implements ShortTermReply {
  /** N: results short-term memory holds (`APIARY_MEMORY_SHORT_TERM`). */
  capacity!: number;
  /** The last results by finish time, newest first. */
  results!: MemoryResultDto[];
}

/** `GET /memory/summary` (seed 002 `get_memory_summary`). */
@ApiSchema({ name: 'MemorySummary' })
export class MemorySummaryDto implements MemorySummary {
  /** Results in short-term memory: min(N, results stored). */
  short_term_count!: number;
  /** Task types with a result in the last 30 days. */
  long_term_types!: number;
  /** (task type, service) pairs with at least `APIARY_MEMORY_PATTERN_MIN_RESULTS` results in the last 30 days. */
  patterns_learned!: number;
  /** Contexts not expired. */
  contexts!: number;
}

/** Statistics of a (task type, service), or of a task type (`service` `*`), over the window. Latencies in ms. */
@ApiSchema({ name: 'MemoryStat' })
export class ServiceStatDto implements ServiceStat {
  task_type!: string;
  /** Routed service, built-in handler, or `*` (the whole type, one sample per result). */
  service!: string;
  count!: number;
  successes!: number;
  failures!: number;
  mean_latency_ms!: number;
  /** Last result time. */
  last_at!: string;
  p50_ms?: number | null;
  p95_ms?: number | null;
  p99_ms?: number | null;
  /** Most frequent errors (≤ 5). */
  error_patterns?: ErrorPatternDto[];
}

/** `GET /memory/stats`. */
@ApiSchema({ name: 'MemoryStats' })
export class ServiceStatsReplyDto implements ServiceStatsReply {
  window_s!: number;
  stats!: ServiceStatDto[];
}

/** Load of one bot-runtime replica over the window. */
@ApiSchema({ name: 'RunnerStat' })
export class RunnerStatDto implements RunnerStat {
  /** Replica id. */
  runner!: string;
  /** Results it produced. */
  count!: number;
  /** Sum of handler wall time, ms. */
  busy_ms!: number;
  last_at!: string;
}

/** `GET /memory/runners`. */
@ApiSchema({ name: 'RunnerStats' })
export class RunnerStatsReplyDto implements RunnerStatsReply {
  window_s!: number;
  runners!: RunnerStatDto[];
}
