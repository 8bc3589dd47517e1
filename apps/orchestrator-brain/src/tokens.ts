/** Nest tokens of orchestrator-brain (kept apart from modules: STACK-NOTES pitfall 6). */

/** The connected TypeORM `DataSource`. */
export const DATA_SOURCE = Symbol('DATA_SOURCE');
/** The `TaskRepository` (tasks and transitions SQL). */
export const TASK_REPOSITORY = Symbol('TASK_REPOSITORY');
/** The `PriorityPolicy` scoring new tasks. */
export const PRIORITY_POLICY = Symbol('PRIORITY_POLICY');
/** The `TaskLifecycle` state machine. */
export const TASK_LIFECYCLE = Symbol('TASK_LIFECYCLE');
/** The `LaneResolver` (task type → JetStream lane, asked of task-router). */
export const LANE_RESOLVER = Symbol('LANE_RESOLVER');
/** The `CompletionPublisher` of completions the brain makes itself (external bots, cache hits). */
export const COMPLETION_PUBLISHER = Symbol('BRAIN_COMPLETION_PUBLISHER');
