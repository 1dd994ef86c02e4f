import type { Targets, Weights } from './release.js';

/** The weights of one canary step: `weight` percent on the idle group, the rest on the live one. */
export function stepWeights(targets: Targets, weight: number): Weights {
  return { [targets.live]: 100 - weight, [targets.idle]: weight };
}

/** All traffic on the live group: where every release ends that does not promote. */
export function restoredWeights(targets: Targets): Weights {
  return stepWeights(targets, 0);
}

/** True when the load balancer serves exactly the expected weights (absent groups count as 0). */
export function weightsMatch(expected: Weights, observed: Weights): boolean {
  const groups = new Set([...Object.keys(expected), ...Object.keys(observed)]);
  for (const group of groups) {
    if ((expected[group] ?? 0) !== (observed[group] ?? 0)) return false;
  }
  return true;
}

export type ListenerReading =
  | { kind: 'settled'; targets: Targets }
  | { kind: 'split'; weights: Weights }
  | { kind: 'foreign'; groups: string[] };

/**
 * Derives which group is live from what the listener serves: the one at 100 among the
 * environment's two. A split listener or one forwarding elsewhere is not a state to start from.
 */
export function readListener(weights: Weights, groups: { blue: string; green: string }): ListenerReading {
  const foreign = Object.entries(weights)
    .filter(([group, weight]) => weight > 0 && group !== groups.blue && group !== groups.green)
    .map(([group]) => group);
  if (foreign.length > 0) return { kind: 'foreign', groups: foreign };
  const blue = weights[groups.blue] ?? 0;
  const green = weights[groups.green] ?? 0;
  if (blue === 100 && green === 0)
    return { kind: 'settled', targets: { live: groups.blue, idle: groups.green } };
  if (green === 100 && blue === 0)
    return { kind: 'settled', targets: { live: groups.green, idle: groups.blue } };
  return { kind: 'split', weights };
}

/** "blue 90 / green 10", for messages and logs. */
export function describeWeights(weights: Weights, groups: { blue: string; green: string }): string {
  return `blue ${weights[groups.blue] ?? 0} / green ${weights[groups.green] ?? 0}`;
}
