import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  IMPROVEMENT_SUGGESTIONS_APPROVE,
  IMPROVEMENT_SUGGESTIONS_GET,
  IMPROVEMENT_SUGGESTIONS_IMPLEMENTED,
  IMPROVEMENT_SUGGESTIONS_LIST,
  IMPROVEMENT_SUGGESTIONS_REJECT,
  ListSuggestionsRequest,
  RejectSuggestionRequest,
  SuggestionDecisionRequest,
  SuggestionIdRequest,
  SuggestionPage,
  SuggestionView,
} from '@apiary/contracts';
import { SuggestionsService } from './suggestions.service';

/** NATS entry of suggestions (`apiary.improvement.suggestions.*`). */
@Controller()
export class SuggestionsHandler {
  /** @param suggestions listing, decisions, impact */
  constructor(private readonly suggestions: SuggestionsService) {}

  /** Suggestions newest first by status/priority. @throws ApiaryError VALIDATION_FAILED */
  @MessagePattern(IMPROVEMENT_SUGGESTIONS_LIST)
  list(@Payload() req: ListSuggestionsRequest): Promise<SuggestionPage> {
    return this.suggestions.list(req);
  }

  /** One suggestion (impact measured first if due). @throws ApiaryError SUGGESTION_NOT_FOUND */
  @MessagePattern(IMPROVEMENT_SUGGESTIONS_GET)
  get(@Payload() req: SuggestionIdRequest): Promise<SuggestionView> {
    return this.suggestions.get(req.id);
  }

  /** Records an approval (open only); applies nothing. @throws ApiaryError SUGGESTION_NOT_FOUND, SUGGESTION_INVALID_TRANSITION */
  @MessagePattern(IMPROVEMENT_SUGGESTIONS_APPROVE)
  approve(@Payload() req: SuggestionDecisionRequest): Promise<SuggestionView> {
    return this.suggestions.approve(req);
  }

  /** Records a rejection with its reason (open or approved). @throws ApiaryError SUGGESTION_NOT_FOUND, SUGGESTION_INVALID_TRANSITION */
  @MessagePattern(IMPROVEMENT_SUGGESTIONS_REJECT)
  reject(@Payload() req: RejectSuggestionRequest): Promise<SuggestionView> {
    return this.suggestions.reject(req);
  }

  /** Marks an approved suggestion implemented and starts impact tracking. @throws ApiaryError SUGGESTION_NOT_FOUND, SUGGESTION_INVALID_TRANSITION */
  @MessagePattern(IMPROVEMENT_SUGGESTIONS_IMPLEMENTED)
  implemented(@Payload() req: SuggestionDecisionRequest): Promise<SuggestionView> {
    return this.suggestions.implemented(req);
  }
}
