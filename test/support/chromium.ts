/**
 * Headless Chromium for tests: Debian's `chromium` (installed with apt-get when missing and we are
 * root), one headless run per page that dumps the DOM after the page's scripts ran and writes a PNG
 * screenshot, and a small PNG decoder to check the screenshot's pixels. A missing Chromium is a
 * failure, never a skip.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import * as zlib from "node:zlib";
import { ensureDebianPackage } from "../../tools/debian";

/** Finds Debian's chromium: /usr/bin/chromium, else `command -v chromium`. */
function findChromium(): string | undefined {
  if (fs.existsSync("/usr/bin/chromium")) return "/usr/bin/chromium";
  const which = spawnSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" });
  return which.status === 0 && which.stdout.trim() !== "" ? which.stdout.trim() : undefined;
}

/** The path of Debian's chromium binary, installing the package when missing (as root); throws when impossible. */
export function ensureChromium(): string {
  return ensureDebianPackage("chromium", "Chromium", findChromium);
}

/** Flags for a headless run as root on a machine without network or GPU. */
const HEADLESS_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--hide-scrollbars",
];

/** Renders `htmlFile` headless at W×H (default 800×600): the DOM after its scripts ran, and `<outDir>/<name>.png`. */
export function renderPage(
  htmlFile: string,
  outDir: string,
  opts: { width?: number; height?: number; name?: string } = {},
): { dom: string; screenshot: string } {
  const bin = ensureChromium();
  const width = opts.width ?? 800;
  const height = opts.height ?? 600;
  const name = opts.name ?? path.basename(htmlFile).replace(/\.[^.]*$/, "");
  fs.mkdirSync(outDir, { recursive: true });
  const screenshot = path.resolve(outDir, `${name}.png`);
  fs.rmSync(screenshot, { force: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-chromium-"));
  try {
    // One run does both: headless Chromium executes every command given (--dump-dom, --screenshot).
    const run = spawnSync(
      bin,
      [
        ...HEADLESS_FLAGS,
        `--user-data-dir=${profile}`,
        `--window-size=${width},${height}`,
        `--screenshot=${screenshot}`,
        "--dump-dom",
        pathToFileURL(path.resolve(htmlFile)).href,
      ],
      { encoding: "utf8", timeout: 60_000, killSignal: "SIGKILL", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] },
    );
    const why = run.error
      ? `${run.error.message}`
      : run.status !== 0
        ? `exit status ${run.status}${run.signal ? ` (signal ${run.signal})` : ""}`
        : !fs.existsSync(screenshot)
          ? `no screenshot written to ${screenshot}`
          : run.stdout.trim() === ""
            ? "empty DOM dump"
            : undefined;
    if (why) {
      throw new Error(`chromium failed to render ${htmlFile}: ${why}\n--- chromium stderr ---\n${run.stderr ?? ""}`);
    }
    return { dom: run.stdout, screenshot };
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes an 8-bit RGB or RGBA non-interlaced PNG; `pixel(x, y)` gives [r, g, b, a] (a = 255 for RGB). */
export function readPng(file: string): { width: number; height: number; pixel(x: number, y: number): [number, number, number, number] } {
  const buf = fs.readFileSync(file);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error(`${file}: not a PNG file`);
  let width = 0;
  let height = 0;
  let channels = 0;
  let sawHeader = false;
  let sawEnd = false;
  const idat: Buffer[] = [];
  for (let pos = 8; pos < buf.length && !sawEnd;) {
    if (pos + 12 > buf.length) throw new Error(`${file}: truncated PNG chunk at byte ${pos}`);
    const len = buf.readUInt32BE(pos);
    const type = buf.toString("latin1", pos + 4, pos + 8);
    if (pos + 12 + len > buf.length) throw new Error(`${file}: truncated PNG chunk ${type}`);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (zlib.crc32(buf.subarray(pos + 4, pos + 8 + len)) !== buf.readUInt32BE(pos + 8 + len)) {
      throw new Error(`${file}: bad CRC in PNG chunk ${type}`);
    }
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colorType, compression, filter, interlace] = [data[8], data[9], data[10], data[11], data[12]];
      if (depth !== 8 || (colorType !== 2 && colorType !== 6)) {
        throw new Error(
          `${file}: unsupported PNG format (bit depth ${depth}, color type ${colorType}); only 8-bit RGB (2) and RGBA (6) are supported`,
        );
      }
      if (interlace !== 0) throw new Error(`${file}: unsupported PNG format: interlaced (Adam7) images are not supported`);
      if (compression !== 0 || filter !== 0) throw new Error(`${file}: unsupported PNG compression ${compression} or filter method ${filter}`);
      channels = colorType === 6 ? 4 : 3;
      sawHeader = true;
    } else if (type === "IDAT") {
      idat.push(data);
    } else if (type === "IEND") {
      sawEnd = true;
    }
    pos += 12 + len;
  }
  if (!sawHeader) throw new Error(`${file}: PNG without IHDR`);
  if (!sawEnd) throw new Error(`${file}: PNG without IEND`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) {
    throw new Error(`${file}: PNG image data is ${raw.length} bytes, expected ${height * (stride + 1)}`);
  }
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filterType = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    for (let i = 0; i < stride; i++) {
      const x = raw[src + i];
      const a = i >= channels ? pixels[row + i - channels] : 0;
      const b = y > 0 ? pixels[prev + i] : 0;
      const c = y > 0 && i >= channels ? pixels[prev + i - channels] : 0;
      let v: number;
      switch (filterType) {
        case 0:
          v = x;
          break;
        case 1:
          v = x + a;
          break;
        case 2:
          v = x + b;
          break;
        case 3:
          v = x + ((a + b) >> 1);
          break;
        case 4:
          v = x + paeth(a, b, c);
          break;
        default:
          throw new Error(`${file}: unknown PNG filter type ${filterType} on row ${y}`);
      }
      pixels[row + i] = v & 0xff;
    }
  }
  return {
    width,
    height,
    pixel(x: number, y: number): [number, number, number, number] {
      if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= width || y >= height) {
        throw new RangeError(`pixel (${x}, ${y}) is outside the ${width}×${height} image ${file}`);
      }
      const o = y * stride + x * channels;
      return [pixels[o], pixels[o + 1], pixels[o + 2], channels === 4 ? pixels[o + 3] : 255];
    },
  };
}
