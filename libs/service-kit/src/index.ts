/** Public API of `@apiary/service-kit`: the plumbing every Apiary service shares. */
export * from './env';
export * from './base-env';
export * from './errors';
export * from './rpc-client';
export * from './tokens';
export * from './health.tokens';
export * from './logger';
export * from './nest-logger';
export * from './rpc-validation.pipe';
export * from './rpc-error.filter';
export * from './nats-tracing.interceptor';
export * from './service-kit.module';
export * from './health';
export * from './bootstrap';
export * from './jetstream';
export * from './batch-consumer';
export * from './database';
