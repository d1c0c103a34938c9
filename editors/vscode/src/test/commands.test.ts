import { calls } from './vscode-stub';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { ParserCraftClient } from '../client';
import { COMMANDS, registerCommands } from '../commands';
import { PACKAGE_DIR } from './paths';

/** A client whose server answers from a table, recording what it was asked. */
function fakeClient(answers: Record<string, unknown>): { client: ParserCraftClient; sent: [string, unknown][]; restarts: number } {
  const state = { sent: [] as [string, unknown][], restarts: 0 };
  const client = {
    async execute(command: string, params?: Record<string, unknown>): Promise<unknown> {
      state.sent.push([command, params]);
      if (!(command in answers)) {
        throw new Error(`${command}: unknown feature`);
      }
      return answers[command];
    },
    async restart(): Promise<void> {
      state.restarts += 1;
    },
  } as unknown as ParserCraftClient;
  return {
    client,
    get sent() {
      return state.sent;
    },
    get restarts() {
      return state.restarts;
    },
  };
}

const health = {
  status: 'unhealthy',
  reasons: [{ feature: 'completion', reason: 'completion: breaker is open', runbook: 'breaker-open' }],
  features: { completion: { breaker: 'open', degraded: true }, hover: { breaker: 'closed', degraded: false } },
};

describe('commands', () => {
  const fake = fakeClient({
    'parsercraft.health': health,
    'parsercraft.audit': {
      events: [
        { seq: 1, ts: 0, kind: 'config', feature: 'completion' },
        { seq: 2, ts: 1, kind: 'rejection', feature: 'completion', reason: 'circuit_open' },
      ],
    },
    'parsercraft.resetBreaker': { feature: 'completion', breaker: 'closed' },
    'parsercraft.runbook': { topic: 'breaker-open', markdown: '# Breaker open\n' },
  });
  registerCommands(fake.client);
  const run = (name: string): Promise<unknown> => Promise.resolve(calls.commands.get(name)!());

  it('registers exactly the commands package.json contributes', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8')) as {
      contributes: { commands: { command: string }[] };
    };
    const contributed = manifest.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual([...calls.commands.keys()].sort(), contributed);
    assert.deepEqual(Object.values(COMMANDS).sort(), contributed);
  });

  it('Show Health opens the rendered report as a read-only Markdown document', async () => {
    await run(COMMANDS.showHealth);
    const doc = calls.shown.at(-1)!;
    assert.equal(doc.uri, 'parsercraft:/health.md');
    assert.equal(doc.language, 'markdown');
    assert.match(doc.text, /^# parsercraft-ls health: ❌ unhealthy/);
    assert.deepEqual(fake.sent.at(-1), ['parsercraft.health', undefined]);
  });

  it('Show Audit Log asks for recent events and shows them newest first', async () => {
    await run(COMMANDS.showAudit);
    const doc = calls.shown.at(-1)!;
    assert.equal(doc.uri, 'parsercraft:/audit.md');
    assert.ok(doc.text.indexOf('| 2 |') < doc.text.indexOf('| 1 |'));
    assert.deepEqual(fake.sent.at(-1), ['parsercraft.audit', { limit: 500 }]);
  });

  it('Reset Breaker offers open breakers first and resets the picked feature', async () => {
    calls.pick = 'completion';
    await run(COMMANDS.resetBreaker);
    assert.deepEqual(calls.quickPicks.at(-1)!.items.map((i) => i.label), ['completion', 'hover']);
    assert.deepEqual(fake.sent.at(-1), ['parsercraft.resetBreaker', { feature: 'completion' }]);
    assert.match(calls.info.at(-1)!, /completion breaker is closed/);
  });

  it('Reset Breaker does nothing when the pick is dismissed', async () => {
    calls.pick = undefined;
    const before = fake.sent.length;
    await run(COMMANDS.resetBreaker);
    assert.deepEqual(fake.sent.slice(before).map(([c]) => c), ['parsercraft.health']);
  });

  it('Show Runbook offers the current conditions first and shows the runbook', async () => {
    calls.pick = 'breaker-open';
    await run(COMMANDS.showRunbook);
    assert.equal(calls.quickPicks.at(-1)!.items[0]!.label, 'breaker-open');
    assert.deepEqual(fake.sent.at(-1), ['parsercraft.runbook', { topic: 'breaker-open' }]);
    assert.equal(calls.shown.at(-1)!.text, '# Breaker open\n');
  });

  it('Restart Server restarts the client', async () => {
    await run(COMMANDS.restartServer);
    assert.equal(fake.restarts, 1);
  });

  it('a failing server command becomes an error message, not an exception', async () => {
    const broken = fakeClient({});
    calls.commands.clear();
    registerCommands(broken.client);
    await run(COMMANDS.showHealth);
    assert.match(calls.errors.at(-1)!, /^ParserCraft: parsercraft.health: unknown feature/);
  });
});
