// The browser upload page: plain JavaScript, no build step, no third-party code.
//
// For each file: ask this site's backend for an upload URL (the backend holds the API key and calls the upload
// API; the page never sees the key), send the file straight to storage with that URL, then poll the backend for
// the verdict. A file larger than one block is sent as blocks (Put Block, several in flight) and committed with
// Put Block List; the blob path and the staged block ids are kept in localStorage, so picking the same file again
// after a reload renews the URL through the backend and sends only the blocks storage does not already hold.
//
// Options in the query string: ?blockSize=BYTES (default 8 MiB) &parallel=N (default 4).
// The page lists the allowed types and limits from the API's policy (GET /backend/upload-policy), declares each
// file's type from it when the browser reports none or another name, shows per file a progress bar named after the
// file with percentage, bytes and rate (over the bytes sent in this run, not those a resume found stored), and
// announces each verdict in a polite live region; a refused file loses its bar and says why.
//
// Every progress step is also dispatched as a DOM event (upload-progress, upload-state) for pages that embed this.
"use strict";

(() => {
  const params = new URLSearchParams(location.search);
  const blockSize = positive(params.get("blockSize"), 8 * 1024 * 1024);
  const parallel = positive(params.get("parallel"), 4);
  const attempts = 3; // per storage request, for network errors and 408/429/5xx
  const journalPrefix = "upload-sample:";
  const list = document.getElementById("files");

  function positive(text, fallback) {
    const value = Number.parseInt(text ?? "", 10);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  }

  // ---- Figures -----------------------------------------------------------------------------------------------

  function bytes(n) {
    if (n < 1024) return `${n} B`;
    const units = ["KiB", "MiB", "GiB", "TiB"];
    let value = n / 1024, unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
    return `${value >= 100 || Number.isInteger(value) ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
  }

  // ---- What may be uploaded: the API's policy, through the backend (no copy kept in this page) ----------------

  const extensionOf = name => { const dot = name.lastIndexOf("."); return dot > 0 ? name.slice(dot).toLowerCase() : ""; };

  const policy = backend("GET", "/backend/upload-policy").then(showPolicy, error => {
    document.getElementById("policy-status").textContent = `The allowed types could not be loaded (${error.message}); files are still checked when you upload them.`;
    document.getElementById("allowed-summary").textContent = "";
    document.body.dataset.policy = "failed";
    return null;
  });

  function showPolicy(table) {
    const body = document.querySelector("#policy tbody");
    const kinds = new Map();
    for (const type of table.types) {
      const tr = body.insertRow();
      for (const text of [type.contentType, type.category, type.extensions.join(" "), bytes(type.maxBytes)]) tr.insertCell().textContent = text;
      const kind = kinds.get(type.category) ?? { maxBytes: 0, extensions: new Set() };
      kind.maxBytes = Math.max(kind.maxBytes, type.maxBytes);
      type.extensions.forEach(e => kind.extensions.add(e));
      kinds.set(type.category, kind);
    }
    document.getElementById("policy").hidden = false;
    document.getElementById("policy-status").textContent = "A file must end in one of its type's endings, hold what that type says, and be no larger than the limit; anything else is refused with the reason.";
    document.getElementById("allowed-summary").textContent = "Allowed: "
      + [...kinds].map(([name, k]) => `${name} up to ${bytes(k.maxBytes)} (${[...k.extensions].join(" ")})`).join("; ") + ".";
    document.body.dataset.policy = "loaded";
    return table;
  }

  // The type to declare: the browser's if the policy knows it, else the one the policy gives the file's ending
  // (browsers report "" or their own names for many files), else the browser's, which the API then refuses with its reason.
  function declaredType(file, table) {
    if (!table || table.types.some(t => t.contentType === file.type) || Object.hasOwn(table.aliases, file.type)) return file.type;
    return table.types.find(t => t.extensions.includes(extensionOf(file.name)))?.contentType ?? file.type;
  }

  // ---- SHA-256 of a file (issue 21) -------------------------------------------------------------------------
  // The API takes an optional `sha256` (base64 of the 32 bytes) with a new upload URL and then checks the stored bytes
  // against it (a mismatch is a rejection naming both digests); the verdict and the status then carry it.
  // Web Crypto hashes a whole buffer only, so files above sha256MaxBytes are sent without one; crypto.subtle exists
  // in secure contexts only (HTTPS, or http://127.0.0.1 / localhost).
  const sendSha256 = true;
  const sha256MaxBytes = 256 * 1024 * 1024;

  async function sha256Base64(file) {
    if (file.size > sha256MaxBytes || !globalThis.crypto?.subtle) return null;
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await file.arrayBuffer()));
    let binary = "";
    for (const byte of digest) binary += String.fromCharCode(byte);
    return btoa(binary);
  }

  // For pages that embed this one, and for the tests.
  window.uploadPage = { sha256Base64, declaredType, policy };

  // ---- UI ---------------------------------------------------------------------------------------------------

  const announcements = document.getElementById("announcements");
  let rows = 0;

  function announce(text) {
    const line = document.createElement("p");
    line.textContent = text;
    announcements.append(line);
  }

  // One file's row: name and state, a progress bar named after the file, and its figures (percentage, bytes, rate).
  function row(file) {
    const id = "upload-" + ++rows;
    const item = document.createElement("li");
    item.dataset.name = file.name;
    item.innerHTML = `<div><span class="name"></span>: <span class="state"></span></div>`
      + `<progress max="100" value="0" aria-describedby="${id}-stats"></progress><div class="stats" id="${id}-stats"></div>`;
    item.querySelector(".name").textContent = file.name;
    const bar = item.querySelector("progress");
    const stats = item.querySelector(".stats");
    bar.setAttribute("aria-label", `Upload of ${file.name}`);
    document.getElementById("no-uploads").hidden = true;
    list.append(item);

    let sent = 0;       // bytes storage holds or has received, for this file
    let base = null;    // bytes it already held when this run began sending (resume): not part of the rate
    let since = 0;      // when this run began sending
    let last = 0;       // the latest progress step
    const figures = () => {
      const total = file.size;
      const percent = total === 0 ? 100 : Math.floor(sent * 100 / total);
      const seconds = (last - since) / 1000;
      const rate = base === null || seconds < 0.2 ? "" : ` · ${bytes(Math.round((sent - base) / seconds))}/s`;
      return { percent, text: `${percent} % · ${bytes(sent)} of ${bytes(total)}${rate}` };
    };
    return {
      // `stored`: bytes storage held before this run sent anything (the blocks of a resumed upload).
      begin(stored) {
        sent = stored;
        base = stored;
        since = performance.now();
        last = since;
        this.progress(stored, file.size);
      },
      progress(loaded, total) {
        sent = loaded;
        last = performance.now();
        const { percent, text } = figures();
        bar.value = percent;
        stats.textContent = text;
        // sentThisRun: the bytes the rate counts (a resume's blocks already stored are not).
        document.dispatchEvent(new CustomEvent("upload-progress", { detail: { name: file.name, loaded, total, sentThisRun: loaded - base, text } }));
      },
      state(state, text) {
        const label = item.querySelector(".state");
        item.dataset.state = state;
        label.className = "state " + state;
        label.textContent = text;
        if (state === "verified") {
          stats.textContent = figures().text.replace(/\/s$/, "/s on average");
        } else if (state === "rejected" || state === "error") {
          // Refused or stopped: no bar (a full bar would read as success), the words say what happened.
          bar.hidden = true;
          stats.textContent = sent === 0 ? "Nothing was sent." : `${bytes(sent)} of ${bytes(file.size)} sent.`;
        }
        if (state === "verified" || state === "rejected" || state === "error") announce(`${file.name}: ${text}`);
        document.dispatchEvent(new CustomEvent("upload-state", { detail: { name: file.name, state, text } }));
      },
    };
  }

  const drop = document.getElementById("drop");
  // A file dropped beside the zone would replace the page (and end its uploads): only the zone takes drops.
  for (const type of ["dragover", "drop"]) window.addEventListener(type, e => { if (!drop.contains(e.target)) e.preventDefault(); });
  drop.addEventListener("dragover", e => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", e => {
    e.preventDefault();
    drop.classList.remove("over");
    startAll(e.dataTransfer.files);
  });
  document.getElementById("picker").addEventListener("change", e => {
    startAll([...e.target.files]);
    e.target.value = "";
  });

  // A refusal of the file itself (its name, type or size), as opposed to a failure to reach storage or the API.
  const refusal = status => status === 400 || status === 403 || status === 413 || status === 415 || status === 422;

  function startAll(files) {
    for (const file of files) {
      const ui = row(file);
      ui.state("starting", "starting…");
      policy.then(table => upload(file, ui, declaredType(file, table))).catch(error => refusal(error.status)
        ? ui.state("rejected", `refused: ${error.message}`)
        : ui.state("error", `not uploaded: ${error.message}`));
    }
  }

  // ---- Backend (same origin: the session cookie identifies the user) ----------------------------------------------

  async function backend(method, path, body) {
    const response = await fetch(path, {
      method,
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
      credentials: "same-origin",
    });
    const json = await response.json().catch(() => null);
    if (!response.ok) {
      // An RFC 9457 problem from the API or the backend: its detail is meant for people.
      const error = new Error(json?.detail ?? json?.title ?? `${response.status} ${response.statusText}`);
      error.status = response.status;
      throw error;
    }
    return json;
  }

  const newUrl = async (file, contentType) => backend("POST", "/backend/upload-url", {
    filename: file.name, contentType, sizeBytes: file.size,
    ...(sendSha256 ? { sha256: (await sha256Base64(file)) ?? undefined } : {}),
  });
  const renewUrl = blobPath => backend("POST", "/backend/upload-url", { blobPath });
  const status = blobPath => backend("GET", "/backend/upload-status?blobPath=" + encodeURIComponent(blobPath));

  // ---- Resume journal ---------------------------------------------------------------------------------------

  const journalKey = file => journalPrefix + JSON.stringify([file.name, file.size, file.lastModified, file.type]);
  const readJournal = file => { try { return JSON.parse(localStorage.getItem(journalKey(file))); } catch { return null; } };
  const writeJournal = (file, journal) => localStorage.setItem(journalKey(file), JSON.stringify(journal));
  const dropJournal = file => localStorage.removeItem(journalKey(file));

  // ---- Storage ----------------------------------------------------------------------------------------------

  // Block ids: base64 of "block-000000"..., all of one length as Put Block List requires.
  const blockId = index => btoa("block-" + String(index).padStart(6, "0"));

  function withQuery(url, query) {
    const u = new URL(url);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    return u.toString();
  }

  // One PUT to storage with upload progress; resolves on 201, rejects with .status (0: network or CORS failure).
  function put(url, body, headers, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", url);
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = e => onProgress?.(e.loaded);
      xhr.onload = () => {
        if (xhr.status === 201) { resolve(); return; }
        const code = /<Code>([^<]+)<\/Code>/.exec(xhr.responseText ?? "")?.[1];
        const error = new Error(`storage answered ${xhr.status}${code ? " " + code : ""}`);
        error.status = xhr.status;
        reject(error);
      };
      xhr.onerror = () => {
        const error = new Error("storage could not be reached or refused this origin (CORS)");
        error.status = 0;
        reject(error);
      };
      xhr.send(body);
    });
  }

  const transient = s => s === 0 || s === 408 || s === 429 || s >= 500;
  const sleep = ms => new Promise(r => setTimeout(r, ms));

  // Runs a storage call with the current URL: transient failures are retried (backoff with jitter); a 403 means
  // the URL expired, so it is renewed once through the backend (shared by every block in flight) and retried.
  async function withRetry(session, call) {
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      const url = session.url;
      try {
        return await call(url);
      } catch (error) {
        if (error.status === 403 && !renewed) {
          renewed = true;
          await session.renew(url);
          attempt--;
          continue;
        }
        if (!transient(error.status) || attempt >= attempts) throw error;
        await sleep(Math.random() * 250 * 2 ** attempt);
      }
    }
  }

  // ---- One file ---------------------------------------------------------------------------------------------

  async function upload(file, ui, contentType) {
    let journal = readJournal(file);
    let answer = null;
    let staged = new Set();
    if (journal) {
      try {
        answer = await renewUrl(journal.blobPath);
        // Storage's list (from the renewal) is the truth; the journal's own list only when the API gives none.
        const expected = i => Math.min(journal.blockSize, file.size - i * journal.blockSize);
        const sizes = new Map((answer.stagedBlocks ?? journal.staged.map(id => ({ id, sizeBytes: null }))).map(b => [b.id, b.sizeBytes]));
        for (let i = 0; i < Math.ceil(file.size / journal.blockSize); i++) {
          const size = sizes.get(blockId(i));
          if (size !== undefined && (size === null || size === expected(i))) staged.add(i);
        }
      } catch (error) {
        if (![404, 409, 410].includes(error.status)) throw error;
        journal = null; // nothing left to resume (nothing staged, finished, or too old): start again
        answer = null;
      }
    }
    if (!answer) {
      answer = await newUrl(file, contentType);
      journal = { blobPath: answer.blobPath, blockSize, staged: [] };
    }

    const size = journal.blockSize;
    const blocks = Math.max(1, Math.ceil(file.size / size));
    const session = {
      url: answer.uploadUrl,
      pending: null,
      async renew(expired) {
        if (this.url !== expired) return; // another block renewed it already
        this.pending ??= renewUrl(journal.blobPath).then(a => { this.url = a.uploadUrl; this.pending = null; });
        await this.pending;
      },
    };

    if (blocks === 1 && staged.size === 0) {
      // One request: Put Blob.
      ui.state("uploading", "uploading…");
      ui.begin(0);
      await withRetry(session, url => put(url, file, { "x-ms-blob-type": "BlockBlob", "content-type": contentType }, loaded => ui.progress(loaded, file.size)));
    } else {
      writeJournal(file, journal);
      const lengthOf = i => Math.min(size, file.size - i * size);
      let done = [...staged].reduce((sum, i) => sum + lengthOf(i), 0);
      const inFlight = new Map();
      const report = () => ui.progress(done + [...inFlight.values()].reduce((a, b) => a + b, 0), file.size);
      ui.state("uploading", staged.size ? `resuming: ${staged.size} of ${blocks} blocks already stored` : `uploading ${blocks} blocks…`);
      ui.begin(done);
      const missing = [];
      for (let i = 0; i < blocks; i++) if (!staged.has(i)) missing.push(i);

      async function worker() {
        for (let next = missing.shift(); next !== undefined; next = missing.shift()) {
          const index = next;
          const body = file.slice(index * size, index * size + lengthOf(index));
          await withRetry(session, url => {
            inFlight.set(index, 0);
            return put(withQuery(url, { comp: "block", blockid: blockId(index) }), body, {}, loaded => { inFlight.set(index, loaded); report(); });
          });
          inFlight.delete(index);
          done += lengthOf(index);
          staged.add(index);
          journal.staged = [...staged].sort((a, b) => a - b).map(blockId);
          writeJournal(file, journal);
          report();
        }
      }
      await Promise.all(Array.from({ length: Math.min(parallel, missing.length) }, worker));

      const xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>"
        + Array.from({ length: blocks }, (_, i) => `<Latest>${blockId(i)}</Latest>`).join("") + "</BlockList>";
      await withRetry(session, url => put(withQuery(url, { comp: "blocklist" }), xml, { "content-type": "application/xml", "x-ms-blob-content-type": contentType }));
      dropJournal(file);
    }

    ui.progress(file.size, file.size);
    ui.state("pending", "uploaded, checking…");
    for (let wait = 500; ; wait = Math.min(wait * 2, 5000)) {
      const verdict = await status(journal.blobPath);
      if (verdict.status === "verified") { ui.state("verified", `verified as ${verdict.detectedType ?? contentType}`); return; }
      if (verdict.status === "rejected") { ui.state("rejected", `refused: ${verdict.reason ?? "the check refused it"}`); return; }
      await sleep(wait);
    }
  }
})();
