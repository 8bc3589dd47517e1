/** Public API of `@apiary/persistence`: entities, committed migrations, repositories. */
export * from './data-source';
export * from './brain/task.entity';
export * from './brain/task-transition.entity';
export * from './brain/task.repository';
export * from './memory/task-result.entity';
export * from './memory/task-result.repository';
