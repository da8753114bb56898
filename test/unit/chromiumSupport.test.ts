import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { readPng, renderPage } from "../support/chromium";

const OUT = path.join(__dirname, "..", "..", "test-output", "chromium");

const PAGE = `<!doctype html>
<html>
<head>
<style>
  html, body { margin: 0; padding: 0; background: #fff; }
  .box { position: absolute; top: 0; width: 200px; height: 100px; }
  #red { left: 0; background: rgb(255, 0, 0); }
  #blue { left: 200px; background: rgb(0, 0, 255); }
  #made { position: absolute; top: 150px; left: 0; margin: 0; }
</style>
</head>
<body>
<div class="box" id="red"></div>
<div class="box" id="blue"></div>
<script>
  document.body.dataset.rendered = "yes";
  const p = document.createElement("p");
  p.id = "made";
  p.textContent = "computed " + [6, 7].reduce((a, b) => a * b, 1) + " by script";
  document.body.appendChild(p);
</script>
</body>
</html>
`;

describe("headless Chromium test support", () => {
  it("renders a page after its inline script ran: DOM dump and exact screenshot pixels", () => {
    fs.mkdirSync(OUT, { recursive: true });
    const dir = fs.mkdtempSync(path.join(OUT, "page-"));
    const html = path.join(dir, "page.html");
    fs.writeFileSync(html, PAGE);

    const { dom, screenshot } = renderPage(html, dir, { width: 400, height: 200, name: "shot" });

    expect(screenshot).toBe(path.join(dir, "shot.png"));
    expect(dom).toContain('<p id="made">computed 42 by script</p>');
    expect(dom).toMatch(/<body[^>]* data-rendered="yes"/);
    const png = readPng(screenshot);
    expect([png.width, png.height]).toEqual([400, 200]);
    expect(png.pixel(50, 50)).toEqual([255, 0, 0, 255]);
    expect(png.pixel(250, 50)).toEqual([0, 0, 255, 255]);
    expect(png.pixel(199, 99)).toEqual([255, 0, 0, 255]);
    expect(png.pixel(200, 0)).toEqual([0, 0, 255, 255]);
    expect(png.pixel(399, 110)).toEqual([255, 255, 255, 255]);
  }, 120_000);

  it("decodes every PNG filter type, RGB and RGBA, and refuses unsupported formats", () => {
    fs.mkdirSync(OUT, { recursive: true });
    const dir = fs.mkdtempSync(path.join(OUT, "png-"));
    const width = 3;
    const height = 5; // one row per filter type 0..4
    const value = (x: number, y: number, ch: number) => (x * 97 + y * 61 + ch * 43 + 200) & 0xff;

    const encode = (colorType: 2 | 6, extra: { depth?: number; interlace?: number } = {}) => {
      const channels = colorType === 6 ? 4 : 3;
      const stride = width * channels;
      const img = (x: number, y: number, ch: number) => (y < 0 || x < 0 ? 0 : value(x, y, ch));
      const raw: number[] = [];
      for (let y = 0; y < height; y++) {
        const filter = y; // rows use filters 0, 1, 2, 3, 4
        raw.push(filter);
        for (let i = 0; i < stride; i++) {
          const x = Math.floor(i / channels);
          const ch = i % channels;
          const cur = img(x, y, ch);
          const a = img(x - 1, y, ch);
          const b = img(x, y - 1, ch);
          const c = img(x - 1, y - 1, ch);
          const p = a + b - c;
          const pred = [
            0,
            a,
            b,
            (a + b) >> 1,
            Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c,
          ][filter];
          raw.push((cur - pred + 256) & 0xff);
        }
      }
      const chunk = (type: string, data: Buffer) => {
        const head = Buffer.alloc(4);
        head.writeUInt32BE(data.length);
        const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
        const crc = Buffer.alloc(4);
        crc.writeUInt32BE(zlib.crc32(body));
        return Buffer.concat([head, body, crc]);
      };
      const ihdr = Buffer.alloc(13);
      ihdr.writeUInt32BE(width, 0);
      ihdr.writeUInt32BE(height, 4);
      ihdr.set([extra.depth ?? 8, colorType, 0, 0, extra.interlace ?? 0], 8);
      const compressed = zlib.deflateSync(Buffer.from(raw));
      return Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        chunk("IHDR", ihdr),
        // Image data split over two IDAT chunks, as encoders may do.
        chunk("IDAT", compressed.subarray(0, 5)),
        chunk("IDAT", compressed.subarray(5)),
        chunk("IEND", Buffer.alloc(0)),
      ]);
    };

    for (const colorType of [2, 6] as const) {
      const file = path.join(dir, `filters-${colorType}.png`);
      fs.writeFileSync(file, encode(colorType));
      const png = readPng(file);
      expect([png.width, png.height]).toEqual([width, height]);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          expect(png.pixel(x, y)).toEqual([value(x, y, 0), value(x, y, 1), value(x, y, 2), colorType === 6 ? value(x, y, 3) : 255]);
        }
      }
      expect(() => png.pixel(width, 0)).toThrow(RangeError);
    }

    const interlaced = path.join(dir, "interlaced.png");
    fs.writeFileSync(interlaced, encode(2, { interlace: 1 }));
    expect(() => readPng(interlaced)).toThrow(/interlaced/);
    const deep = path.join(dir, "deep.png");
    fs.writeFileSync(deep, encode(6, { depth: 16 }));
    expect(() => readPng(deep)).toThrow(/unsupported PNG format \(bit depth 16, color type 6\)/);
    const notPng = path.join(dir, "page.html");
    fs.writeFileSync(notPng, PAGE);
    expect(() => readPng(notPng)).toThrow(/not a PNG file/);
  });
});
