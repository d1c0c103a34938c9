import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { breakerItems, renderAudit, renderHealth, runbookItems, runbookMarkdown } from '../report';

const health = {
  status: 'unhealthy',
  reasons: [{ feature: 'completion', reason: 'completion: breaker is open', runbook: 'breaker-open' }],
  features: {
    hover: { breaker: 'closed', calls: 1, failures: 0, rejections: 0, p50Ms: 1, p95Ms: 1, p99Ms: 1, degraded: false },
    completion: { breaker: 'open', calls: 7, failures: 3, rejections: 3, p50Ms: 2.1, p95Ms: 10, p99Ms: 10, degraded: true },
  },
  eventLoopLagMs: 2.01,
  rssMb: 45.2,
  uptimeS: 3.0,
  version: '0.1.0',
  workers: { alive: 2, busy: 0, restarts: 0, killed: 0, queued: 0 },
  configErrors: ["setting 'workers': expected an integer"],
  cancelledBeforeStart: 0,
};

describe('health report', () => {
  it('shows the status, each reason with its runbook, config errors and every feature', () => {
    const md = renderHealth(health);
    assert.match(md, /^# parsercraft-ls health: ❌ unhealthy/);
    assert.match(md, /\| completion \| completion: breaker is open \| `breaker-open` \|/);
    assert.match(md, /expected an integer/);
    assert.match(md, /\| completion \| open \| 7 \| 3 \| 3 \| 2.1 \| 10 \| 10 \| yes \|/);
    assert.match(md, /workers: 2 alive, 0 busy/);
  });

  it('says so when there is nothing wrong', () => {
    assert.match(renderHealth({ status: 'healthy', reasons: [] }), /No health conditions/);
  });
});

describe('audit view', () => {
  it('lists events newest first with their extra fields', () => {
    const md = renderAudit({
      events: [
        { seq: 21, ts: 0, kind: 'chaos', feature: 'hover', errorClass: null, errorId: null, fault: 'hang' },
        { seq: 23, ts: 1, kind: 'deadline', feature: 'hover', errorClass: 'timeout', errorId: 'e-1', detail: 'a|b' },
      ],
    });
    const rows = md.split('\n').filter((l) => /^\| \d/.test(l));
    assert.equal(rows.length, 2);
    assert.match(rows[0]!, /^\| 23 \| 1970-01-01T00:00:01.000Z \| deadline \| hover \| timeout e-1 \| detail=a\\\|b \|$/);
    assert.match(rows[1]!, /^\| 21 .* chaos .* fault=hang \|$/);
  });

  it('says so when the log is empty', () => {
    assert.match(renderAudit({ events: [] }), /No audit events/);
  });
});

describe('quick picks', () => {
  it('offers features with open breakers first', () => {
    const items = breakerItems(health);
    assert.deepEqual(items.map((i) => i.label), ['completion', 'hover']);
    assert.equal(items[0]!.description, 'breaker open, degraded');
  });

  it('falls back to every feature without a report', () => {
    assert.equal(breakerItems(undefined).length, 10);
  });

  it('offers the runbooks of current conditions first', () => {
    const items = runbookItems(health);
    assert.equal(items[0]!.label, 'breaker-open');
    assert.equal(items[0]!.description, 'current health condition');
    assert.ok(items.some((i) => i.label === 'bad-config'));
    assert.equal(runbookMarkdown({ topic: 't', markdown: '# T' }), '# T');
  });
});
