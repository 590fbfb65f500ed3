// The default backend against the shared conformance suite.
import { createStreamParser } from '../../src/xml/stream-parser.js';
import { runConformance } from './conformance.js';

runConformance('default parser', createStreamParser);
