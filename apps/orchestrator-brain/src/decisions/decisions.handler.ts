import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { BRAIN_DECIDE, BRAIN_PERFORMANCE, BrainPerformance, Decision, DecisionRequest } from '@apiary/contracts';
import { DecisionService } from './decision.service';

/** NATS entry of the brain's decisions (`apiary.brain.decide`, `apiary.brain.performance`). */
@Controller()
export class DecisionsHandler {
  /** @param decisions the decision rule and its counters */
  constructor(private readonly decisions: DecisionService) {}

  /**
   * Which service should run a task type (Thompson sampling over memory's statistics).
   * @throws ApiaryError NO_CAPABLE_SERVICE naming the task type; SERVICE_UNAVAILABLE / UPSTREAM_TIMEOUT when the router must be asked and does not answer
   */
  @MessagePattern(BRAIN_DECIDE)
  decide(@Payload() req: DecisionRequest): Promise<Decision> {
    return this.decisions.decide(req);
  }

  /**
   * Decisions made, task types learned, average confidence, learned statistics.
   * @throws ApiaryError SERVICE_UNAVAILABLE / UPSTREAM_TIMEOUT when memory does not answer
   */
  @MessagePattern(BRAIN_PERFORMANCE)
  performance(): Promise<BrainPerformance> {
    return this.decisions.performance();
  }
}
