import { items } from './vscode-stub';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStatusPayload, renderClientState, renderStatus, StatusBar } from '../status';

describe('status rendering', () => {
  it('healthy: a check mark and the server message', () => {
    const view = renderStatus({ health: 'ok', quiescent: true, message: 'all features healthy', degraded: [] });
    assert.equal(view.text, '$(check) ParserCraft');
    assert.match(view.tooltip, /healthy: all features healthy/);
    assert.match(view.tooltip, /health report/);
  });

  it('degraded: names the degraded features in the text and the tooltip', () => {
    const view = renderStatus({
      health: 'warning',
      quiescent: true,
      message: 'completion: the last call returned a degraded result',
      degraded: ['completion', 'hover'],
    });
    assert.equal(view.level, 'warning');
    assert.equal(view.text, '$(warning) ParserCraft: completion, hover');
    assert.match(view.tooltip, /degraded \(completion, hover\): completion: the last call/);
  });

  it('unhealthy: an error icon and a pointer to the runbooks', () => {
    const view = renderStatus({ health: 'error', quiescent: false, message: 'completion: breaker is open', degraded: ['completion'] });
    assert.equal(view.text, '$(error) ParserCraft: completion');
    assert.match(view.tooltip, /unhealthy .*breaker is open/);
    assert.match(view.tooltip, /runbook/);
  });

  it('validates payloads', () => {
    assert.ok(isStatusPayload({ health: 'ok', quiescent: true, message: '', degraded: [] }));
    assert.ok(!isStatusPayload({ health: 'fine', message: '', degraded: [] }));
    assert.ok(!isStatusPayload({ health: 'ok', message: '', degraded: [1] }));
    assert.ok(!isStatusPayload(null));
  });

  it('client states carry their detail', () => {
    assert.match(renderClientState('failed', 'crashed 6 times').tooltip, /crashed 6 times[\s\S]*Restart Server/);
    assert.equal(renderClientState('starting').level, 'starting');
  });
});

describe('status bar item', () => {
  it('starts as "starting", follows payloads, colours warnings and errors, runs the health command', () => {
    const bar = new StatusBar('parsercraft.showHealth');
    const item = items[items.length - 1]!;
    assert.equal(item.command, 'parsercraft.showHealth');
    assert.ok(item.visible);
    assert.equal(bar.view?.level, 'starting');
    bar.update({ health: 'warning', quiescent: true, message: 'm', degraded: ['formatting'] });
    assert.equal(item.text, '$(warning) ParserCraft: formatting');
    const color = (): string | undefined => item.backgroundColor?.id;
    assert.equal(color(), 'statusBarItem.warningBackground');
    bar.update({ health: 'ok', quiescent: true, message: 'all features healthy', degraded: [] });
    assert.equal(color(), undefined);
    bar.update({ bogus: true });
    assert.equal(item.text, '$(check) ParserCraft', 'a malformed payload changes nothing');
    bar.setClientState('failed', 'gave up');
    assert.equal(color(), 'statusBarItem.errorBackground');
    bar.dispose();
    assert.ok(item.disposed);
  });
});
