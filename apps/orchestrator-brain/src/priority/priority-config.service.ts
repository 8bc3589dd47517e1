import {
  ApiaryError,
  MAX_TYPE_MULTIPLIER,
  PriorityConfigView,
} from '@apiary/contracts';
import type { PriorityMultiplierRepository } from '@apiary/persistence';
import type { Logger } from 'pino';
import { LEVEL_SCORES, PriorityPolicy, TIER_WEIGHTS } from './priority.service';

const TYPE_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * Multipliers set through the API, persisted, and applied to the {@link PriorityPolicy}
 * of every brain replica: the replica that takes a change applies it at once, the
 * others within one refresh interval.
 */
export class PriorityConfigService {
  private timer?: NodeJS.Timeout;

  /**
   * @param policy the policy scoring new tasks
   * @param repo stored multipliers
   * @param refreshMs how often stored multipliers are re-read, ms
   * @param logger logger
   */
  constructor(
    private readonly policy: PriorityPolicy,
    private readonly repo: Pick<PriorityMultiplierRepository, 'all' | 'apply'>,
    private readonly refreshMs: number,
    private readonly logger: Logger,
  ) {}

  /** Loads stored multipliers and starts refreshing them. */
  async start(): Promise<void> {
    await this.reload();
    this.timer ??= setInterval(() => this.reload().catch((err) => this.logger.warn({ err }, 'priority reload failed')), this.refreshMs);
    this.timer.unref();
  }

  /** Stops refreshing. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async reload(): Promise<void> {
    this.policy.setOverrides(await this.repo.all());
  }

  /** @returns the rules in force */
  view(): PriorityConfigView {
    return {
      levels: { ...LEVEL_SCORES },
      type_multipliers: this.policy.typeMultipliers(),
      tier_weights: { ...TIER_WEIGHTS },
      aging_per_minute: Math.round(this.policy.agingPerSecond * 60 * 1e6) / 1e6,
    };
  }

  /**
   * Sets (0 < m ≤ 100) or removes (null) multipliers, persists them, applies them.
   * @throws ApiaryError `VALIDATION_FAILED` naming the first bad type or value; nothing changes then
   */
  async set(changes: Record<string, number | null>): Promise<PriorityConfigView> {
    const entries = Object.entries(changes);
    if (entries.length === 0) throw new ApiaryError('VALIDATION_FAILED', 'type_multipliers: give at least one task type', { field: 'type_multipliers' });
    for (const [type, m] of entries) {
      const field = `type_multipliers.${type}`;
      if (!TYPE_PATTERN.test(type)) throw new ApiaryError('VALIDATION_FAILED', `${field}: task type must match [A-Za-z0-9_.:-]{1,128}`, { field });
      if (m !== null && (typeof m !== 'number' || !Number.isFinite(m) || m <= 0 || m > MAX_TYPE_MULTIPLIER)) {
        throw new ApiaryError('VALIDATION_FAILED', `${field}: must be a number > 0 and <= ${MAX_TYPE_MULTIPLIER}, or null (got ${JSON.stringify(m)})`, { field });
      }
    }
    await this.repo.apply(changes);
    await this.reload();
    return this.view();
  }
}
