import { HttpHandler } from './http.handler';
import { NoopHandler, SleepHandler } from './basic.handlers';
import { SentimentHandler } from './sentiment.handler';
import { TaskHandler } from './task-handler';

/**
 * The built-in handlers, by type.
 * @param only restrict to these types (env `APIARY_RUNTIME_HANDLERS`); all when empty
 * @throws Error naming an unknown handler type
 */
export function builtinHandlers(only: string[] = []): Map<string, TaskHandler> {
  const all: TaskHandler[] = [new SentimentHandler(), new HttpHandler(), new NoopHandler(), new SleepHandler()];
  const map = new Map(all.map((h) => [h.type, h]));
  if (only.length === 0) return map;
  for (const t of only) if (!map.has(t)) throw new Error(`unknown handler "${t}" in APIARY_RUNTIME_HANDLERS (known: ${[...map.keys()].join(', ')})`);
  return new Map(only.map((t) => [t, map.get(t)!]));
}
