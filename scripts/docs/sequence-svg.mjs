// Renders the small subset of Mermaid's sequenceDiagram our docs use as a static SVG, so the
// payment flow shows as a picture in Scalar (which does not run Mermaid, and our CSP runs no
// third-party script) while GitHub still renders the same Mermaid block itself.
// Supported lines: `participant X as Label`, `A->>B: text` (call), `A-->>B: text` (answer),
// `Note over A,B: text`. Anything else is an error, so the picture never silently drops a step.

const COLUMN = 170;
const MARGIN = 20;
const HEAD = 44;
const ROW = 38;
const FONT = 'font-family="Inter, \'Helvetica Neue\', Arial, sans-serif" stroke="#ffffff" stroke-width="4" paint-order="stroke"';

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function parseSequence(source) {
  const participants = [];
  const steps = [];
  for (const raw of source.split('\n')) {
    const line = raw.trim();
    if (!line || line === 'sequenceDiagram') continue;
    const participant = /^participant\s+(\w+)(?:\s+as\s+(.+))?$/.exec(line);
    const message = /^(\w+)(-?->>)(\w+):\s*(.+)$/.exec(line);
    const note = /^Note over (\w+)(?:,\s*(\w+))?:\s*(.+)$/.exec(line);
    if (participant) participants.push({ id: participant[1], label: participant[2] ?? participant[1] });
    else if (message) steps.push({ kind: message[2] === '->>' ? 'call' : 'answer', from: message[1], to: message[3], text: message[4] });
    else if (note) steps.push({ kind: 'note', from: note[1], to: note[2] ?? note[1], text: note[3] });
    else throw new Error(`sequence diagram: unsupported line "${line}"`);
  }
  for (const s of steps) {
    for (const id of [s.from, s.to])
      if (!participants.some((p) => p.id === id)) throw new Error(`sequence diagram: unknown participant ${id}`);
  }
  return { participants, steps };
}

export function sequenceSvg(source, title) {
  const { participants, steps } = parseSequence(source);
  const x = (id) => MARGIN + COLUMN / 2 + participants.findIndex((p) => p.id === id) * COLUMN;
  const width = MARGIN * 2 + participants.length * COLUMN;
  const top = MARGIN + HEAD;
  const height = top + (steps.length + 1) * ROW + HEAD + MARGIN;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(title)}">`,
    `<title>${esc(title)}</title>`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#1e1e20"/></marker></defs>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  const box = (p, y) =>
    `<rect x="${x(p.id) - COLUMN / 2 + 12}" y="${y}" width="${COLUMN - 24}" height="${HEAD - 10}" rx="6" fill="#fff4ec" stroke="#e36002"/>` +
    `<text x="${x(p.id)}" y="${y + (HEAD - 10) / 2 + 5}" text-anchor="middle" font-size="14.5" font-weight="600" ${FONT} fill="#1e1e20">${esc(p.label)}</text>`;
  const bottom = height - MARGIN - HEAD + 10;
  for (const p of participants) {
    out.push(`<line x1="${x(p.id)}" y1="${MARGIN + HEAD - 10}" x2="${x(p.id)}" y2="${bottom}" stroke="#9a9a9a" stroke-dasharray="4 4"/>`);
    out.push(box(p, MARGIN), box(p, bottom));
  }
  steps.forEach((s, i) => {
    const y = top + (i + 1) * ROW;
    const [x1, x2] = [x(s.from), x(s.to)];
    if (s.kind === 'note') {
      const left = Math.min(x1, x2) - COLUMN / 2 + 20;
      const w = Math.abs(x2 - x1) + COLUMN - 40;
      out.push(`<rect x="${left}" y="${y - 22}" width="${w}" height="28" rx="4" fill="#fffbe6" stroke="#d6b656"/>`);
      out.push(
        `<text x="${left + w / 2}" y="${y - 3}" text-anchor="middle" font-size="13" font-style="italic" ${FONT} fill="#1e1e20">${esc(s.text)}</text>`,
      );
      return;
    }
    const dash = s.kind === 'answer' ? ' stroke-dasharray="6 4"' : '';
    out.push(
      `<line x1="${x1}" y1="${y}" x2="${x2 + (x2 > x1 ? -2 : 2)}" y2="${y}" stroke="#1e1e20" stroke-width="1.4"${dash} marker-end="url(#arrow)"/>`,
    );
    out.push(`<text x="${(x1 + x2) / 2}" y="${y - 7}" text-anchor="middle" font-size="13" ${FONT} fill="#1e1e20">${esc(s.text)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
