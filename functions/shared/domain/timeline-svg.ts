import { statusWords } from './release-words.js';
import {
  formatRate,
  type MarkerKind,
  type SeriesPoint,
  type Timeline,
  type TimelineMarker,
} from './timeline.js';

/**
 * A release's timeline as a standalone SVG document: three panels on one time axis (the new
 * version's weight, each version's requests per second, each version's 5xx rate), the markers as
 * numbered lines across them and, below, each marker in words. Built as a string, every text
 * escaped; groups are named blue or green, never by ARN. The page inlines it, the CLI writes it.
 */

export const SVG_WIDTH = 960;
const LEFT = 72;
const RIGHT = 24;
const PLOT = SVG_WIDTH - LEFT - RIGHT;
const PANEL = 96;
const PANELS = [84, 216, 348] as const;
const AXIS_Y = PANELS[2] + PANEL + 18;
const LEGEND_Y = AXIS_Y + 34;
const LINE = 18;
/** Longest marker text that fits the legend's line (12px text, ~6.6px a character); its <title> keeps it all. */
const MAX_TEXT = 115;
/** Badges closer than this (px) move right, so markers at the same moment stay readable. */
const BADGE_GAP = 17;

const GROUP_COLOURS: Record<string, string> = { blue: '#2b6cb0', green: '#2f855a' };
const OTHER_COLOURS = ['#805ad5', '#dd6b20'];
const MARKER_COLOURS: Record<MarkerKind, string> = {
  alarm: '#c53030',
  analysis: '#d69e2e',
  approval: '#6b46c1',
  rollback: '#c53030',
  promoted: '#2f855a',
  ended: '#4a5568',
};
const VERDICT_COLOURS = { pass: '#2f855a', fail: '#c53030', inconclusive: '#d69e2e' } as const;

/** Text made safe for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

const num = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** Time ticks 0.1 s to 1 day apart, the finest that keeps at most 7 labels. */
const TICK_STEPS = [
  0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400,
].map((s) => s * 1000);

function timeTicks(from: number, to: number): { at: number; label: string }[] {
  const span = to - from;
  const step = TICK_STEPS.find((s) => span / s <= 6) ?? span / 6;
  const ticks: { at: number; label: string }[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) {
    const iso = new Date(t).toISOString();
    ticks.push({
      at: t,
      label: step < 1000 ? iso.slice(11, 21) : step < 60_000 ? iso.slice(11, 19) : iso.slice(11, 16),
    });
  }
  return ticks;
}

/** The smallest 1, 2 or 5 times a power of ten at or above `max`. */
function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return ([1, 2, 5, 10].map((m) => m * power).find((v) => v >= max) ?? 10 * power) as number;
}

function colourOf(group: string, index: number): string {
  return GROUP_COLOURS[group] ?? OTHER_COLOURS[index % OTHER_COLOURS.length] ?? '#4a5568';
}

function markerColour(marker: TimelineMarker): string {
  return marker.verdict ? VERDICT_COLOURS[marker.verdict] : MARKER_COLOURS[marker.kind];
}

