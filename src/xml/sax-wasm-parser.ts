// Optional parser backend on sax-wasm (Rust compiled to WebAssembly): load the wasm once, then create
// parsers synchronously. Same interface, events, errors and limits as the default backend.
import { SAXParser } from 'sax-wasm';
import type { XmlParserFactory } from './parser.js';
import { SAX_EVENTS, SaxWasmEngine, type WasmExports } from './sax-wasm-engine.js';
import { SaxWasmParser } from './sax-wasm-scanner.js';

/** The sax-wasm binary: its bytes, or a `fetch` of it (served as `application/wasm` to compile while downloading). */
export type SaxWasmSource = Uint8Array | ArrayBuffer | Response | Promise<Response>;

/**
 * Loads sax-wasm and returns a parser factory for `options.parser`.
 *
 * The wasm is compiled and instantiated once; every parser the factory creates shares that instance
 * (each call hands it one whole element and leaves it clean). Elements whose UTF-8 encoding exceeds
 * 960 KiB are refused with `policy-violation`, whatever `maxStanzaSize` allows.
 *
 * @example
 * ```ts
 * import wasmUrl from 'sax-wasm/lib/sax-wasm.wasm?url';
 * const parser = await saxWasmParser(fetch(wasmUrl));
 * new Connection(url, { parser });
 * ```
 * @throws (asynchronously) when the binary cannot be fetched, compiled or is not sax-wasm.
 */
export async function saxWasmParser(wasm: SaxWasmSource): Promise<XmlParserFactory> {
  const module = await compile(wasm);
  const names = WebAssembly.Module.exports(module).map((e) => e.name);
  for (const name of ['memory', 'parser', 'write', 'end']) {
    if (!names.includes(name)) throw new Error(`not a sax-wasm binary: it has no "${name}" export`);
  }
  const sax = new SAXParser(SAX_EVENTS);
  // instantiated here rather than by prepareWasm, which also allocates a shared memory the module never uses
  const instance = await WebAssembly.instantiate(module, { env: { event_listener: sax.eventTrap } });
  const exports = instance.exports as unknown as WasmExports; // the export names were checked above
  sax.wasmSaxParser = exports;
  exports.parser(SAX_EVENTS);
  const engine = new SaxWasmEngine(sax, exports);
  return (handler, options) => new SaxWasmParser(engine, handler, options);
}

async function compile(wasm: SaxWasmSource): Promise<WebAssembly.Module> {
  // a copy: the view may be a window into a larger (or shared) buffer; sax-wasm's own loader ignores byteOffset
  if (ArrayBuffer.isView(wasm)) return WebAssembly.compile(new Uint8Array(wasm.buffer, wasm.byteOffset, wasm.byteLength).slice());
  // by tag too: an ArrayBuffer from another realm (worker, frame) is not `instanceof ArrayBuffer` here
  if (wasm instanceof ArrayBuffer || Object.prototype.toString.call(wasm) === '[object ArrayBuffer]') return WebAssembly.compile(wasm as ArrayBuffer);
  const response = await (wasm as Response | Promise<Response>);
  if (!response.ok) throw new Error(`could not load sax-wasm: HTTP ${response.status} for ${response.url}`);
  const type = response.headers.get('content-type') ?? '';
  // streaming compilation insists on the wasm MIME type; otherwise read the bytes first
  if (typeof WebAssembly.compileStreaming === 'function' && type.startsWith('application/wasm')) return WebAssembly.compileStreaming(response);
  return WebAssembly.compile(await response.arrayBuffer());
}
