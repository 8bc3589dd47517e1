/** Public API of `@apiary/contracts`: every NATS subject with its request and reply DTO. */
import 'reflect-metadata';
export * from './common/errors';
export * from './common/task';
export * from './common/health';
export * from './handlers/catalog';
export * from './brain/submit';
export * from './brain/get-task';
export * from './brain/list-tasks';
export * from './brain/prioritize';
export * from './brain/priority-config';
export * from './router/route';
export * from './runtime/work';
export * from './runtime/events';
export * from './bots/bot';
export * from './bots/swarm';
export * from './bots/assign';
