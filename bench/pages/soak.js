// The soak page: antistrophe's core with WebSocket, PLAIN and the session keeper (stream management), driven by
// bench/soak.mjs, which samples the page's heap through CDP between runs.
import { $msg, Connection } from 'antistrophe/core';
import { Plain } from 'antistrophe/mechanisms/plain';
import { sessionKeeper } from 'antistrophe/sessions';
import { WebSocketTransport } from 'antistrophe/websocket';
import { createSoak } from './soak-loop.js';

window.soak = createSoak({ Connection, $msg, transports: [WebSocketTransport], mechanisms: [Plain], modules: { keeper: sessionKeeper } });
window.soakReady = true;
