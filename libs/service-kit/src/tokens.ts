/** Nest injection tokens of @apiary/service-kit (kept apart: STACK-NOTES pitfall 6). */

/** The raw nats.js `NatsConnection` (for JetStream and the RPC client). */
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');
/** A {@link NatsRpcClient} bound to {@link NATS_CONNECTION}. */
export const RPC_CLIENT = Symbol('RPC_CLIENT');
/** The service's validated environment object. */
export const SERVICE_ENV = Symbol('SERVICE_ENV');
/** The service identity: `{ service, instance }`. */
export const SERVICE_IDENTITY = Symbol('SERVICE_IDENTITY');
