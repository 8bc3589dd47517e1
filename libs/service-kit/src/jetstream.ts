import {
  AckPolicy,
  ConsumerConfig,
  DeliverPolicy,
  JetStreamManager,
  nanos,
  NatsError,
  RetentionPolicy,
  StorageType,
  StreamConfig,
} from 'nats';
import {
  BRAIN_EVENTS_CONSUMER,
  EVENTS_STREAM,
  EVENTS_SUBJECTS,
  MEMORY_RESULTS_CONSUMER,
  TASK_COMPLETIONS,
  WORK_STREAM,
  WORK_SUBJECTS,
} from '@apiary/contracts';

/** Tunables of the JetStream topology (DESIGN.md "Messaging"). */
export interface JetStreamTopologyOptions {
  /** Window in ms within which a repeated `Nats-Msg-Id` is dropped (default 120,000). */
  duplicateWindowMs?: number;
  /** Max age of an unconsumed event in ms (default 7 days). */
  eventsMaxAgeMs?: number;
}

function isNotFound(error: unknown): boolean {
  return error instanceof NatsError && (error.api_error?.code === 404 || /not found/i.test(error.message));
}

async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    await jsm.streams.info(config.name);
    await jsm.streams.update(config.name, config);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await jsm.streams.add(config);
    } catch (addError) {
      // Another replica may have created it concurrently.
      if (!/already in use|exists/i.test(String((addError as Error).message))) throw addError;
    }
  }
}

/**
 * Creates or updates a durable consumer (idempotent, safe from several replicas).
 * @param jsm JetStream manager
 * @param stream stream name
 * @param config consumer config with `durable_name`
 */
export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  config: Partial<ConsumerConfig> & { durable_name: string },
): Promise<void> {
  try {
    await jsm.consumers.info(stream, config.durable_name);
    await jsm.consumers.update(stream, config.durable_name, config);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await jsm.consumers.add(stream, { ack_policy: AckPolicy.Explicit, ...config });
    } catch (addError) {
      if (!/already in use|exists/i.test(String((addError as Error).message))) throw addError;
    }
  }
}

/**
 * Declares Apiary's streams and the event consumers, idempotently:
 * - `APIARY_WORK` (`apiary.work.>`): work-queue retention, file storage, dedup window;
 * - `APIARY_TASK_EVENTS` (`apiary.events.task.>`): interest retention, with the
 *   durable consumers of the brain (all events) and of memory (completions), created
 *   here so that no event is dropped for a consumer that has not started yet.
 * @throws NatsError when JetStream is not enabled on the server
 */
export async function ensureJetStreamTopology(jsm: JetStreamManager, options: JetStreamTopologyOptions = {}): Promise<void> {
  const duplicateWindow = nanos(options.duplicateWindowMs ?? 120_000);
  await ensureStream(jsm, {
    name: WORK_STREAM,
    subjects: [WORK_SUBJECTS],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: duplicateWindow,
  });
  await ensureStream(jsm, {
    name: EVENTS_STREAM,
    subjects: [EVENTS_SUBJECTS],
    retention: RetentionPolicy.Interest,
    storage: StorageType.File,
    duplicate_window: duplicateWindow,
    max_age: nanos(options.eventsMaxAgeMs ?? 7 * 24 * 3600 * 1000),
  });
  await ensureConsumer(jsm, EVENTS_STREAM, {
    durable_name: BRAIN_EVENTS_CONSUMER,
    filter_subject: EVENTS_SUBJECTS,
    deliver_policy: DeliverPolicy.All,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(30_000),
    max_ack_pending: 20_000,
  });
  await ensureConsumer(jsm, EVENTS_STREAM, {
    durable_name: MEMORY_RESULTS_CONSUMER,
    filter_subject: TASK_COMPLETIONS,
    deliver_policy: DeliverPolicy.All,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(30_000),
    max_ack_pending: 20_000,
  });
}
