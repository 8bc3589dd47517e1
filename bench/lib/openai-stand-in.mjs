// OpenAI-compatible stand-in server for the benches: a real HTTP server on loopback
// speaking the OpenAI Chat Completions wire format, with provider-style RPM/TPM
// limits. The one implementation is libs/testing/src/openai-stand-in-server.cjs
// (types and documentation in its .d.cts); this file re-exports it for ESM scripts.
//   import { startOpenAiStandIn } from './lib/openai-stand-in.mjs';
//   const llm = await startOpenAiStandIn({ models: ['phi3.5'], limits: { rpm: 600 } });
//   ... llm.baseURL, llm.counts, llm.maxInAnyWindow(1000) ... await llm.close();
export {
  DEFAULT_MAX_TOKENS,
  DEFAULT_MODELS,
  defaultReply,
  formatResetDuration,
  promptTokensOf,
  seededRandom,
  startOpenAiStandIn,
} from '../../libs/testing/src/openai-stand-in-server.cjs';
