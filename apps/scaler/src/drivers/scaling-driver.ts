import type { InstanceMetrics } from '@apiary/contracts';

/** Names of the drivers (`APIARY_SCALER_DRIVER`). */
export const DRIVER_NAMES = ['local', 'kubernetes', 'hpa'] as const;
/** One of {@link DRIVER_NAMES}. */
export type DriverName = (typeof DRIVER_NAMES)[number];

/**
 * How a decision is applied (issue 7 "Drivers"). The scaler asks for a replica
 * count; the driver gets there its own way.
 */
export interface ScalingDriver {
  readonly name: DriverName;
  /** Prepares the driver (local: starts the initial replicas). */
  start(instances: InstanceMetrics[]): Promise<void>;
  /**
   * Replicas the pool has now as the driver counts them (the decision's `current`).
   * @param instances replicas from heartbeats
   */
  current(instances: InstanceMetrics[]): Promise<number>;
  /** Replicas the driver was last asked for (null before the first request). */
  desired(): number | null;
  /**
   * Asks for `replicas`.
   * @param replicas the new count
   * @param instances replicas from heartbeats (local picks the ones to stop)
   * @returns the count now asked for (local may stop fewer than asked: only its own replicas)
   * @throws Error when the change could not be made (recorded with the event)
   */
  scaleTo(replicas: number, instances: InstanceMetrics[]): Promise<number>;
  /** Whether this driver started the replica (local only; it stops no other). */
  isManaged(instanceId: string): boolean;
  /**
   * Why the driver will not apply decisions now, or null (local: replicas it did
   * not start are present, so another manager runs the pool).
   */
  standby(instances: InstanceMetrics[]): string | null;
  /**
   * Periodic upkeep (local: replaces replicas that crashed, kills and replaces
   * replicas marked lost).
   * @returns lines describing what it did, for the log
   */
  reconcile(instances: InstanceMetrics[]): Promise<string[]>;
  /** Stops the driver (local: drains every replica it started). */
  stop(): Promise<void>;
}
