import { OrchestrateBody, toTaskInputs } from './orchestrate.dto';

describe('toTaskInputs', () => {
  it('maps params to data and applies the priority to every task', () => {
    const body: OrchestrateBody = {
      tasks: [{ type: 'image_generation', params: { prompt: 'Sunset landscape' } }, { type: 'crypto_prediction' }],
      priority: 'high',
    };
    expect(toTaskInputs(body)).toEqual([
      { type: 'image_generation', data: { prompt: 'Sunset landscape' }, priority: 'high' },
      { type: 'crypto_prediction', data: {}, priority: 'high' },
    ]);
  });

  it('leaves the priority to the brain when absent', () => {
    expect(toTaskInputs({ tasks: [{ type: 'noop' }] })).toEqual([{ type: 'noop', data: {} }]);
  });
});
