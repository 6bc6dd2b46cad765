import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { safeFileName } from "../../src/routes/upload.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

const LIMIT = 4096;

describe("safeFileName", () => {
  it.each([
    ["shot.png", "shot.png"],
    ["../../etc/passwd", "passwd"],
    ["..\\..\\windows\\evil.exe", "evil.exe"],
    [".bashrc", "bashrc"],
    ["...", "upload"],
    ["", "upload"],
    [undefined, "upload"],
    ["my file (1).PNG", "my_file_1.PNG"],
    ["rm -rf $(whoami);.txt", "rm_-rf_whoami.txt"],
    ["bild-ü.jpg", "bild-u.jpg"],
    ["müller.txt", "muller.txt"],
    ["a\u0000b\nc.txt", "a_b_c.txt"],
    ["/", "upload"],
  ])("%j -> %j", (input, expected) => {
    expect(safeFileName(input)).toBe(expected);
  });

  it("keeps long names under 100 characters, extension included", () => {
    const name = safeFileName("x".repeat(500) + ".tar");
    expect(name.length).toBeLessThanOrEqual(100);
    expect(name.endsWith(".tar")).toBe(true);
  });
});

describe("POST /api/upload", () => {
  let gw: TestGateway;
  let uploads: string;

  beforeEach(async () => {
    gw = await startGateway({ file: { path: "test.yaml", text: `limits:\n  maxUploadBytes: ${LIMIT}\n` } });
    uploads = path.join(gw.home, "uploads");
  });
  afterEach(() => gw.dispose());

  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}/api/upload`, { method: "POST", body, headers }).then(async (res) => ({
      status: res.status,
      body: (await res.json()) as any,
    }));

  it("stores a raw body under ~/uploads with a safe name and answers its path", async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const res = await post(bytes, { "content-type": "image/png", "x-file-name": encodeURIComponent("../my shot.png") });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ path: path.join(uploads, "my_shot.png"), name: "my_shot.png", size: 7 });
    expect(readFileSync(res.body.path)).toEqual(bytes);
    expect(lstatSync(res.body.path).mode & 0o777).toBe(0o600);
  });

  it("stores a JSON file as it is, however large, instead of parsing it", async () => {
    const text = JSON.stringify({ big: "x".repeat(3000) });
    const res = await post(text, { "content-type": "application/json", "x-file-name": "data.json" });
    expect(res.status).toBe(201);
    expect(readFileSync(res.body.path, "utf8")).toBe(text);
  });

  it("stores a multipart file and never overwrites an earlier one", async () => {
    const form = () => {
      const data = new FormData();
      data.append("note", "ignored");
      data.append("file", new Blob(["hello"], { type: "text/plain" }), "notes.txt");
      return data;
    };
    const first = await post(form());
    const second = await post(form());
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(first.body.path).toBe(path.join(uploads, "notes.txt"));
    expect(second.body.path).toBe(path.join(uploads, "notes-1.txt"));
    expect(readFileSync(second.body.path, "utf8")).toBe("hello");
  });

  it("answers 409 when every free name is taken, for a multipart file too (it hung), and carries on", async () => {
    mkdirSync(uploads, { recursive: true });
    writeFileSync(path.join(uploads, "full.txt"), "");
    for (let i = 1; i < 1000; i++) writeFileSync(path.join(uploads, `full-${i}.txt`), "");
    const data = new FormData();
    data.append("file", new Blob(["x".repeat(LIMIT)]), "full.txt");
    const multipart = await fetch(`${gw.url}/api/upload`, { method: "POST", body: data, signal: AbortSignal.timeout(10_000) });
    expect(multipart.status).toBe(409);
    expect(((await multipart.json()) as any).error.code).toBe("name_taken");
    const raw = await post("x", { "x-file-name": "full.txt" });
    expect(raw.status).toBe(409);
    expect((await post("x", { "x-file-name": "other.txt" })).status).toBe(201);
  });

  it("refuses a raw body over the limit with 413 and leaves no file", async () => {
    const res = await post(Buffer.alloc(LIMIT + 1), { "x-file-name": "big.bin" });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("too_large");
    expect(existsSync(path.join(uploads, "big.bin"))).toBe(false);
  });

  it("refuses a streamed body over the limit (no Content-Length) with 413 and leaves no file", async () => {
    const chunks = [Buffer.alloc(LIMIT), Buffer.alloc(10)];
    const stream = new ReadableStream({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const res = await fetch(`${gw.url}/api/upload?name=stream.bin`, {
      method: "POST",
      body: stream,
      headers: { "content-type": "application/octet-stream" },
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(readdirSync(uploads)).toEqual([]);
  });

  it("refuses a multipart file over the limit with 413 and leaves no file", async () => {
    const data = new FormData();
    data.append("file", new Blob([Buffer.alloc(LIMIT + 1)]), "big.bin");
    const res = await post(data);
    expect(res.status).toBe(413);
    expect(readdirSync(uploads)).toEqual([]);
  });

  it("accepts a file of exactly the limit", async () => {
    const res = await post(Buffer.alloc(LIMIT), { "x-file-name": "edge.bin" });
    expect(res.status).toBe(201);
    expect(res.body.size).toBe(LIMIT);
  });

  it("answers 400 for a form without a file and for a broken multipart body", async () => {
    const data = new FormData();
    data.append("note", "no file here");
    const empty = await post(data);
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe("no_file");
    const broken = await post("garbage", { "content-type": "multipart/form-data" });
    expect(broken.status).toBe(400);
  });

  it("answers 400 for a form cut off inside an ignored file part, and the gateway lives on", async () => {
    // Regression: busboy errored the ignored part's stream, which had no listener: an uncaught exception.
    const cut = '--B\r\nContent-Disposition: form-data; name="other"; filename="a.txt"\r\n\r\nhalf a file';
    const res = await post(cut, { "content-type": "multipart/form-data; boundary=B" });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("bad_multipart");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await gw.api("GET", "/healthz")).status).toBe(200);
  });

  it("answers 400 for a badly encoded X-File-Name", async () => {
    const res = await post("x", { "x-file-name": "%E0%A4%A" });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("bad_file_name");
  });

  it("does not follow a symbolic link planted in ~/uploads", async () => {
    mkdirSync(uploads, { recursive: true });
    const target = path.join(gw.home, "outside.txt");
    symlinkSync(target, path.join(uploads, "trap.txt"));
    const res = await post("payload", { "x-file-name": "trap.txt" });
    expect(res.status).toBe(201);
    expect(res.body.path).toBe(path.join(uploads, "trap-1.txt"));
    expect(existsSync(target)).toBe(false);
  });

  it("refuses to write when ~/uploads itself is a symbolic link", async () => {
    const elsewhere = path.join(gw.home, "elsewhere");
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, uploads);
    const res = await post("payload", { "x-file-name": "a.txt" });
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe("bad_uploads_dir");
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});
