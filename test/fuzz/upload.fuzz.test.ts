import { lstatSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzzCases, random } from "../helpers/random.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

const LIMIT = 4096;
const CASES = fuzzCases(300);

/** Names that try to leave ~/uploads, hide, or break a shell: the fuzz mixes them with random text. */
const TRICKY_NAMES = [
  "../../../etc/passwd",
  "/etc/shadow",
  "/root/.ssh/authorized_keys",
  "..",
  ".",
  "....//....//x",
  "..\\..\\win.ini",
  "a\u0000.txt",
  "\u0000",
  "evil.txt\u0000.png",
  "%2e%2e%2fescape",
  ".bashrc",
  "~/.profile",
  "$(reboot).sh",
  "`id`",
  "a\nb",
  "x".repeat(5000),
  "\u202etxt.exe",
  "con",
  "",
];

describe("fuzz: uploads (names, sizes, multipart)", () => {
  let gw: TestGateway;
  let uploads: string;
  beforeAll(async () => {
    gw = await startGateway({ file: { path: "gateway.yaml", text: `limits:\n  maxUploadBytes: ${LIMIT}\n` } });
    uploads = path.join(gw.home, "uploads");
  });
  afterAll(async () => {
    await gw.dispose();
  });

  it("stores every accepted upload as a fresh plain file in ~/uploads and refuses the rest with a 4xx", async () => {
    const rng = random(Number(process.env.FUZZ_SEED ?? 1010));
    const session = await gw.createSession();
    const watcher = await gw.connect(session);
    const before = treeOutside(gw.home, uploads);
    const cases = CASES;
    const statuses = new Map<number, number>();
    const stored = new Map<string, Buffer>();
    const name = () => {
      const base = rng.int(3) === 0 ? rng.text(rng.int(30)) : rng.pick(TRICKY_NAMES);
      return rng.int(4) === 0 ? `${rng.pick(TRICKY_NAMES)}/${base}` : base;
    };
    const size = () => rng.pick([0, 1, 100, LIMIT - 1, LIMIT, LIMIT + 1, LIMIT * 3, rng.int(LIMIT * 2)]);

    for (let i = 0; i < cases; i++) {
      const content = rng.bytes(size());
      const kind = rng.int(6);
      let res: Response;
      let label: string;
      if (kind === 0) {
        label = "raw, X-File-Name";
        res = await post(content, { "x-file-name": encodeURIComponent(name()) });
      } else if (kind === 1) {
        label = "raw, ?name=";
        res = await post(content, {}, `?name=${encodeURIComponent(name())}`);
      } else if (kind === 2) {
        label = "raw, undecodable name";
        res = await post(content, { "x-file-name": rng.pick(["%", "%zz", "%E0%A4%A", "%C0%AF"]) });
      } else if (kind === 3) {
        label = "multipart";
        res = await post(multipart(rng.pick(["file", "file", "other", ""]), name(), content), {
          "content-type": "multipart/form-data; boundary=BOUNDARY",
        });
      } else if (kind === 4) {
        label = "odd multipart";
        const odd = oddMultipart(rng, name(), content);
        res = await post(odd.body, { "content-type": odd.type });
      } else {
        label = "chunked raw";
        res = await post(streamOf(content, 1 + rng.int(1500)), { "x-file-name": encodeURIComponent(name()) });
      }
      const body = (await res.json().catch(() => undefined)) as any;
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      expect(res.status, `case ${i}: ${label}`).toBeLessThan(500);
      if (res.status === 201) {
        expect(path.dirname(body.path), `case ${i}: ${label}`).toBe(uploads);
        expect(body.name).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
        expect(stored.has(body.path), `case ${i}: overwrote ${body.path}`).toBe(false);
        stored.set(body.path, Buffer.from(readFileSync(body.path)));
        expect(body.size).toBeLessThanOrEqual(LIMIT);
      } else {
        expect(res.status, `case ${i}: ${label}`).toBeGreaterThanOrEqual(400);
        expect(typeof body?.error?.code, `case ${i}: ${label}`).toBe("string");
      }
    }

    // Exactly the accepted uploads are on disk, unchanged, plain files; nothing appeared anywhere else.
    const onDisk = readdirSync(uploads).map((f) => path.join(uploads, f));
    expect(onDisk.sort()).toEqual([...stored.keys()].sort());
    for (const file of onDisk) {
      expect(lstatSync(file).isFile()).toBe(true);
      expect(readFileSync(file).equals(stored.get(file)!)).toBe(true);
    }
    expect(treeOutside(gw.home, uploads)).toEqual(before);
    expect((await gw.api("GET", "/healthz")).status).toBe(200);
    watcher.input("echo uploads-survived-$((6*7))\r");
    await watcher.waitFor("uploads-survived-42");
    console.log(`fuzz: ${cases} uploads, statuses ${JSON.stringify(Object.fromEntries(statuses))}, ${stored.size} stored`);
  }, Math.max(120_000, CASES * 30));

  it("refuses a 30 MB stream against the default 20 MB limit, keeping nothing", async () => {
    const big = await startGateway();
    try {
      const chunk = Buffer.alloc(1024 * 1024, 0x61);
      let sent = 0;
      const body = new ReadableStream({
        pull(controller) {
          if (sent++ < 30) controller.enqueue(chunk);
          else controller.close();
        },
      });
      const res = await fetch(`${big.url}/api/upload?name=huge.bin`, { method: "POST", body, duplex: "half" } as RequestInit);
      expect(res.status).toBe(413);
      expect(((await res.json()) as any).error.code).toBe("too_large");
      expect(readdirSync(path.join(big.home, "uploads"))).toEqual([]);
    } finally {
      await big.dispose();
    }
  }, 60_000);

  function post(body: BodyInit | Buffer, headers: Record<string, string> = {}, query = ""): Promise<Response> {
    const streaming = body instanceof ReadableStream;
    return fetch(`${gw.url}/api/upload${query}`, {
      method: "POST",
      body: body as BodyInit,
      headers,
      // A request the gateway never answers fails here, not after fetch's own five minutes.
      signal: AbortSignal.timeout(30_000),
      ...(streaming ? { duplex: "half" } : {}),
    } as RequestInit);
  }
});

