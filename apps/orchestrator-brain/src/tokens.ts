/** Nest tokens of orchestrator-brain (kept apart from modules: STACK-NOTES pitfall 6). */
export const DATA_SOURCE = Symbol('DATA_SOURCE');
export const TASK_REPOSITORY = Symbol('TASK_REPOSITORY');
export const PRIORITY_POLICY = Symbol('PRIORITY_POLICY');
export const TASK_LIFECYCLE = Symbol('TASK_LIFECYCLE');
export const LANE_RESOLVER = Symbol('LANE_RESOLVER');
export { SERVICE_ENV as SERVICE_ENV_TOKEN } from '@apiary/service-kit';
