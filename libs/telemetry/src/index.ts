/** Public API of `@apiary/telemetry`: OTel bootstrap and NATS trace propagation. */
export * from './telemetry';
export * from './propagation';
