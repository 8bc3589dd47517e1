/** Public API of `@apiary/testing`: NATS and PostgreSQL per suite, service processes, factories, an OpenAI-compatible stand-in. */
export * from './ports';
export * from './nats-server';
export * from './database';
export * from './services';
export * from './factories';
export * from './openai-stand-in';
