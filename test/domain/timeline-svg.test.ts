import type { HistoryEntry, ReleaseRecord } from '../../functions/shared/domain/release.js';
import { buildTimeline, type Timeline } from '../../functions/shared/domain/timeline.js';
import { badgePositions, escapeXml, renderTimelineSvg } from '../../functions/shared/domain/timeline-svg.js';
import { recordOf, releaseInput } from '../support/release.js';

/**
 * A small XML well-formedness check: every tag closes in order, attributes are quoted, and no
 * bare `<` or `&` sits in text (XML 1.0 §2.4 and §3.1). Returns the element names, in order.
 */
function wellFormed(xml: string): string[] {
  const names: string[] = [];
  const open: string[] = [];
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let consumed = 0;
  for (let m = token.exec(xml); m !== null; m = token.exec(xml)) {
    consumed = token.lastIndex;
    const [, closing, name, , selfClosing, text] = m;
    if (text !== undefined) {
      if (/&(?!(amp|lt|gt|quot|#39);)/.test(text)) throw new Error(`bare & in text: ${text}`);
      continue;
    }
    if (closing) {
      const expected = open.pop();
      if (expected !== name) throw new Error(`</${name}> closes <${expected}>`);
    } else {
      names.push(name as string);
      if (!selfClosing) open.push(name as string);
    }
  }
  if (consumed !== xml.length)
    throw new Error(`not XML at ${consumed}: ${xml.slice(consumed, consumed + 60)}`);
  if (open.length > 0) throw new Error(`unclosed <${open.join('>, <')}>`);
  return names;
}

const input = releaseInput('prod');
const { blue, green } = input.environment.targetGroups;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const entry = (s: number, event: HistoryEntry['event'], detail?: string): HistoryEntry => ({
  at: at(s),
  event,
  ...(detail ? { detail } : {}),
});

/** A canary rolled back by its alarm, with traffic on both groups every 10 s. */
function rolledBack(): Timeline {
  const record: ReleaseRecord = recordOf(input, {
    status: 'rolled_back',
    endedAt: at(100),
    restoredAt: at(100),
    cause: {
      trigger: 'alarm',
      alarm: 'shop-prod-5xx',
      message: 'alarm shop-prod-5xx in ALARM: Threshold Crossed',
    },
    steps: [{ index: 0, weight: 10, observed: { [green]: 10, [blue]: 90 }, at: at(20) }],
    history: [
      entry(0, 'started'),
      entry(10, 'idle_attached'),
      entry(20, 'shifted', '10% on the new version'),
      entry(60, 'analysis', 'inconclusive at 10%: canary 2% 5xx (2/100) vs baseline 0.11% (1/900)'),
      entry(90, 'alarm', `shop-prod-5xx in ALARM on ${green}`),
      entry(100, 'rolled_back', 'AlarmFiredError: alarm fired'),
    ],
  });
  const periods = (rate: number, errors: number) =>
    Array.from({ length: 8 }, (_, i) => ({
      start: T0 + (20 + i * 10) * 1000,
      durationMs: 10_000,
      requests: rate,
      errors,
    }));
  return buildTimeline(record, {
    groups: { blue, green },
    traffic: { [green]: periods(10, 1), [blue]: periods(90, 0) },
  });
}

describe('Function: renderTimelineSvg', () => {
  it('is one well-formed SVG document with a fixed-width viewBox', () => {
    // Act
    const svg = renderTimelineSvg(rolledBack());

    // Assess
    const names = wellFormed(svg);
    expect(names[0]).toBe('svg');
    expect(() => wellFormed('<svg><g></svg>')).toThrow('</svg> closes <g>');
    expect(() => wellFormed('<svg><text>a & b</text></svg>')).toThrow('bare &');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 960 \d+"/);
  });

  it('draws one path per series: the weight, and each version’s requests and 5xx rate', () => {
    // Act
    const svg = renderTimelineSvg(rolledBack());

    // Assess
    const series = [...svg.matchAll(/<path [^>]*data-series="([^"]+)"/g)].map((m) => m[1]);
    expect(series).toEqual(['weight', 'requests-green', 'errors-green', 'requests-blue', 'errors-blue']);
    // The weight steps from 0% up to 10% and back to 0% at the rollback: H/V segments.
    const weight = /data-series="weight" d="([^"]+)"/.exec(svg)?.[1] ?? '';
    expect(weight.match(/V/g)).toHaveLength(2);
  });

  it('marks the analysis, the alarm and the rollback, numbered and told in words', () => {
    // Act
    const svg = renderTimelineSvg(rolledBack());

    // Assess
    const kinds = [...svg.matchAll(/<g class="marker" data-kind="(\w+)"/g)].map((m) => m[1]);
    expect(kinds).toEqual(['analysis', 'alarm', 'rollback']);
    expect(svg).toContain('data-verdict="inconclusive"');
    expect(svg).toMatch(/>3<\/tspan> {2}00:01:40 {2}Rolled back: alarm shop-prod-5xx went to ALARM/);
    expect(svg).toContain('Alarm: shop-prod-5xx in ALARM on green');
  });

  it('names groups blue and green and never prints an ARN or an event name', () => {
    // Act
    const svg = renderTimelineSvg(rolledBack());

    // Assess
    expect(svg).not.toContain('arn:');
    expect(svg).toContain('green: ');
    expect(svg).toContain('blue: previous version');
    const text = [...svg.matchAll(/>([^<]+)</g)].map((m) => m[1]).join('\n');
    expect(text).not.toMatch(/\b(rolled_back|idle_attached|approval_requested|traffic_restored)\b/);
  });

  it('labels the time axis in UTC', () => {
    // Act
    const svg = renderTimelineSvg(rolledBack());

    // Assess: 100 s span: a tick every 30 s
    const ticks = [...svg.matchAll(/<text class="tick"[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(ticks).toEqual(['00:00:00', '00:00:30', '00:01:00', '00:01:30']);
    expect(svg).toContain('time (UTC)');
    // The label at the axis' start reads inward, inside the image.
    expect(svg).toMatch(/<text class="tick" x="72" [^>]*text-anchor="start"[^>]*>00:00:00</);
  });

  it('labels a release of a few seconds (the scaled clock) in tenths of a second', () => {
    // Prepare
    const timeline = { ...rolledBack(), from: T0, to: T0 + 2000 };

    // Act
    const svg = renderTimelineSvg(timeline);

    // Assess: a 2 s span: a tick every 0.5 s
    const ticks = [...svg.matchAll(/<text class="tick"[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(ticks).toEqual(['00:00:00.0', '00:00:00.5', '00:00:01.0', '00:00:01.5', '00:00:02.0']);
  });

  it('keeps the numbered badges of markers at the same moment apart, and inside the image', () => {
    // Act
    const apart = badgePositions([100, 100, 101, 500]);
    const atTheEnd = badgePositions([950, 950, 950]);

    // Assess
    expect(apart).toEqual([100, 117, 134, 500]);
    expect(atTheEnd).toEqual([916, 933, 950]);
  });

  it('escapes text that came from outside: a service name or an alarm reason', () => {
    // Prepare
    const timeline = rolledBack();
    timeline.service = 'shop<script>alert("x")</script>';
    timeline.markers[0]!.text = 'reason & <b>bold</b>';

    // Act
    const svg = renderTimelineSvg(timeline);

    // Assess
    expect(() => wellFormed(svg)).not.toThrow();
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('shop&lt;script&gt;alert(&quot;x&quot;)');
    expect(escapeXml(`'`)).toBe('&#39;');
  });

  it('says so when no traffic was recorded, and still draws the weight', () => {
    // Prepare
    const timeline = { ...rolledBack(), versions: [] };

    // Act
    const svg = renderTimelineSvg(timeline);

    // Assess
    expect(wellFormed(svg)).toContain('path');
    expect(svg.match(/<path /g)).toHaveLength(1);
    expect(svg).toContain('No traffic recorded for this release');
    expect(svg).toContain('>green: ');
    expect(svg).toContain('>blue: previous version<');
  });
});
