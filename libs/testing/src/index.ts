/** Public API of `@apiary/testing`: NATS and PostgreSQL per suite, service processes, factories. */
export * from './ports';
export * from './nats-server';
export * from './database';
export * from './services';
export * from './factories';
