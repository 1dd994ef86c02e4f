import { forgetBuilt } from './once.js';

/** Forgets every built adapter and the parsed config, so a test can rebuild them from a changed environment. */
export function resetAwsPorts(): void {
  forgetBuilt();
}
