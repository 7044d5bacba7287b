// The e2e harness: the real `changeledger serve` on a free port with a fresh
// SQLite database, a small API client for set-up, and Debian's Chromium
// driven by playwright-core. Screenshots go to build/e2e-screenshots/.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
export const BINARY = process.env.CL_BINARY ?? path.join(ROOT, "build/changeledger");
export const SHOTS = process.env.CL_SCREENSHOTS ?? path.join(ROOT, "build/e2e-screenshots");
export const CHROMIUM = process.env.CL_CHROMIUM ?? "/usr/bin/chromium";

// Starts the server; resolves with its base URL and the bootstrap password.
export async function startServer() {
  const dir = mkdtempSync(path.join(tmpdir(), "cl-e2e-"));
  const proc = spawn(BINARY, ["serve", "--db", path.join(dir, "e2e.db"), "--listen", "127.0.0.1:0", "--log-format", "text", "--no-access-log"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  proc.stderr.on("data", (d) => (err += d));
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 20 s:\n${out}\n${err}`)), 20000);
    proc.on("exit", (code) => reject(new Error(`server exited with ${code}:\n${out}\n${err}`)));
    proc.stdout.on("data", (d) => {
      out += d;
      const url = /serving (http:\/\/[0-9.:]+)/.exec(out)?.[1];
      const password = /password: (\S+)/.exec(out)?.[1];
      if (url && password) {
        clearTimeout(timer);
        resolve({ url, password });
      }
    });
  });
  return {
    ...ready,
    async stop() {
      proc.kill("SIGTERM");
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.on("exit", r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A session for set-up calls (cookie + CSRF token), as a browser would hold it.
export class Client {
  constructor(base) {
    this.base = base;
    this.cookie = "";
    this.csrf = "";
  }
  async call(method, p, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (this.cookie) headers.Cookie = this.cookie;
    if (this.csrf && method !== "GET") headers["X-CSRF-Token"] = this.csrf;
    const res = await fetch(this.base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const setCookie = res.headers.get("set-cookie");
    if (setCookie) this.cookie = setCookie.split(";")[0];
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
    return json;
  }
  async login(username, password) {
    const s = await this.call("POST", "/api/v1/session", { username, password });
    this.csrf = s.csrf_token;
    return s;
  }
}

export async function launch() {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}

// A browser context for one person, recording every API answer the UI got.
export async function personPage(browser, base, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ baseURL: base, viewport });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  const answers = [];
  const errors = [];
  page.on("response", (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith("/api/")) answers.push({ method: r.request().method(), path: u.pathname + u.search, status: r.status() });
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return { context, page, answers, errors };
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

// Problems a reviewer would see: controls without an accessible name, and a
// page wider than the viewport (a layout that breaks on small screens).
export async function layoutProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    for (const el of document.querySelectorAll("input, select, textarea, button")) {
      if (el.type === "hidden") continue;
      const named = (el.labels && el.labels.length > 0) || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || (el.tagName === "BUTTON" && el.textContent.trim());
      if (!named) problems.push(`unlabelled ${el.tagName.toLowerCase()} ${el.name || el.id || ""}`);
    }
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth + 1) problems.push(`page is ${doc.scrollWidth}px wide in a ${doc.clientWidth}px viewport`);
    return problems;
  });
}
