// Bundle size, min and min+gzip(9), of the two reference bundles for antistrophe and the same for each peer,
// all through the esbuild options of scripts/check-bundle.mjs.
import { readFileSync } from 'node:fs';
import { BUDGETS, bundleSize } from '../scripts/check-bundle.mjs';
import { browserFalsePlugin, root, sizeOf, sourcePlugin } from './esbuild.mjs';

/** xmpp.js composed like @xmpp/client's index.js, with only WebSocket, PLAIN and resource binding. */
export const XMPPJS_MINIMAL = `import { Client, jid } from '@xmpp/client-core';
import _websocket from '@xmpp/websocket';
import _middleware from '@xmpp/middleware';
import _streamFeatures from '@xmpp/stream-features';
import _iqCaller from '@xmpp/iq/caller.js';
import _sasl from '@xmpp/sasl';
import _resourceBinding from '@xmpp/resource-binding';
import SASLFactory from 'saslmechanisms';
import plain from '@xmpp/sasl-plain';
export function client({ service, domain, username, password, resource }) {
  const entity = new Client({ service, domain });
  entity.jid = jid(username, domain);
  _websocket({ entity });
  const middleware = _middleware({ entity });
  const streamFeatures = _streamFeatures({ middleware });
  const iqCaller = _iqCaller({ middleware, entity });
  const saslFactory = new SASLFactory();
  plain(saslFactory);
  _sasl({ streamFeatures, saslFactory }, (authenticate, mechanisms) => authenticate({ username, password }, mechanisms[0]));
  _resourceBinding({ iqCaller, streamFeatures }, resource);
  return entity;
}`;

export const PEER_SOURCES = {
  strophe: `import { Strophe } from 'strophe.js';
export const conn = new Strophe.Connection('wss://example.org/ws');`,
  xmppjsFull: `import { client } from '@xmpp/client';
export const xmpp = client({ service: 'wss://example.org/ws', domain: 'example.org', username: 'a', password: 'p' });`,
  xmppjsMinimal: `${XMPPJS_MINIMAL}
export const xmpp = client({ service: 'wss://example.org/ws', domain: 'example.org', username: 'a', password: 'p' });`,
};

/** A failed bundle is reported (gz NaN plus the reason) rather than ending the run. */
async function attempt(fn) {
  try {
    const { min, gz, lazyGz, contributors } = await fn();
    return { min, gz, lazyGz: lazyGz ?? 0, contributors };
  } catch (e) {
    return { min: Number.NaN, gz: Number.NaN, lazyGz: Number.NaN, error: String(e.message ?? e).split('\n').slice(0, 3).join(' ') };
  }
}

/**
 * Sizes of antistrophe as the app in `appDir` gets it, through scripts/check-bundle.mjs `bundleSize` (or from
 * its sources with `src`), and of the peers through the same esbuild options.
 */
export async function measureSizes({ src = false, appDir } = {}) {
  const ours = {};
  for (const [key, b] of Object.entries(BUDGETS)) {
    ours[key] = await attempt(() => (src ? sizeOf(b.source, root, [sourcePlugin()]) : bundleSize(b.source, appDir)));
  }
  // where the bytes of (a) come from: the same bundle from the sources, whose modules esbuild's metafile names
  const a = await attempt(() => sizeOf(BUDGETS.a.source, root, [sourcePlugin()]));
  const strophe = await attempt(() => sizeOf(PEER_SOURCES.strophe, root));
  const xmppjsFull = await attempt(() => sizeOf(PEER_SOURCES.xmppjsFull, root, [browserFalsePlugin]));
  const xmppjsMinimal = await attempt(() => sizeOf(PEER_SOURCES.xmppjsMinimal, root, [browserFalsePlugin]));
  // (a) with the session keeper opted in (stream management, reconnect): what a core user who wants them pays
  const keeperSource = `${BUDGETS.a.source.replace("mechanisms: [ScramSha1, Plain] }", "mechanisms: [ScramSha1, Plain], modules: { keeper: sessionKeeper } }")}\nimport { sessionKeeper } from 'antistrophe/sessions';`;
  const withKeeper = await attempt(() => (src ? sizeOf(keeperSource, root, [sourcePlugin()]) : bundleSize(keeperSource, appDir)));
  const strip = ({ min, gz, lazyGz, error }) => ({ min, gz, lazyGz, error });
  return {
    checkBundleBudgets: { a: BUDGETS.a.limit, b: BUDGETS.b.limit },
    labels: { a: BUDGETS.a.label, b: BUDGETS.b.label },
    fromSource: src,
    contributors: a.contributors?.slice(0, 10),
    antistrophe: { a: strip(ours.a), b: strip(ours.b) },
    withKeeper: strip(withKeeper),
    baseline: JSON.parse(readFileSync(new URL('./size-baseline.json', import.meta.url), 'utf8')),
    'strophe.js': { a: strip(strophe), b: strip(strophe), note: 'one ESM build, not tree-shakable: (a) = (b)' },
    '@xmpp/client': {
      a: strip(xmppjsMinimal),
      b: strip(xmppjsFull),
      note: '(a) is client-core + websocket + sasl + sasl-plain + resource-binding: no SCRAM exists for browsers',
    },
  };
}
