import headless from "@xterm/headless";
import { serializeTerminal } from "./dist/src/sessions/serialize.js";
import { lineText } from "./dist/bench/payload.js";
const lines = [];
for (let i = 1; i <= 10000; i++) lines.push(lineText(i));
const data = Buffer.from(lines.join("\r\n") + "\r\n$ ", "latin1");
const chunks = []; for (let o = 0; o < data.length; o += 4096) chunks.push(data.subarray(o, o + 4096));
for (let k = 0; k < 5; k++) {
  let t = performance.now();
  const term = new headless.Terminal({ cols: 80, rows: 24, scrollback: 10000, allowProposedApi: true });
  const t1 = performance.now();
  for (const c of chunks) term.write(c);
  await new Promise(r => term.write("", r));
  const t2 = performance.now();
  const s = serializeTerminal(term, 10000);
  const t3 = performance.now();
  term.dispose();
  console.log("new", (t1 - t).toFixed(1), "parse", (t2 - t1).toFixed(1), "serialize", (t3 - t2).toFixed(1), s.length);
}
