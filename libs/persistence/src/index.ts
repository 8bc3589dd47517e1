/** Public API of `@apiary/persistence`: entities, committed migrations, repositories. */
export * from './data-source';
export * from './brain/task.entity';
export * from './brain/task-transition.entity';
export * from './brain/task.repository';
export * from './brain/bot.repository';
export * from './brain/bot.entity';
export * from './brain/swarm.entity';
export * from './brain/fleet-counter.entity';
export * from './memory/task-result.entity';
export * from './memory/task-result.repository';
export * from './brain/priority-multiplier.entity';
export * from './memory/service-stat.entity';
export * from './memory/service-stats.repository';
export * from './brain/decision-counter.entity';
