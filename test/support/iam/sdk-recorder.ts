import { createRequire } from 'node:module';

/** One AWS SDK command as a client sent it: the client's service id, the command's name, its input. */
export interface SdkCall {
  service: string;
  command: string;
  input: Record<string, unknown>;
}

/** Returned by a responder to let the call go on to the client's endpoint (a local emulator). */
export const PASS_THROUGH = Symbol('pass through');

/** Answers a recorded call in place of AWS, or PASS_THROUGH. */
export type SdkResponder = (call: SdkCall) => unknown;

interface Recording {
  calls: SdkCall[];
  respond?: SdkResponder;
}

interface SmithyClient {
  config: { serviceId?: string };
  send(command: unknown, ...rest: unknown[]): Promise<unknown>;
}

let active: Recording | undefined;
const INSTALLED = Symbol.for('sluice.sdkRecorder');

/**
 * Wraps `send` of @smithy/core's Client, the base class of every AWS SDK v3 client (and of
 * lib-dynamodb's document client), so every command any client sends passes through here,
 * whichever function built the client. Installed by test/setup.ts; it records only while a
 * test has started a recording. Clients stubbed by aws-sdk-client-mock replace `send` on their
 * own prototype and are not seen.
 */
export function installSdkRecorder(): void {
  // The SDK clients are CommonJS and require @smithy/core/client; jest's require gives the same instance.
  const { Client } = createRequire(import.meta.url)('@smithy/core/client') as {
    Client: { prototype: SmithyClient & { [INSTALLED]?: true } };
  };
  if (Client.prototype[INSTALLED]) return;
  const send = Client.prototype.send;
  Client.prototype.send = function (this: SmithyClient, command: unknown, ...rest: unknown[]) {
    const recording = active;
    if (!recording) return send.call(this, command, ...rest);
    const cmd = command as {
      constructor: { name: string };
      input?: Record<string, unknown>;
      clientCommand?: { constructor: { name: string } };
    };
    const call: SdkCall = {
      service: this.config.serviceId ?? 'unknown',
      // lib-dynamodb's GetCommand wraps GetItemCommand: the service sees the wrapped operation.
      command: (cmd.clientCommand ?? cmd).constructor.name.replace(/Command$/, ''),
      input: structuredClone(cmd.input ?? {}),
    };
    recording.calls.push(call);
    const answer = recording.respond ? recording.respond(call) : PASS_THROUGH;
    if (answer === PASS_THROUGH) return send.call(this, command, ...rest);
    return Promise.resolve(answer);
  };
  Client.prototype[INSTALLED] = true;
}

/** Records every command sent until the returned stop(); with `respond`, answers them instead of AWS. */
export function recordSdkCalls(respond?: SdkResponder): { calls: SdkCall[]; stop: () => void } {
  const recording: Recording = { calls: [], ...(respond ? { respond } : {}) };
  active = recording;
  return {
    calls: recording.calls,
    stop: () => {
      if (active === recording) active = undefined;
    },
  };
}
