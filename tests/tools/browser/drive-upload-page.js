// Drives the browser upload sample (samples/Uploads.BrowserSample) in a real headless Chromium through
// playwright-core, for tests/Uploads.EndToEnd.Tests/Browser. One scenario per run; prints one JSON object on stdout.
//
//   node drive-upload-page.js '{"chromium":"/usr/bin/chromium","page":"http://127.0.0.1:7072/?blockSize=262144",
//                               "files":["/tmp/a.png"],"scenario":"upload"}'
//
// Scenarios:
//   upload  pick the files, wait until every row shows a final state (verified, rejected, error). With "audit": true,
//           an axe-core audit (tests/tools/node_modules/axe-core) of the page once its policy table is shown and
//           again once every row is final (no files: the loaded page only).
//   keyboard  as upload, but with the keyboard only: Tab until the file input has focus (reported: tabs), Space
//           opens the file chooser, which gets the files.
//   drop    as upload, but the files are dropped on the drop zone (a drop event carrying them).
//   sha256  the page's SHA-256 hook (window.uploadPage.sha256Base64) on each file; reports {name: base64 or null}.
//   resume  pick one file; let `letBlocks` Put Block requests through and hold the others; reload the page (the
//           held requests die with it), pick the file again, wait for the final state.
// Reported: final states and texts per file (with the progress bar's name, value and visibility and the figures
// under it), progress events per file, storage requests seen by the page (method, kind: blob | block | blocklist,
// block id, status or failure), console errors and uncaught page errors, answers of the page's own origin with a
// status of 400 or more, the live region's announcements, per phase for resume; the backend's renewal answers;
// the audits' violations.
"use strict";

const { chromium } = require("playwright-core");

const input = JSON.parse(process.argv[2]);
const deadline = input.timeoutMs ?? 60000;

function kindOf(url) {
  const comp = new URL(url).searchParams.get("comp");
  return comp === "block" ? "block" : comp === "blocklist" ? "blocklist" : "blob";
}

