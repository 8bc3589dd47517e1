/**
 * Public API of `@apiary/datasets` (docs/datasets.md): CSV decoding and upload
 * blocks, column type inference, the `data.process` row pipeline, and the
 * mergeable statistics (HyperLogLog, DDSketch, Welford/Chan) both bot-runtime and
 * the brain's fan-in use.
 */
export * from './column-types';
export * from './hash';
export * from './hyperloglog';
export * from './quantile-sketch';
export * from './column-stats';
export * from './pipeline';
export * from './merge-results';
export * from './csv-upload';
export * from './dataset-sink';
