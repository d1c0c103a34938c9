/**
 * Readable Markdown views of the server's command results (docs/reference/commands.md).
 * Pure functions: the data comes from `parsercraft.health` and `parsercraft.audit` unchanged.
 */

type Json = Record<string, unknown>;

function record(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function text(value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Escape a value for a Markdown table cell. */
function cell(value: unknown): string {
  return text(value).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

const HEALTH_ICON: Record<string, string> = { healthy: '✅', degraded: '⚠️', unhealthy: '❌' };

/** The `parsercraft.health` result as Markdown. */
export function renderHealth(result: unknown): string {
  const body = record(result);
  const status = text(body.status) || 'unknown';
  const lines = [`# parsercraft-ls health: ${HEALTH_ICON[status] ?? ''} ${status}`.replace('  ', ' '), ''];
  const reasons = list(body.reasons).map(record);
  if (reasons.length === 0) {
    lines.push('No health conditions.');
  } else {
    lines.push('## Reasons', '', '| feature | reason | runbook |', '|---|---|---|');
    for (const r of reasons) {
      lines.push(`| ${cell(r.feature) || '(process)'} | ${cell(r.reason)} | \`${cell(r.runbook)}\` |`);
    }
    lines.push('', 'Open a runbook with "ParserCraft: Show Runbook".');
  }
  const configErrors = list(body.configErrors);
  if (configErrors.length > 0) {
    lines.push('', '## Configuration problems', '');
    configErrors.forEach((e) => lines.push(`- ${text(e)}`));
  }
  const features = record(body.features);
  const names = Object.keys(features);
  if (names.length > 0) {
    lines.push('', '## Features', '');
    lines.push('| feature | breaker | calls | failures | rejections | p50 ms | p95 ms | p99 ms | degraded |');
    lines.push('|---|---|---:|---:|---:|---:|---:|---:|---|');
    for (const name of names) {
      const f = record(features[name]);
      lines.push(
        `| ${cell(name)} | ${cell(f.breaker)} | ${cell(f.calls)} | ${cell(f.failures)} | ${cell(f.rejections)} ` +
          `| ${cell(f.p50Ms)} | ${cell(f.p95Ms)} | ${cell(f.p99Ms)} | ${f.degraded === true ? 'yes' : 'no'} |`,
      );
    }
  }
  const workers = record(body.workers);
  lines.push('', '## Process', '');
  lines.push(`- version: ${text(body.version)}`);
  lines.push(`- uptime: ${text(body.uptimeS)} s; resident memory: ${text(body.rssMb)} MB`);
  lines.push(`- event-loop lag: ${text(body.eventLoopLagMs)} ms`);
  lines.push(
    `- workers: ${text(workers.alive)} alive, ${text(workers.busy)} busy, ${text(workers.restarts)} restarts, ` +
      `${text(workers.killed)} killed, ${text(workers.queued)} queued`,
  );
  lines.push(`- requests cancelled before they started: ${text(body.cancelledBeforeStart)}`);
  return lines.join('\n') + '\n';
}

const BASE_KEYS = new Set(['seq', 'ts', 'kind', 'feature', 'errorClass', 'errorId']);

/** The `parsercraft.audit` result as Markdown, newest event first. */
export function renderAudit(result: unknown): string {
  const events = list(record(result).events).map(record);
  const lines = ['# parsercraft-ls audit log', ''];
  if (events.length === 0) {
    lines.push('No audit events.');
    return lines.join('\n') + '\n';
  }
  lines.push(`${events.length} event(s), newest first.`, '');
  lines.push('| seq | time | kind | feature | error | details |', '|---:|---|---|---|---|---|');
  const sorted = [...events].sort((a, b) => Number(b.seq) - Number(a.seq));
  for (const e of sorted) {
    const ts = typeof e.ts === 'number' ? new Date(e.ts * 1000).toISOString() : text(e.ts);
    const error = [text(e.errorClass), text(e.errorId)].filter((s) => s).join(' ');
    const details = Object.keys(e)
      .filter((k) => !BASE_KEYS.has(k))
      .map((k) => `${k}=${text(e[k])}`)
      .join('; ');
    lines.push(`| ${cell(e.seq)} | ${cell(ts)} | ${cell(e.kind)} | ${cell(e.feature)} | ${cell(error)} | ${cell(details)} |`);
  }
  return lines.join('\n') + '\n';
}

/** The policy names of server/settings.py FEATURES, for when no health report is at hand. */
export const FEATURES = [
  'completion',
  'hover',
  'signatureHelp',
  'formatting',
  'typeInference',
  'diagnostics',
  'symbols',
  'semanticTokens',
  'references',
  'rename',
] as const;

/** The runbook topics of server/lsp/commands.py. */
export const TOPICS = [
  'breaker-open',
  'rate-limited',
  'slow-responses',
  'high-memory',
  'persistent-errors',
  'bad-config',
  'registry-unavailable',
] as const;

export interface PickItem {
  label: string;
  description: string;
}

/** Features to reset, from a health report: open breakers first, each with its state. */
export function breakerItems(health: unknown): PickItem[] {
  const features = record(record(health).features);
  const names = Object.keys(features).length > 0 ? Object.keys(features) : [...FEATURES];
  const items = names.map((name) => {
    const f = record(features[name]);
    const breaker = text(f.breaker) || 'unknown';
    return { label: name, description: `breaker ${breaker}${f.degraded === true ? ', degraded' : ''}` };
  });
  const rank = (item: PickItem): number => (item.description.startsWith('breaker closed') ? 1 : 0);
  return items.sort((a, b) => rank(a) - rank(b));
}

/** Runbook topics: those named by the current health reasons first. */
export function runbookItems(health: unknown): PickItem[] {
  const current = new Set(list(record(health).reasons).map((r) => text(record(r).runbook)));
  const topics: string[] = [...TOPICS];
  for (const topic of current) {
    if (topic && !topics.includes(topic)) {
      topics.push(topic);
    }
  }
  const items = topics.map((t) => ({ label: t, description: current.has(t) ? 'current health condition' : '' }));
  return items.sort((a, b) => Number(current.has(b.label)) - Number(current.has(a.label)));
}

/** The `parsercraft.runbook` result's Markdown. */
export function runbookMarkdown(result: unknown): string {
  const body = record(result);
  return text(body.markdown) || `# ${text(body.topic)}\n\n(no runbook)`;
}
