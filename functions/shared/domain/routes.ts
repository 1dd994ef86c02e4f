import type { SluiceConfig } from './config.js';

export interface Route {
  /** The route's branch patterns, joined: how `sluice plan` names it. */
  name: string;
  branches: string[];
  environments: string[];
  buildTimeoutSeconds: number;
  /** A hotfix route: its environments' freezes do not hold it (their windows do). */
  passFreezes: boolean;
}

/** The routes a config defines; without `routes`, releaseBranches walk every environment in order. */
export function routesOf(config: SluiceConfig): Route[] {
  const routes = config.routes ?? [
    {
      branches: config.releaseBranches ?? [],
      environments: config.environments.map((e) => e.name),
      buildTimeout: 3600,
    },
  ];
  return routes.map((r) => ({
    name: r.branches.join(', '),
    branches: r.branches,
    environments: r.environments,
    buildTimeoutSeconds: r.buildTimeout,
    passFreezes: ('passFreezes' in r && r.passFreezes) === true,
  }));
}
