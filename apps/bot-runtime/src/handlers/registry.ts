import type { RoutedCaller } from '../routing/routed-caller';
import { HttpHandler } from './http.handler';
import { NoopHandler, SleepHandler } from './basic.handlers';
import { SentimentHandler } from './sentiment.handler';
import { LlmChatHandler } from './llm-chat.handler';
import { TaskHandler } from './task-handler';
import { DataProcessHandler } from './data-process.handler';
import type { DatasetSource } from '../datasets/dataset-source';

/** What built-in handlers need from the runtime. */
export interface BuiltinHandlerDeps {
  /** Runs routed tasks in the `http` handler (issue 4). */
  routed?: RoutedCaller;
  /** Reads stored datasets by row range for `data.process` (docs/datasets.md). */
  datasets?: DatasetSource;
}

/**
 * The built-in handlers, by type.
 * @param only restrict to these types (env `APIARY_RUNTIME_HANDLERS`); all when empty
 * @param deps collaborators of handlers (the `http` handler's routed caller)
 * @throws Error naming an unknown handler type
 */
export function builtinHandlers(only: string[] = [], deps: BuiltinHandlerDeps = {}): Map<string, TaskHandler> {
  const all: TaskHandler[] = [
    new SentimentHandler(),
    new HttpHandler({ routed: deps.routed }),
    new NoopHandler(),
    new SleepHandler(),
    new LlmChatHandler(deps.routed),
    new DataProcessHandler(deps.datasets),
  ];
  const map = new Map(all.map((h) => [h.type, h]));
  if (only.length === 0) return map;
  for (const t of only) if (!map.has(t)) throw new Error(`unknown handler "${t}" in APIARY_RUNTIME_HANDLERS (known: ${[...map.keys()].join(', ')})`);
  return new Map(only.map((t) => [t, map.get(t) as TaskHandler]));
}
