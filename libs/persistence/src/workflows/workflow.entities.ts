import { Column, Entity, PrimaryColumn } from 'typeorm';

/*
 * Entities of the workflow tables (migration Workflows1764000000000). They document
 * the schema for TypeORM; reads and writes go through the SQL repositories of this
 * folder.
 */

/** A saved workflow definition; one row per (name, version). */
@Entity({ name: 'workflow_definitions' })
export class WorkflowDefinitionEntity {
  @PrimaryColumn('text') name!: string;
  @PrimaryColumn('int') version!: number;
  @Column('text', { nullable: true }) description!: string | null;
  /** `{ steps, priority, context_id }` as validated at save. */
  @Column('jsonb') spec!: unknown;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
}

/** One workflow run. */
@Entity({ name: 'workflow_runs' })
export class WorkflowRunEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') name!: string;
  @Column('text', { name: 'definition_name', nullable: true }) definitionName!: string | null;
  @Column('int', { name: 'definition_version', nullable: true }) definitionVersion!: number | null;
  @Column('uuid', { name: 'schedule_id', nullable: true }) scheduleId!: string | null;
  /** running | succeeded | failed | cancelled */
  @Column('text') status!: string;
  @Column('text') priority!: string;
  @Column('text', { name: 'context_id', nullable: true }) contextId!: string | null;
  @Column('text', { name: 'fairness_key', nullable: true }) fairnessKey!: string | null;
  @Column('jsonb', { default: () => `'{}'::jsonb` }) parameters!: unknown;
  @Column('text', { name: 'failed_step', nullable: true }) failedStep!: string | null;
  @Column('jsonb', { nullable: true }) error!: unknown;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt!: Date | null;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt!: Date;
}

/** One step of a run with its state. */
@Entity({ name: 'workflow_steps' })
export class WorkflowStepEntity {
  @PrimaryColumn('uuid', { name: 'run_id' }) runId!: string;
  @PrimaryColumn('text', { name: 'step_id' }) stepId!: string;
  @Column('int') ord!: number;
  @Column('jsonb') spec!: unknown;
  @Column('text') status!: string;
  @Column('int', { default: 0 }) attempts!: number;
  @Column('uuid', { name: 'task_id', nullable: true }) taskId!: string | null;
  @Column('uuid', { name: 'batch_id', nullable: true }) batchId!: string | null;
  @Column('jsonb', { nullable: true }) parameters!: unknown;
  @Column('jsonb', { nullable: true }) result!: unknown;
  @Column('jsonb', { nullable: true }) error!: unknown;
  @Column('boolean', { default: false }) recovered!: boolean;
  @Column('timestamptz', { name: 'not_before', nullable: true }) notBefore!: Date | null;
  @Column('timestamptz', { name: 'deadline_at', nullable: true }) deadlineAt!: Date | null;
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt!: Date | null;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt!: Date | null;
}

/** A step's task or swarm batch that ended, written by triggers, deleted when applied. */
@Entity({ name: 'workflow_inbox' })
export class WorkflowInboxEntity {
  @PrimaryColumn('bigint') id!: string;
  @Column('uuid', { name: 'run_id' }) runId!: string;
  @Column('text', { name: 'step_id' }) stepId!: string;
  @Column('uuid', { name: 'task_id', nullable: true }) taskId!: string | null;
  @Column('uuid', { name: 'batch_id', nullable: true }) batchId!: string | null;
  /** The task's terminal status, or `batch_done`. */
  @Column('text') status!: string;
  @Column('timestamptz', { default: () => 'now()' }) at!: Date;
}

/** A cron schedule. */
@Entity({ name: 'schedules' })
export class ScheduleEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text', { unique: true }) name!: string;
  @Column('text') cron!: string;
  @Column('text', { default: 'UTC' }) timezone!: string;
  /** `{ workflow }` or `{ task }`. */
  @Column('jsonb') target!: unknown;
  @Column('boolean', { name: 'catch_up', default: false }) catchUp!: boolean;
  /** active | paused */
  @Column('text', { default: 'active' }) status!: string;
  @Column('text', { name: 'fairness_key', nullable: true }) fairnessKey!: string | null;
  @Column('timestamptz', { name: 'next_run_at', nullable: true }) nextRunAt!: Date | null;
  @Column('timestamptz', { name: 'last_run_at', nullable: true }) lastRunAt!: Date | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt!: Date;
}

/** One handled occurrence of a schedule; (schedule, occurrence) is unique. */
@Entity({ name: 'schedule_runs' })
export class ScheduleRunEntity {
  @PrimaryColumn('uuid', { name: 'schedule_id' }) scheduleId!: string;
  @PrimaryColumn('timestamptz') occurrence!: Date;
  /** fired | skipped | error */
  @Column('text') status!: string;
  @Column('timestamptz', { name: 'fired_at', default: () => 'now()' }) firedAt!: Date;
  @Column('uuid', { name: 'workflow_id', nullable: true }) workflowId!: string | null;
  @Column('uuid', { name: 'task_id', nullable: true }) taskId!: string | null;
  @Column('int', { default: 1 }) missed!: number;
  @Column('jsonb', { nullable: true }) error!: unknown;
}

/** Every entity of this folder. */
export const WORKFLOW_ENTITIES = [
  WorkflowDefinitionEntity,
  WorkflowRunEntity,
  WorkflowStepEntity,
  WorkflowInboxEntity,
  ScheduleEntity,
  ScheduleRunEntity,
];
