import type { Action, DescribeListenersCommandOutput } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Weights } from '../../functions/shared/domain/release.js';

/** The forward action an ALB reports for these weights (group order as given). */
export function forwardTo(weights: Weights): Action {
  return {
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: Object.entries(weights).map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })),
      TargetGroupStickinessConfig: { Enabled: false },
    },
  };
}

/** DescribeListeners' answer for a listener serving these weights. */
export function listenerServing(listenerArn: string, weights: Weights): DescribeListenersCommandOutput {
  return {
    Listeners: [
      { ListenerArn: listenerArn, Port: 443, Protocol: 'HTTPS', DefaultActions: [forwardTo(weights)] },
    ],
    $metadata: {},
  };
}

/** The weights a ModifyListener request writes to the listener's forward action. */
export function writtenWeights(command: { DefaultActions?: Action[] }): Weights {
  const groups = command.DefaultActions?.find((a) => a.Type === 'forward')?.ForwardConfig?.TargetGroups ?? [];
  return Object.fromEntries(groups.map((g) => [g.TargetGroupArn!, g.Weight ?? 0]));
}
