// The OPC UA read, first span of a sample's trace (issue 20), with the RPC semantic conventions for
// the subscription's Publish service: one CLIENT span `opcua.Subscription/Publish` per publish
// response delivered, a root span (head-sampled at OTEL_SAMPLE_RATIO). node-opcua emits every
// `changed` of one notification message synchronously, so the response has been delivered when the
// next turn of the event loop comes. The cut of its batches (scheduled with setImmediate inside this
// context) and the forwarder's publishes of them (`send uns.…`) are its children.
import { ROOT_CONTEXT, SpanKind, trace, type Attributes, type Context, type Span } from '@industrial/telemetry/api';

export class PublishSpans {
  readonly #attributes: Attributes;
  #current: { span: Span; ctx: Context; items: number } | null = null;

  constructor(sourceId: string, endpoint: string) {
    const url = URL.canParse(endpoint) ? new URL(endpoint) : null;
    this.#attributes = {
      'rpc.system': 'opcua',
      'rpc.service': 'opcua.Subscription',
      'rpc.method': 'Publish',
      'opcua.source.id': sourceId,
      ...(url === null ? {} : { 'server.address': url.hostname, 'server.port': Number(url.port || 4840) }),
    };
  }

  /** The context of the publish response being delivered (a new span at its first data change). */
  context(): Context {
    if (this.#current === null) {
      const span = trace
        .getTracer('connectivity.opcua')
        .startSpan('opcua.Subscription/Publish', { kind: SpanKind.CLIENT, attributes: this.#attributes }, ROOT_CONTEXT);
      const read = { span, ctx: trace.setSpan(ROOT_CONTEXT, span), items: 0 };
      this.#current = read;
      setImmediate(() => {
        this.#current = null;
        read.span.setAttribute('opcua.notification.item_count', read.items);
        // after the cut the first data change scheduled
        setImmediate(() => read.span.end());
      });
    }
    this.#current.items++;
    return this.#current.ctx;
  }
}
