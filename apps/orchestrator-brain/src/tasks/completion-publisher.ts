import { headers as natsHeaders, JetStreamClient, JSONCodec } from 'nats';
import { TASK_COMPLETIONS, TaskCompletedEvent, TaskCompletionsEvent } from '@apiary/contracts';
import { currentTraceCarrier, injectTraceHeaders } from '@apiary/telemetry';

/** Publishes a completion the brain itself made (external bots, cache hits) for memory (port; JetStream in production). */
export type CompletionPublisher = (events: TaskCompletedEvent[]) => Promise<void>;

const codec = JSONCodec<TaskCompletionsEvent>();
/** Completions per JetStream message (as bot-runtime batches them). */
const PER_MESSAGE = 100;

/**
 * {@link CompletionPublisher} on `apiary.events.task.completions`: memory records
 * these like any runtime's (`Nats-Msg-Id` per first task and attempt, so a retried
 * publish is dropped by JetStream).
 * @param js JetStream client
 */
export function jetStreamCompletionPublisher(js: Pick<JetStreamClient, 'publish'>): CompletionPublisher {
  return async (events) => {
    for (let i = 0; i < events.length; i += PER_MESSAGE) {
      const chunk = events.slice(i, i + PER_MESSAGE);
      const h = natsHeaders();
      injectTraceHeaders(h);
      const traceparent = currentTraceCarrier().traceparent;
      const payload: TaskCompletionsEvent = { events: chunk.map((e) => ({ ...e, traceparent })) };
      await js.publish(TASK_COMPLETIONS, codec.encode(payload), { msgID: `${chunk[0].task_id}:${chunk[0].attempt}:done:${chunk.length}`, headers: h });
    }
  };
}
