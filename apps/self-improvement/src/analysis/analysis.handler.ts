import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { AnalysisReply, AnalyzeRequest, IMPROVEMENT_ANALYZE, IMPROVEMENT_REPORT, ImprovementReport } from '@apiary/contracts';
import { SuggestionsService } from '../suggestions/suggestions.service';
import { AnalysisService } from './analysis.service';

/** NATS entry of the analysis and the report (`apiary.improvement.analyze`, `apiary.improvement.report`). */
@Controller()
export class AnalysisHandler {
  /**
   * @param analysis the analysis
   * @param suggestions the report
   */
  constructor(
    private readonly analysis: AnalysisService,
    private readonly suggestions: SuggestionsService,
  ) {}

  /**
   * Runs an analysis over the last `time_window_hours` now.
   * @throws ApiaryError VALIDATION_FAILED (0 < h ≤ 720); SERVICE_UNAVAILABLE when no statistics source answered
   */
  @MessagePattern(IMPROVEMENT_ANALYZE)
  analyze(@Payload() req: AnalyzeRequest): Promise<AnalysisReply> {
    return this.analysis.analyze(req.time_window_hours, 'manual');
  }

  /** Suggestions by status and priority, measured improvements, last analysis. */
  @MessagePattern(IMPROVEMENT_REPORT)
  report(): Promise<ImprovementReport> {
    return this.suggestions.report();
  }
}