/** The timeline as an SVG document. */
export function renderTimelineSvg(timeline: Timeline): string {
  const { from, to } = timeline;
  const x = (t: number) => LEFT + ((Math.min(Math.max(t, from), to) - from) / (to - from)) * PLOT;
  const height = LEGEND_Y + Math.max(1, timeline.markers.length) * LINE + 12;
  const parts: string[] = [];
  const title = `${timeline.service} ${timeline.version} in ${timeline.environment}: ${statusWords(timeline.status)}`;

  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${SVG_WIDTH} ${height}" width="${SVG_WIDTH}" height="${height}" role="img" class="sluice-timeline" font-family="system-ui, sans-serif" font-size="12">`,
    `<title>${escapeXml(`Release timeline: ${title}`)}</title>`,
    `<rect x="0" y="0" width="${SVG_WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  );

  // Which version each colour is.
  let legendX = LEFT;
  const versionLegend = timeline.versions.length
    ? timeline.versions.map((v, i) => ({
        colour: colourOf(v.group, i),
        text: `${v.group}: ${v.label}${v.role === 'new' ? ' (new)' : ''}`,
      }))
    : [
        ...(timeline.newGroup
          ? [
              {
                colour: colourOf(timeline.newGroup, 0),
                text: `${timeline.newGroup}: ${timeline.version} (new)`,
              },
            ]
          : []),
        ...(timeline.previousGroup
          ? [
              {
                colour: colourOf(timeline.previousGroup, 1),
                text: `${timeline.previousGroup}: previous version`,
              },
            ]
          : []),
      ];
  for (const item of versionLegend) {
    parts.push(
      `<rect x="${legendX}" y="33" width="12" height="12" fill="${item.colour}"/>`,
      `<text x="${legendX + 16}" y="43">${escapeXml(item.text)}</text>`,
    );
    legendX += 24 + item.text.length * 7;
  }

  const newColour = colourOf(timeline.newGroup ?? timeline.versions[0]?.group ?? 'green', 0);
  const weightPanel = panel(0, `Traffic on ${timeline.version} (%)`, 100, '%');
  const requestMax = niceCeiling(
    Math.max(0, ...timeline.versions.flatMap((v) => v.requestRate.map((p) => p.value))),
  );
  const errorMax = niceCeiling(
    Math.max(1, ...timeline.versions.flatMap((v) => v.errorRate.map((p) => p.value))),
  );
  const measured = timeline.source === 'analysis' ? ', cumulative from the canary analysis' : '';
  const requestPanel = panel(1, `Requests per second${measured}`, requestMax, '');
  const errorPanel = panel(2, `5xx rate (%)${measured}`, errorMax, '%');
  parts.push(weightPanel.frame, requestPanel.frame, errorPanel.frame);

  // The new version's weight: a step line, each write holding until the next.
  if (timeline.weight.length > 0) {
    const y = weightPanel.y;
    let d = '';
    timeline.weight.forEach((p, i) => {
      d += i === 0 ? `M${num(x(p.at))} ${num(y(p.value))}` : ` H${num(x(p.at))} V${num(y(p.value))}`;
    });
    d += ` H${num(x(to))}`;
    parts.push(
      `<path class="series weight" data-series="weight" d="${d}" fill="none" stroke="${newColour}" stroke-width="2.5"/>`,
    );
  }

  const hasTraffic = timeline.versions.some((v) => v.requestRate.length > 0);
  timeline.versions.forEach((version, i) => {
    const colour = colourOf(version.group, i);
    for (const [series, points, p] of [
      ['requests', version.requestRate, requestPanel],
      ['errors', version.errorRate, errorPanel],
    ] as const) {
      if (points.length === 0) continue;
      parts.push(line(`${series}-${version.group}`, points, x, p.y, colour));
      // Sparse series (a point per analysis look) get dots, or a single point would not show.
      if (points.length <= 12)
        for (const point of points)
          parts.push(
            `<circle cx="${num(x(point.at))}" cy="${num(p.y(point.value))}" r="3" fill="${colour}"/>`,
          );
    }
  });
  if (!hasTraffic)
    for (const p of [requestPanel, errorPanel])
      parts.push(
        `<text x="${LEFT + PLOT / 2}" y="${p.top + PANEL / 2 + 4}" text-anchor="middle" fill="#718096">No traffic recorded for this release</text>`,
      );

  // Time axis under the last panel.
  for (const tick of timeTicks(from, to)) {
    const tx = num(x(tick.at));
    // A label at either end of the axis reads inward, so it stays inside the image.
    const anchor = x(tick.at) > LEFT + PLOT - 30 ? 'end' : x(tick.at) < LEFT + 30 ? 'start' : 'middle';
    parts.push(
      `<line x1="${tx}" y1="${PANELS[2] + PANEL}" x2="${tx}" y2="${PANELS[2] + PANEL + 4}" stroke="#718096"/>`,
      `<text class="tick" x="${tx}" y="${AXIS_Y}" text-anchor="${anchor}" fill="#4a5568">${escapeXml(tick.label)}</text>`,
    );
  }
  parts.push(
    `<text x="${SVG_WIDTH - RIGHT}" y="${AXIS_Y + 14}" text-anchor="end" fill="#718096">time (UTC)</text>`,
  );

  // Markers: a numbered line across the panels, and the number's sentence below.
  const badges = badgePositions(timeline.markers.map((m) => x(m.at)));
  timeline.markers.forEach((marker, i) => {
    const mx = num(x(marker.at));
    const bx = num(badges[i] ?? x(marker.at));
    const colour = markerColour(marker);
    const words = marker.text.length > MAX_TEXT ? `${marker.text.slice(0, MAX_TEXT - 1)}…` : marker.text;
    const clock = new Date(marker.at).toISOString().slice(11, 19);
    parts.push(
      `<g class="marker" data-kind="${marker.kind}"${marker.verdict ? ` data-verdict="${marker.verdict}"` : ''}>`,
      `<title>${escapeXml(`${clock} UTC ${marker.text}`)}</title>`,
      `<polyline points="${bx},${PANELS[0] - 14} ${mx},${PANELS[0]} ${mx},${PANELS[2] + PANEL}" fill="none" stroke="${colour}" stroke-dasharray="4 3"/>`,
      `<circle cx="${bx}" cy="${PANELS[0] - 22}" r="8" fill="${colour}"/>`,
      `<text x="${bx}" y="${PANELS[0] - 18}" text-anchor="middle" fill="#ffffff" font-size="10">${i + 1}</text>`,
      `<text class="marker-text" x="${LEFT}" y="${LEGEND_Y + i * LINE}"><tspan fill="${colour}" font-weight="bold">${i + 1}</tspan>  ${escapeXml(`${clock}  ${words}`)}</text>`,
      '</g>',
    );
  });
  if (timeline.markers.length === 0)
    parts.push(
      `<text x="${LEFT}" y="${LEGEND_Y}" fill="#718096">No alarms, analysis, approval or rollback recorded</text>`,
    );

  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * Where each marker's numbered badge goes: above its line, moved aside just enough that badges of
 * markers close in time (a rollback and its traffic restore, in the same second) do not cover each
 * other, and kept inside the image.
 */
export function badgePositions(xs: readonly number[]): number[] {
  const positions: number[] = [];
  for (const x of xs) positions.push(Math.max(x, (positions.at(-1) ?? Number.NEGATIVE_INFINITY) + BADGE_GAP));
  let limit = SVG_WIDTH - 10;
  for (let i = positions.length - 1; i >= 0; i--) {
    positions[i] = Math.min(positions[i] as number, limit);
    limit = (positions[i] as number) - BADGE_GAP;
  }
  return positions;
}

interface Panel {
  top: number;
  frame: string;
  y(value: number): number;
}

function panel(index: 0 | 1 | 2, title: string, max: number, unit: string): Panel {
  const top = PANELS[index];
  const y = (value: number) => top + PANEL - (Math.min(Math.max(value, 0), max) / max) * PANEL;
  const labels = [0, max / 2, max]
    .map(
      (v) =>
        `<text x="${LEFT - 6}" y="${num(y(v) + 4)}" text-anchor="end" fill="#4a5568">${escapeXml(`${formatRate(v)}${unit}`)}</text>` +
        `<line x1="${LEFT}" y1="${num(y(v))}" x2="${LEFT + PLOT}" y2="${num(y(v))}" stroke="#edf2f7"/>`,
    )
    .join('');
  const frame =
    `<g class="panel" data-panel="${index}">` +
    `<text x="${LEFT}" y="${top - 6}" fill="#2d3748" font-weight="bold">${escapeXml(title)}</text>` +
    labels +
    `<rect x="${LEFT}" y="${top}" width="${PLOT}" height="${PANEL}" fill="none" stroke="#cbd5e0"/>` +
    '</g>';
  return { top, frame, y };
}

function line(
  series: string,
  points: SeriesPoint[],
  x: (t: number) => number,
  y: (v: number) => number,
  colour: string,
): string {
  const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${num(x(p.at))} ${num(y(p.value))}`).join(' ');
  return `<path class="series" data-series="${escapeXml(series)}" d="${d}" fill="none" stroke="${colour}" stroke-width="1.75"/>`;
}
