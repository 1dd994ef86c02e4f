import { LocalArtifacts } from '../../embedded/adapters/artifacts.js';
import { BLUE, GREEN, Scenario, scenarioConfig, shaOf } from './harness.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

/** An ECS environment whose image must have a completed scan with nothing at or above HIGH. */
const scanned = () =>
  scenarioConfig({
    deploy: { provider: 'ecs', cluster: 'shop', services: { blue: 'shop-blue', green: 'shop-green' } },
    artifact: { repository: 'shop', scan: { failOn: 'HIGH' } },
  });

/**
 * ECR API reference, ImageScanStatus: a scan is IN_PROGRESS (basic) or PENDING (enhanced) until
 * its findings are available. The image is usually pushed by the last required check, so Deploy
 * often runs before the scan ends: Deploy's Retry on ScanPendingError waits for it (the engine
 * runs the 30 s intervals at once on the instant clock).
 */
describe('Scenario: an image whose scan has not finished', () => {
  it('waits for a pending scan, then deploys and promotes the release', async () => {
    // Prepare
    const sha = shaOf('scan-pending');
    const registry = new LocalArtifacts();
    registry.setScanStatuses('shop', sha, ['PENDING', 'IN_PROGRESS', 'IN_PROGRESS'], 'complete');
    scenario = await Scenario.start({ config: scanned(), artifacts: registry });

    // Act
    const result = await scenario.release(sha);

    // Assess
    expect(result.execution.status).toBe('SUCCEEDED');
    expect(result.record.status).toBe('succeeded');
    expect(registry.reads('shop', sha)).toBe(4);
    expect(scenario.weights()).toEqual({ [BLUE]: 0, [GREEN]: 100 });
  });

  it('gives up after the bounded retries with ScanPendingError, traffic untouched', async () => {
    // Prepare: a scan that never finishes
    const sha = shaOf('scan-stuck');
    const registry = new LocalArtifacts();
    registry.setScanStatuses('shop', sha, ['IN_PROGRESS'], 'repeat');
    scenario = await Scenario.start({ config: scanned(), artifacts: registry });

    // Act
    const result = await scenario.release(sha);

    // Assess: the first attempt and 20 retries
    expect(result.execution.status).toBe('FAILED');
    expect(registry.reads('shop', sha)).toBe(21);
    expect(result.record.cause).toMatchObject({ error: 'ScanPendingError' });
    expect(scenario.weights()).toEqual({ [BLUE]: 100, [GREEN]: 0 });
  });

  it('refuses at once an image whose scan FAILED', async () => {
    // Prepare
    const sha = shaOf('scan-failed');
    const registry = new LocalArtifacts();
    registry.setScanStatuses('shop', sha, ['FAILED'], 'repeat');
    scenario = await Scenario.start({ config: scanned(), artifacts: registry });

    // Act
    const result = await scenario.release(sha);

    // Assess
    expect(result.execution.status).toBe('FAILED');
    expect(registry.reads('shop', sha)).toBe(1);
    expect(result.record.cause).toMatchObject({ error: 'ArtifactNotVerifiedError' });
    expect(scenario.weights()).toEqual({ [BLUE]: 100, [GREEN]: 0 });
  });
});