function multipart(field: string, filename: string, content: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`--BOUNDARY\r\nContent-Disposition: form-data; name="${field}"; filename="${filename.replace(/"/g, "%22")}"\r\n`),
    Buffer.from("Content-Type: application/octet-stream\r\n\r\n"),
    content,
    Buffer.from("\r\n--BOUNDARY--\r\n"),
  ]);
}

/** Multipart bodies a careless or hostile client sends: truncated, no boundary, many parts, junk headers. */
function oddMultipart(rng: ReturnType<typeof random>, filename: string, content: Buffer): { body: Buffer; type: string } {
  const good = multipart("file", filename, content);
  switch (rng.int(8)) {
    case 0: {
      const part = multipart(rng.pick(["file", "other", ""]), filename, content);
      return { body: part.subarray(0, rng.int(part.length)), type: "multipart/form-data; boundary=BOUNDARY" };
    }
    case 1:
      return { body: good, type: "multipart/form-data" };
    case 2:
      return { body: good, type: "multipart/form-data; boundary=OTHER" };
    case 3: {
      const parts = Array.from({ length: 30 }, (_, i) => `--BOUNDARY\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nv\r\n`);
      return { body: Buffer.from(parts.join("") + "--BOUNDARY--\r\n"), type: "multipart/form-data; boundary=BOUNDARY" };
    }
    case 4:
      return { body: Buffer.concat([multipart("file", "a.txt", Buffer.from("one")).subarray(0, -4), good]), type: "multipart/form-data; boundary=BOUNDARY" };
    case 5:
      return { body: rng.bytes(rng.int(500)), type: "multipart/form-data; boundary=BOUNDARY" };
    case 6:
      return {
        body: Buffer.concat([Buffer.from(`--BOUNDARY\r\n${rng.text(40)}\r\n\r\n`), content, Buffer.from("\r\n--BOUNDARY--\r\n")]),
        type: "multipart/form-data; boundary=BOUNDARY",
      };
    default:
      return { body: good, type: `multipart/form-data; boundary=${"B".repeat(200)}` };
  }
}

function streamOf(content: Buffer, chunkSize: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= content.length) return controller.close();
      controller.enqueue(content.subarray(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

/** Every path under root except inside `skip`, with its size: proves an upload wrote nowhere else. */
function treeOutside(root: string, skip: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (full === skip) continue;
      if (entry.isDirectory()) walk(full);
      else out.push(`${full}:${lstatSync(full).size}`);
    }
  };
  walk(root);
  return out.sort();
}
