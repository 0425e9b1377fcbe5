// The browser upload page: plain JavaScript, no build step, no third-party code.
//
// For each file: ask this site's backend for an upload URL (the backend holds the API key and calls the upload
// API; the page never sees the key), send the file straight to storage with that URL, then poll the backend for
// the verdict. A file larger than one block is sent as blocks (Put Block, several in flight) and committed with
// Put Block List; the blob path and the staged block ids are kept in localStorage, so picking the same file again
// after a reload renews the URL through the backend and sends only the blocks storage does not already hold.
//
// Options in the query string: ?blockSize=BYTES (default 8 MiB) &parallel=N (default 4).
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

  // ---- UI ---------------------------------------------------------------------------------------------------

  function row(file) {
    const item = document.createElement("li");
    item.dataset.name = file.name;
    item.innerHTML = "<div><strong></strong> <span class=\"state\"></span></div><progress max=\"1\" value=\"0\"></progress>";
    item.querySelector("strong").textContent = file.name;
    list.append(item);
    return {
      progress(loaded, total) {
        item.querySelector("progress").value = total === 0 ? 1 : loaded / total;
        document.dispatchEvent(new CustomEvent("upload-progress", { detail: { name: file.name, loaded, total } }));
      },
      state(state, text) {
        const label = item.querySelector(".state");
        item.dataset.state = state;
        label.className = "state " + state;
        label.textContent = text;
        document.dispatchEvent(new CustomEvent("upload-state", { detail: { name: file.name, state, text } }));
      },
    };
  }

  const drop = document.getElementById("drop");
  drop.addEventListener("dragover", e => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", e => {
    e.preventDefault();
    drop.classList.remove("over");
    startAll(e.dataTransfer.files);
  });
  document.getElementById("picker").addEventListener("change", e => {
    startAll(e.target.files);
    e.target.value = "";
  });

  function startAll(files) {
    for (const file of files) {
      const ui = row(file);
      upload(file, ui).catch(error => ui.state("error", error.message));
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

  const newUrl = file => backend("POST", "/backend/upload-url", { filename: file.name, contentType: file.type, sizeBytes: file.size });
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

  async function upload(file, ui) {
    ui.state("starting", "starting…");
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
      answer = await newUrl(file);
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
      await withRetry(session, url => put(url, file, { "x-ms-blob-type": "BlockBlob", "content-type": file.type }, loaded => ui.progress(loaded, file.size)));
    } else {
      writeJournal(file, journal);
      const lengthOf = i => Math.min(size, file.size - i * size);
      let done = [...staged].reduce((sum, i) => sum + lengthOf(i), 0);
      const inFlight = new Map();
      const report = () => ui.progress(done + [...inFlight.values()].reduce((a, b) => a + b, 0), file.size);
      ui.state("uploading", staged.size ? `resuming: ${staged.size} of ${blocks} blocks already stored` : `uploading ${blocks} blocks…`);
      report();
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
      await withRetry(session, url => put(withQuery(url, { comp: "blocklist" }), xml, { "content-type": "application/xml", "x-ms-blob-content-type": file.type }));
      dropJournal(file);
    }

    ui.progress(file.size, file.size);
    ui.state("pending", "uploaded, checking…");
    for (let wait = 500; ; wait = Math.min(wait * 2, 5000)) {
      const verdict = await status(journal.blobPath);
      if (verdict.status === "verified") { ui.state("verified", `verified (${verdict.detectedType ?? file.type})`); return; }
      if (verdict.status === "rejected") { ui.state("rejected", `rejected: ${verdict.reason ?? "refused by verification"}`); return; }
      await sleep(wait);
    }
  }
})();
