import { type SampleApp, startSampleApp } from '../../embedded/sample-app.js';

async function statuses(url: string, count: number): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(url);
    await res.arrayBuffer();
    result.push(res.status);
  }
  return result;
}

describe('Function: startSampleApp', () => {
  let app: SampleApp;
  afterEach(() => app.close());

  it('answers its version as JSON with an x-version header', async () => {
    // Prepare
    app = await startSampleApp({ version: 'abc123' });

    // Act
    const res = await fetch(app.url);

    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get('x-version')).toBe('abc123');
    expect(await res.json()).toEqual({ version: 'abc123' });
  });

  it('fails exactly one request in five at a 20% error rate', async () => {
    // Prepare
    app = await startSampleApp({ version: 'v2', errorRate: 0.2 });

    // Act
    const result = await statuses(app.url, 10);

    // Assess
    expect(result).toEqual([200, 200, 200, 200, 500, 200, 200, 200, 200, 500]);
  });

  it('stays healthy while every request fails, and recovers when the fault is cleared', async () => {
    // Prepare
    app = await startSampleApp({ version: 'v3', errorRate: 1 });

    // Act
    const health = await fetch(`${app.url}/healthz`);
    const failing = await statuses(app.url, 3);
    app.setFault({ errorRate: 0 });
    const recovered = await statuses(app.url, 3);

    // Assess
    expect(health.status).toBe(200);
    expect(health.headers.get('x-version')).toBe('v3');
    expect(failing).toEqual([500, 500, 500]);
    expect(recovered).toEqual([200, 200, 200]);
  });
});
