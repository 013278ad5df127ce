// Head sampling: a parent-based ratio sampler, except that decisions that matter are
// always kept. A span is "important" when it carries `decision.important = true` at start
// (see importantSpanOptions) or when its name is in the configured always-sample list.
import { ParentBasedSampler, SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace';
import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import { IMPORTANT_ATTRIBUTE } from './propagation.ts';

export class ImportantDecisionSampler implements Sampler {
  readonly #delegate: Sampler;
  readonly #alwaysSample: ReadonlySet<string>;

  constructor(delegate: Sampler, alwaysSampleSpanNames: Iterable<string> = []) {
    this.#delegate = delegate;
    this.#alwaysSample = new Set(alwaysSampleSpanNames);
  }

  shouldSample(context: Context, traceId: string, spanName: string, spanKind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    if (attributes[IMPORTANT_ATTRIBUTE] === true || this.#alwaysSample.has(spanName)) {
      return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    }
    return this.#delegate.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `ImportantDecisionSampler{${IMPORTANT_ATTRIBUTE}, always=[${[...this.#alwaysSample].join(',')}], else=${this.#delegate.toString()}}`;
  }
}

/** ImportantDecisionSampler over ParentBased(root = TraceIdRatioBased(ratio)). */
export function createSampler(sampleRatio: number, alwaysSampleSpanNames: Iterable<string> = []): Sampler {
  const parentBasedRatio = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(sampleRatio) });
  return new ImportantDecisionSampler(parentBasedRatio, alwaysSampleSpanNames);
}
