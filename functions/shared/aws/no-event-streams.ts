/**
 * Stands in for `@smithy/core/event-streams` in the Lambda bundles (an esbuild alias,
 * infra/bundling.ts). Event streams serve the few operations that stream events over one
 * response (Lambda InvokeWithResponseStream, for one); no call Sluice makes is one of them. The
 * SDK still bundles the codec for every client (HttpProtocol imports it on demand, and the Lambda
 * client builds its marshaller at construction): about 13 KB of every bundle. Construction goes
 * through as it would; a call that streams would fail with EventStreamsNotBundledError.
 */

export class EventStreamsNotBundledError extends Error {
  override readonly name = 'EventStreamsNotBundledError';
  constructor() {
    super('event streams are not bundled in Sluice functions (infra/bundling.ts aliases them out)');
  }
}

const unsupported = (): never => {
  throw new EventStreamsNotBundledError();
};

/** What a client's config holds as its event stream marshaller; using it fails. */
export const eventStreamSerdeProvider = () => ({ serialize: unsupported, deserialize: unsupported });

/** As @smithy/core's: the client's config gets its marshaller from the provider. */
export const resolveEventStreamSerdeConfig = <T extends { eventStreamSerdeProvider: (config: T) => unknown }>(
  input: T,
) => Object.assign(input, { eventStreamMarshaller: input.eventStreamSerdeProvider(input) });

/** Loaded by HttpProtocol only for an operation with an event stream. */
export class EventStreamSerde {
  constructor() {
    unsupported();
  }
}
