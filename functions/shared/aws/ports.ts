import type { PortsProvider } from '../handler.js';
import type { Ports } from '../ports/index.js';
import { forgetBuilt } from './once.js';

function unwired(port: string): never {
  throw new Error(`port ${port} is not wired for this function (see its handler's awsPortsWith call)`);
}

/**
 * The ports one Lambda function uses, on AWS. Each handler names its own (awsTrafficRouter,
 * awsReleases, … from the adapter modules), which keeps its bundle to the SDK clients it needs
 * and matches its role's IAM grants; a port it was not given throws when used.
 */
export function awsPortsWith(wired: Partial<Ports>): PortsProvider {
  const ports: Ports = {
    config: () => unwired('config'),
    trafficRouter: () => unwired('trafficRouter'),
    alarms: () => unwired('alarms'),
    deployer: () => unwired('deployer'),
    buildVerifier: () => unwired('buildVerifier'),
    releases: () => unwired('releases'),
    orchestrator: () => unwired('orchestrator'),
    secrets: () => unwired('secrets'),
    now: () => new Date(),
    ...wired,
  };
  return () => ports;
}

/** Forgets every built adapter and the parsed config, so a test can rebuild them from a changed environment. */
export function resetAwsPorts(): void {
  forgetBuilt();
}
