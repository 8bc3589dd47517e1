import { ApiaryError } from '@apiary/contracts';
import type { BotRepository } from '@apiary/persistence';
import type { LaneResolver } from '../dispatch/lane-resolver';
import { assertTaskData } from '../tasks/task-data';
import type { StepSpec } from './dag';

type BotReads = Pick<BotRepository, 'findBot' | 'findSwarm'>;

/**
 * Re-throws an `INVALID_TASK_DATA` error of {@link assertTaskData} with the step's
 * field path (`data.ms` → `steps.2.parameters.ms`).
 */
export function checkStepData(type: string, data: Record<string, unknown>, path: string): void {
  try {
    assertTaskData(type, data);
  } catch (e) {
    if (!(e instanceof ApiaryError)) throw e;
    const rename = (s: string) => s.replace(/^data/, path);
    const details = Array.isArray(e.details) ? (e.details as { field: string }[]).map((d) => ({ ...d, field: rename(d.field) })) : e.details;
    throw new ApiaryError(e.code, rename(e.message), details);
  }
}

/**
 * Submit-time checks of a workflow's steps against the world (all or nothing): each
 * step's type must be a built-in handler or registered capability (a bot or swarm
 * step may also name an external capability of its bot or swarm), not disabled; a
 * named bot must exist, be active and have the capability, a named swarm likewise;
 * static parameters must fit a built-in handler's schema. Sets `external` on bot
 * and swarm steps whose type no bot-runtime handler serves.
 */
export class WorkflowValidator {
  /**
   * @param lanes type → lane resolution (the task-router's)
   * @param bots bot and swarm reads
   */
  constructor(
    private readonly lanes: LaneResolver,
    private readonly bots: BotReads,
  ) {}

  /**
   * @param steps normalised steps (mutated: `external`)
   * @throws ApiaryError naming the step's field: `UNKNOWN_TASK_TYPE` / `INVALID_TASK_DATA` /
   *   `CAPABILITY_MISMATCH` (422), `MODULE_DISABLED` / `BOT_RETIRED` (409), `BOT_NOT_FOUND` /
   *   `SWARM_NOT_FOUND` (404)
   */
  async validate(steps: StepSpec[]): Promise<void> {
    const types = steps.flatMap((s) => [s.type, ...(s.recovery?.kind === 'task' ? [s.recovery.type] : [])]);
    const { routes, unknown, disabled } = await this.lanes.resolve(types);
    const unknownSet = new Set(unknown);
    const disabledSet = new Set(disabled);
    for (const [i, s] of steps.entries()) {
      const typeField = `steps.${i}.type`;
      if (disabledSet.has(s.type)) {
        throw new ApiaryError('MODULE_DISABLED', `${typeField}: the module serving "${s.type}" is disabled`, { field: typeField, step: s.id });
      }
      if (s.bot_id) {
        const bot = await this.bots.findBot(s.bot_id);
        if (!bot) throw new ApiaryError('BOT_NOT_FOUND', `steps.${i}.bot_id: bot ${s.bot_id} not found`, { field: `steps.${i}.bot_id`, step: s.id });
        if (bot.status !== 'active') throw new ApiaryError('BOT_RETIRED', `steps.${i}.bot_id: bot ${s.bot_id} is retired`, { field: `steps.${i}.bot_id`, step: s.id });
        this.capability(bot.capabilities, s.type, `bot ${s.bot_id}`, typeField, s.id);
        s.external = !routes.has(s.type);
      } else if (s.swarm_id) {
        const swarm = await this.bots.findSwarm(s.swarm_id);
        if (!swarm || swarm.status !== 'active') {
          throw new ApiaryError('SWARM_NOT_FOUND', `steps.${i}.swarm_id: swarm ${s.swarm_id} not found`, { field: `steps.${i}.swarm_id`, step: s.id });
        }
        this.capability(swarm.capabilities, s.type, `swarm ${s.swarm_id}`, typeField, s.id);
        s.external = !routes.has(s.type);
      } else if (unknownSet.has(s.type)) {
        throw new ApiaryError('UNKNOWN_TASK_TYPE', `${typeField}: unknown task type "${s.type}"`, { field: typeField, step: s.id, unknown_types: [s.type] });
      }
      if (s.use_previous_results.length === 0) checkStepData(s.type, s.parameters, `steps.${i}.parameters`);
      if (s.recovery?.kind === 'task') {
        const field = `steps.${i}.recovery.type`;
        if (unknownSet.has(s.recovery.type)) {
          throw new ApiaryError('UNKNOWN_TASK_TYPE', `${field}: unknown task type "${s.recovery.type}"`, { field, step: s.id, unknown_types: [s.recovery.type] });
        }
        if (disabledSet.has(s.recovery.type)) {
          throw new ApiaryError('MODULE_DISABLED', `${field}: the module serving "${s.recovery.type}" is disabled`, { field, step: s.id });
        }
        checkStepData(s.recovery.type, s.recovery.parameters, `steps.${i}.recovery.parameters`);
      }
    }
  }

  private capability(capabilities: string[], type: string, who: string, field: string, step: string): void {
    if (!capabilities.includes(type)) {
      throw new ApiaryError('CAPABILITY_MISMATCH', `${field}: ${who} has no capability "${type}" (has: ${capabilities.join(', ')})`, {
        field,
        step,
        capabilities,
      });
    }
  }
}
