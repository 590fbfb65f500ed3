// Handler dispatch is linear in the number of handlers: a time ratio, run apart from the other tests.
import { describe, expect, it } from 'vitest';
import { HandlerTable, StanzaHandler } from '../../src/handlers.js';
import { XmlElement } from '../../src/xml/element.js';

describe('handler dispatch', () => {
  it('is linear in the number of handlers (time at 2n ÷ time at n stays near 2)', () => {
    const stanza = new XmlElement('message', { xmlns: 'jabber:client', type: 'chat' });
    const table = (n: number) => {
      const t = new HandlerTable();
      for (let i = 0; i < n; i++) t.add(new StanzaHandler(() => true, null, 'presence'));
      return t;
    };
    const small = table(8000);
    const large = table(16000);
    const time = (t: HandlerTable) => {
      const t0 = performance.now();
      for (let k = 0; k < 20; k++) t.dispatch(stanza, () => {});
      return performance.now() - t0;
    };
    // the two sizes interleaved, the best of many runs each: a busy machine slows both alike
    let best = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
    for (let r = 0; r < 15; r++) best = [Math.min(best[0] as number, time(small)), Math.min(best[1] as number, time(large))];
    // linear: about 2; the quadratic dispatch it replaced: about 4
    expect((best[1] as number) / (best[0] as number)).toBeLessThan(3);
  });

});
