import { TrafficShiftError } from '../../functions/shared/domain/errors.js';
import type { Weights } from '../../functions/shared/domain/release.js';
import {
  type ListenerRef,
  type TrafficRouter,
  VerifyingTrafficRouter,
} from '../../functions/shared/ports/traffic-router.js';

/** Where a router writes: a rule's forward action when the ref names one, else the listener's default action. */
const targetOf = (ref: ListenerRef): string => ref.ruleArn ?? ref.listenerArn;

/**
 * A load balancer in memory behind the TrafficRouter and TrafficReader ports, for handler tests.
 * Its routers extend the product's VerifyingTrafficRouter, so the write, read back and compare
 * under test is the real one; only the load balancer is fake. A test can make it refuse writes,
 * accept writes without applying them, report any number of healthy targets, or change the world
 * (stop the release, hand the lock to another) between a write and its read-back.
 *
 * Not the embedded runtime's LocalTrafficRouter over LocalAlb: that one health-checks real sample
 * apps over HTTP and cannot be told to lie about what it serves.
 */
export class FakeLoadBalancer {
  private readonly forwards = new Map<string, Weights>();
  private readonly healthy = new Map<string, number>();
  private readonly sticky = new Map<string, number>();
  /** Every write the load balancer accepted, in order, with where it went. */
  readonly writes: { target: string; weights: Weights }[] = [];
  /** Every read of the weights, by target. */
  readonly reads: string[] = [];
  /** Every target group whose health was asked for. */
  readonly healthChecks: string[] = [];
  private mode: { kind: 'apply' } | { kind: 'ignore' } | { kind: 'refuse'; reason: string } = {
    kind: 'apply',
  };
  private afterWrite: ((weights: Weights) => Promise<void> | void) | undefined;

  /** The TrafficRouter port (and TrafficReader: a router only reads until asked to shift). */
  readonly router = (ref: ListenerRef): TrafficRouter => new FakeTrafficRouter(this, ref);

  /** Makes a listener (or rule) serve these weights. */
  serve(ref: ListenerRef, weights: Weights): this {
    this.forwards.set(targetOf(ref), { ...weights });
    return this;
  }

  /** What a listener (or rule) serves now. */
  serving(ref: ListenerRef): Weights {
    return { ...(this.forwards.get(targetOf(ref)) ?? {}) };
  }

  /** Turns on target group stickiness of a listener's (or rule's) forward action for this long. */
  stick(ref: ListenerRef, durationSeconds: number): this {
    this.sticky.set(targetOf(ref), durationSeconds);
    return this;
  }

  /** The stickiness a router reads; not for tests. */
  stickiness(ref: ListenerRef): number | undefined {
    return this.sticky.get(targetOf(ref));
  }

  /** How many healthy targets a group reports; a group not set reports none. */
  setHealthy(targetGroupArn: string, count: number): this {
    this.healthy.set(targetGroupArn, count);
    return this;
  }

  /** Accepts writes but keeps serving the old weights, as a load balancer that lost the write. */
  ignoreWrites(): this {
    this.mode = { kind: 'ignore' };
    return this;
  }

  /** Fails every write, as the adapters report a refused one: TrafficShiftError with the reason. */
  refuseWrites(reason: string): this {
    this.mode = { kind: 'refuse', reason };
    return this;
  }

  /** Applies writes again after ignoreWrites or refuseWrites. */
  applyWrites(): this {
    this.mode = { kind: 'apply' };
    return this;
  }

  /** Runs once per accepted write, after it lands and before the router reads back. */
  onWrite(hook: (weights: Weights) => Promise<void> | void): this {
    this.afterWrite = hook;
    return this;
  }

  /** The write a router makes; not for tests. */
  async write(ref: ListenerRef, weights: Weights): Promise<void> {
    const target = targetOf(ref);
    if (this.mode.kind === 'refuse') {
      throw new TrafficShiftError(`setting weights on ${target} failed: ${this.mode.reason}`);
    }
    this.writes.push({ target, weights: { ...weights } });
    if (this.mode.kind === 'apply') this.forwards.set(target, { ...weights });
    await this.afterWrite?.(weights);
  }

  /** The read a router makes; not for tests. */
  read(ref: ListenerRef): Weights {
    this.reads.push(targetOf(ref));
    return this.serving(ref);
  }

  /** The health check a router makes; not for tests. */
  health(targetGroupArn: string): number {
    this.healthChecks.push(targetGroupArn);
    return this.healthy.get(targetGroupArn) ?? 0;
  }
}

class FakeTrafficRouter extends VerifyingTrafficRouter {
  protected readonly target: string;

  constructor(
    private readonly lb: FakeLoadBalancer,
    private readonly ref: ListenerRef,
  ) {
    super();
    this.target = ref.ruleArn ? `rule ${ref.ruleArn}` : `listener ${ref.listenerArn}`;
  }

  protected writeWeights(weights: Weights): Promise<void> {
    return this.lb.write(this.ref, weights);
  }

  async readWeights(): Promise<Weights> {
    return this.lb.read(this.ref);
  }

  async healthyTargets(targetGroupArn: string): Promise<number> {
    return this.lb.health(targetGroupArn);
  }

  async stickinessSeconds(): Promise<number | undefined> {
    return this.lb.stickiness(this.ref);
  }
}