async function main() {
  const started = Date.now();
  const browser = await chromium.launch({ executablePath: input.chromium, headless: true, args: ["--no-sandbox", "--disable-dev-shm-usage", ...(input.args ?? [])] });
  const result = { phases: [], renewals: [], launchMs: Date.now() - started };
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    let phase = null;
    const newPhase = () => { phase = { requests: [], consoleErrors: [], failedResponses: [] }; result.phases.push(phase); };
    newPhase();
    page.on("console", m => { if (m.type() === "error") phase.consoleErrors.push(m.text()); });
    page.on("pageerror", e => phase.consoleErrors.push("uncaught: " + (e?.message ?? e)));
    // Storage requests: every request that is not to the page's own origin.
    const pageOrigin = new URL(input.page).origin;
    page.on("response", r => { if (new URL(r.url()).origin === pageOrigin && r.status() >= 400) phase.failedResponses.push({ url: r.url(), status: r.status() }); });
    const isStorage = r => new URL(r.url()).origin !== pageOrigin;
    page.on("requestfinished", async r => {
      if (!isStorage(r)) return;
      const response = await r.response();
      phase.requests.push({ method: r.method(), kind: kindOf(r.url()), blockId: new URL(r.url()).searchParams.get("blockid"), status: response?.status() ?? null });
    });
    // The API key must never reach the browser: no request the page makes and no response it gets carries it.
    result.secretSeen = false;
    page.on("request", r => { if (input.secret && JSON.stringify([r.url(), r.headers(), r.postData()]).includes(input.secret)) result.secretSeen = true; });
    page.on("response", async r => {
      const body = await r.text().catch(() => "");
      if (input.secret && (body.includes(input.secret) || JSON.stringify(await r.allHeaders()).includes(input.secret))) result.secretSeen = true;
    });
    page.on("requestfailed", r => {
      if (!isStorage(r)) return;
      phase.requests.push({ method: r.method(), kind: kindOf(r.url()), blockId: new URL(r.url()).searchParams.get("blockid"), failure: r.failure()?.errorText ?? "failed" });
    });
    page.on("response", async r => {
      if (new URL(r.url()).pathname === "/backend/upload-url" && r.request().postDataJSON()?.blobPath) {
        result.renewals.push({ status: r.status(), body: await r.json().catch(() => null) });
      }
    });
    // Progress and state events of the page, collected in the page (they survive until a reload).
    await page.addInitScript(() => {
      window.__uploadEvents = [];
      document.addEventListener("upload-progress", e => window.__uploadEvents.push({ type: "progress", ...e.detail }));
      document.addEventListener("upload-state", e => window.__uploadEvents.push({ type: "state", ...e.detail }));
    });

    const finalStates = ["verified", "rejected", "error"];
    async function pickAndWait(files, how = "input") {
      if (how === "keyboard") {
        for (result.tabs = 1; result.tabs <= 20; result.tabs++) {
          await page.keyboard.press("Tab");
          if (await page.evaluate(() => document.activeElement?.id === "picker")) break;
        }
        const [chooser] = await Promise.all([page.waitForEvent("filechooser", { timeout: deadline }), page.keyboard.press("Space")]);
        await chooser.setFiles(files);
      } else if (how === "drop") {
        const fs = require("node:fs"), path = require("node:path");
        const payload = files.map(f => [path.basename(f), fs.readFileSync(f).toString("base64")]);
        const transfer = await page.evaluateHandle(entries => {
          const dt = new DataTransfer();
          for (const [name, data] of entries) dt.items.add(new File([Uint8Array.from(atob(data), c => c.charCodeAt(0))], name));
          return dt;
        }, payload);
        await page.dispatchEvent("#drop", "dragover", { dataTransfer: transfer });
        await page.dispatchEvent("#drop", "drop", { dataTransfer: transfer });
      } else {
        await page.setInputFiles("#picker", files);
      }
      await page.waitForFunction(
        ([count, states]) => {
          const rows = [...document.querySelectorAll("#files li")];
          return rows.length === count && rows.every(li => states.includes(li.dataset.state));
        },
        [files.length, finalStates],
        { timeout: deadline, polling: 100 });
    }

    // axe-core's audit of the page as it is now: every rule axe runs by default (WCAG A/AA and best practices).
    result.audits = [];
    async function audit(when) {
      if (!input.audit) return;
      await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
      const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] })).violations
        .map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" ")) })));
      result.audits.push({ when, violations });
    }

    async function collect() {
      const rows = await page.$$eval("#files li", lis => lis.map(li => {
        const bar = li.querySelector("progress");
        return {
          name: li.dataset.name, state: li.dataset.state, text: li.querySelector(".state").textContent,
          stats: li.querySelector(".stats")?.textContent ?? null,
          bar: bar ? { label: bar.getAttribute("aria-label"), value: bar.value, max: bar.max, hidden: bar.hidden } : null,
        };
      }));
      phase.announcements = await page.$$eval("[aria-live=polite] > *", ps => ps.map(p => p.textContent));
      phase.policyRows = await page.$$eval("#policy tbody tr", trs => trs.map(tr => [...tr.cells].map(c => c.textContent)));
      phase.allowedSummary = await page.$eval("#allowed-summary", p => p.textContent);
      const events = await page.evaluate(() => window.__uploadEvents);
      phase.rows = rows;
      phase.progress = {};
      for (const e of events.filter(e => e.type === "progress")) {
        (phase.progress[e.name] ??= []).push([e.loaded, e.total, e.sentThisRun, e.text]);
      }
      phase.elapsedMs = Date.now() - started;
      phase.states = events.filter(e => e.type === "state").map(e => [e.name, e.state]);
    }

    await page.goto(input.page);
    await page.waitForFunction(() => document.body.dataset.policy, null, { timeout: deadline, polling: 100 });
    if (["upload", "keyboard", "drop"].includes(input.scenario)) {
      await audit("loaded");
      if (input.files.length > 0) {
        await pickAndWait(input.files, input.scenario === "upload" ? "input" : input.scenario);
        await audit("final");
      }
      await collect();
    } else if (input.scenario === "sha256") {
      result.sha256 = {};
      for (const file of input.files) {
        const b64 = require("node:fs").readFileSync(file).toString("base64");
        result.sha256[require("node:path").basename(file)] = await page.evaluate(async ([name, data]) => {
          const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
          return window.uploadPage.sha256Base64(new File([bytes], name));
        }, [require("node:path").basename(file), b64]);
      }
    } else if (input.scenario === "resume") {
      let let_through = input.letBlocks;
      let release;
      const held = new Promise(r => { release = r; });
      let done = 0;
      const enough = new Promise(resolve => {
        page.on("requestfinished", r => { if (isStorage(r) && kindOf(r.url()) === "block" && ++done === input.letBlocks) resolve(); });
      });
      await page.route(u => new URL(u).origin !== pageOrigin, async route => {
        if (route.request().method() === "PUT" && kindOf(route.request().url()) === "block" && let_through-- <= 0) {
          await held; // never answered: the reload takes it down
          await route.abort().catch(() => {});
          return;
        }
        await route.continue();
      });
      await page.setInputFiles("#picker", input.files);
      await Promise.race([enough, new Promise((_, reject) => setTimeout(() => reject(new Error("the first blocks did not finish")), deadline).unref())]);
      await collect();
      // Reload while the other blocks are held: the page dies with them in flight (they count as failures).
      newPhase();
      await page.reload();
      await page.unrouteAll({ behavior: "ignoreErrors" });
      release();
      await pickAndWait(input.files);
      await collect();
    } else {
      throw new Error("unknown scenario " + input.scenario);
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(result));
}

main().catch(error => {
  process.stderr.write(String(error?.stack ?? error));
  process.exit(1);
});
