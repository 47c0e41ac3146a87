// undersigned: checks, in the reader's browser, every endorsement and withdrawal listed on this
// page. Plain JavaScript and the browser's own WebCrypto (Ed25519, SHA-256, SHA-512): nothing is
// loaded from anywhere, everything needed is in the page (the JSON block "undersigned-data").
//
// For each record it rebuilds the payload the organization signed, exactly as undersigned's
// src/signed_data.rs does, rebuilds the bytes an SSHSIG signature covers (OpenSSH's
// PROTOCOL.sshsig: "SSHSIG", namespace, reserved, hash algorithm, H(payload)), checks that the
// signature was made by the key the ledger registered for the signer, in namespace
// "undersigned", and verifies it. Each version's text is hashed again, so the text shown is the
// text that was signed.
'use strict';

const Undersigned = (() => {
  const utf8 = new TextEncoder();
  const NAMESPACE = 'undersigned';
  const MAGIC = 'undersigned act v1';

  // The payload of an act record: src/signed_data.rs::act_payload, line for line.
  function actPayload(r) {
    let s = MAGIC + '\n';
    const line = (k, v) => { s += k + ': ' + v + '\n'; };
    line('act', r.act);
    line('ledger', r.ledger);
    line('statement', r.statement);
    if (r.version !== undefined && r.version !== null) line('version', String(r.version));
    if (r.text_sha256 !== undefined && r.text_sha256 !== null) line('text-sha256', r.text_sha256);
    for (const t of r.texts || []) line('text', t.lang + ' ' + t.text_sha256);
    if (r.org !== undefined && r.org !== null) line('org', r.org);
    if (r.person !== undefined && r.person !== null) line('person', r.person);
    line('signed-at', r.signed_at);
    if (r.reason !== undefined && r.reason !== null) line('reason', r.reason);
    line('provenance', r.provenance);
    if (r.evidence_sha256 !== undefined && r.evidence_sha256 !== null) line('evidence-sha256', r.evidence_sha256);
    line('signer', r.signer);
    return utf8.encode(s);
  }

  function hex(bytes) {
    return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function base64(s) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) throw new Error('not base64');
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  // RFC 4253 wire format: uint32 big-endian lengths before strings.
  class Reader {
    constructor(bytes) { this.b = bytes; this.at = 0; }
    bytes(n) {
      if (this.at + n > this.b.length) throw new Error('truncated');
      const out = this.b.subarray(this.at, this.at + n);
      this.at += n;
      return out;
    }
    u32() {
      const x = this.bytes(4);
      return ((x[0] << 24) >>> 0) + (x[1] << 16) + (x[2] << 8) + x[3];
    }
    string() { return this.bytes(this.u32()); }
    text() { return new TextDecoder('utf-8', { fatal: true }).decode(this.string()); }
    end() { if (this.at !== this.b.length) throw new Error('trailing data'); }
  }

  function sshString(bytes) {
    const out = new Uint8Array(4 + bytes.length);
    new DataView(out.buffer).setUint32(0, bytes.length);
    out.set(bytes, 4);
    return out;
  }

  function concat(parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }

  // An ed25519 public key blob: string "ssh-ed25519", string key (32 bytes).
  function ed25519Blob(blob) {
    const r = new Reader(blob);
    const type = r.text();
    const raw = r.string();
    r.end();
    if (type !== 'ssh-ed25519' || raw.length !== 32) throw new Error('not an ssh-ed25519 key');
    return raw;
  }

  // "ssh-ed25519 AAAA…" as the ledger registers keys.
  function parsePublicKey(line) {
    const parts = line.trim().split(/\s+/);
    if (parts[0] !== 'ssh-ed25519' || parts.length < 2) throw new Error('not an ssh-ed25519 key');
    const blob = base64(parts[1]);
    return { blob, raw: ed25519Blob(blob) };
  }

  // An armored SSHSIG (PROTOCOL.sshsig section 2).
  function parseSshsig(armored) {
    const m = /^-----BEGIN SSH SIGNATURE-----\n([A-Za-z0-9+/=\n]+)\n-----END SSH SIGNATURE-----\n?$/.exec(armored);
    if (!m) throw new Error('not an armored SSH signature');
    const r = new Reader(base64(m[1].replace(/\n/g, '')));
    if (new TextDecoder().decode(r.bytes(6)) !== 'SSHSIG') throw new Error('no SSHSIG magic');
    const version = r.u32();
    const publicKey = r.string();
    const namespace = r.text();
    const reserved = r.string();
    const hashAlg = r.text();
    const sigBlob = r.string();
    r.end();
    const s = new Reader(sigBlob);
    const sigType = s.text();
    const signature = s.string();
    s.end();
    return { version, publicKey, namespace, reserved, hashAlg, sigType, signature };
  }

  // The bytes an SSHSIG signature covers (PROTOCOL.sshsig section 3).
  function signedData(namespace, hashAlg, digest) {
    return concat([
      utf8.encode('SSHSIG'),
      sshString(utf8.encode(namespace)),
      sshString(new Uint8Array(0)),
      sshString(utf8.encode(hashAlg)),
      sshString(new Uint8Array(digest)),
    ]);
  }

  const HASHES = { sha512: 'SHA-512', sha256: 'SHA-256' };

  async function sha256Hex(text) {
    return hex(await crypto.subtle.digest('SHA-256', utf8.encode(text)));
  }

  // Checks one record against the page's data; resolves to { ok, why }.
  async function checkRecord(entry, kind, data, ctx) {
    const r = entry.record;
    const fail = (why) => ({ ok: false, why });
    if (r.ledger !== data.ledger.id) return fail('the record is for another ledger');
    if (r.statement !== data.statement) return fail('the record is for another statement');
    const kindOf = entry.kind || 'org';
    const id = kindOf === 'person' ? r.person : r.org;
    const other = kindOf === 'person' ? r.org : r.person;
    if (id !== entry.org || (other !== undefined && other !== null)) return fail('the record is for another signatory');
    if (kind === 'withdrawn') {
      if (r.act !== 'withdraw') return fail('the record is not a withdrawal');
    } else {
      if (r.act !== 'endorse') return fail('the record is not an endorsement');
      const v = data.versions[r.version - 1];
      if (!v || v.version !== r.version) return fail('the record names an unknown version');
      if (kind === 'signatory' && r.version !== data.current_version) return fail('the record endorses another version than the one shown');
      if (kind === 'stale' && !(r.version < data.current_version)) return fail('the record does not endorse an earlier version');
      if (r.text_sha256 !== v.text_sha256) return fail('the record endorses another text (its text-sha256 differs from version ' + r.version + ')');
      if (!ctx.textOk[r.version - 1]) return fail('the text of version ' + r.version + ' on this page does not match its sha256');
      // Every text of the version, each language with its hash, in the payload's order.
      const expected = v.lang ? [{ lang: v.lang, text_sha256: v.text_sha256 }].concat((v.translations || []).map((t) => ({ lang: t.lang, text_sha256: t.text_sha256 }))) : [];
      const texts = r.texts || [];
      if (texts.length !== expected.length || texts.some((t, i) => t.lang !== expected[i].lang || t.text_sha256 !== expected[i].text_sha256)) {
        return fail('the record does not sign every text of version ' + r.version + ' (' + expected.map((t) => t.lang).join(', ') + ')');
      }
    }
    if (r.provenance === 'signed') {
      if (r.signer !== kindOf + '/' + id) return fail('signed, but not by the signatory itself');
    } else if (r.provenance === 'attested') {
      if (!/^editor\//.test(r.signer) || !r.evidence_sha256) return fail('attested, but not by an editor with evidence');
    } else {
      return fail('unknown provenance');
    }
    const key = ctx.keys.get(r.key);
    if (!key) return fail('the signing key is not on this page');
    if (key.principal !== r.signer) return fail('the key is registered to ' + key.principal + ', not ' + r.signer);
    let sig;
    let registered;
    try {
      sig = parseSshsig(r.signature);
      registered = parsePublicKey(key.public_key);
    } catch (e) {
      return fail('malformed signature or key: ' + e.message);
    }
    if (sig.version !== 1) return fail('SSHSIG version ' + sig.version);
    if (sig.namespace !== NAMESPACE) return fail('signature namespace is "' + sig.namespace + '", not "undersigned"');
    if (sig.reserved.length !== 0) return fail('signature has a reserved field');
    if (!HASHES[sig.hashAlg]) return fail('signature hash algorithm is ' + sig.hashAlg);
    if (sig.sigType !== 'ssh-ed25519' || sig.signature.length !== 64) return fail('not an ssh-ed25519 signature');
    if (!equal(sig.publicKey, registered.blob)) return fail('the signature was made by another key than the registered one');
    const digest = await crypto.subtle.digest(HASHES[sig.hashAlg], actPayload(r));
    let cryptoKey = ctx.cryptoKeys.get(r.key);
    if (!cryptoKey) {
      cryptoKey = crypto.subtle.importKey('raw', registered.raw, { name: 'Ed25519' }, false, ['verify']);
      ctx.cryptoKeys.set(r.key, cryptoKey);
    }
    const ok = await crypto.subtle.verify({ name: 'Ed25519' }, await cryptoKey, sig.signature, signedData(sig.namespace, sig.hashAlg, digest));
    return ok ? { ok: true, why: '' } : fail('the signature does not match the record');
  }

  // ---- The transparency log: the checkpoint (C2SP signed note), its witnesses' cosignatures
  // (C2SP tlog-cosignature) and each entry's inclusion under its root (RFC 9162 2.1.3.2), as
  // undersigned's src/log/ does.

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  }

  // A signed note: the text up to the last blank line, then "— name base64" lines.
  function parseNote(note) {
    if (!note.endsWith('\n')) throw new Error('a note ends with a newline');
    const split = note.lastIndexOf('\n\n');
    if (split < 0) throw new Error('no blank line before the signatures');
    const text = note.slice(0, split + 1);
    const sigs = note.slice(split + 2).split('\n').filter((l) => l !== '').map((l) => {
      const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(l);
      if (!m) throw new Error('malformed signature line');
      const blob = base64(m[2]);
      return { name: m[1], id: blob.subarray(0, 4), bytes: blob.subarray(4) };
    });
    return { text, sigs };
  }

  // SHA-256(name || 0x0A || type || key)[:4]
  async function keyId(name, type, raw) {
    return (await sha256(concat([utf8.encode(name + '\n'), new Uint8Array([type]), raw]))).subarray(0, 4);
  }

  async function ed25519(raw, sig, msg) {
    const key = await crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
    return crypto.subtle.verify({ name: 'Ed25519' }, key, sig, msg);
  }

  // The checkpoint: this ledger's origin, the size and root the page states, the editor's
  // signature, and each witness's cosignature. Resolves to { ok, why, witnessed }.
  async function checkCheckpoint(log, data) {
    const fail = (why) => ({ ok: false, why, witnessed: 0 });
    const note = parseNote(log.checkpoint);
    const lines = note.text.split('\n');
    const origin = 'undersigned/' + data.ledger.id;
    if (lines.length !== 4 || lines[0] !== origin) return fail('the checkpoint is not of this ledger');
    if (lines[1] !== String(log.size) || lines[2] !== log.root) return fail('the checkpoint does not state the size and root shown');
    const editor = parsePublicKey(log.signer_key).raw;
    const id = await keyId(origin, 1, editor);
    const sig = note.sigs.find((s) => s.name === origin && equal(s.id, id));
    if (!sig || !(await ed25519(editor, sig.bytes, utf8.encode(note.text)))) return fail('the checkpoint is not signed by ' + log.signer + "'s registered key");
    let witnessed = 0;
    for (const w of log.witnesses) {
      const name = 'org/' + w.org;
      const raw = parsePublicKey(w.public_key).raw;
      const wid = await keyId(name, 4, raw);
      const c = note.sigs.find((s) => s.name === name && equal(s.id, wid));
      if (!c || c.bytes.length !== 72) return fail('no cosignature of ' + name + ' by its registered key');
      let time = 0n;
      for (const b of c.bytes.subarray(0, 8)) time = (time << 8n) | BigInt(b);
      if (String(time) !== String(w.time)) return fail('the cosignature of ' + name + ' states another time');
      const msg = utf8.encode('cosignature/v1\ntime ' + time + '\n' + note.text);
      if (!(await ed25519(raw, c.bytes.subarray(8), msg))) return fail('the cosignature of ' + name + ' does not verify');
      witnessed++;
    }
    return { ok: true, why: '', witnessed };
  }

  // The files a leaf encodes: "undersigned log leaf v1\n", then path\nlength\nbytes\n each.
  function leafFiles(leaf) {
    const magic = utf8.encode('undersigned log leaf v1\n');
    if (!equal(leaf.subarray(0, magic.length), magic)) throw new Error('not a leaf');
    const files = new Map();
    let at = magic.length;
    const line = () => {
      const end = leaf.indexOf(10, at);
      if (end < 0) throw new Error('truncated leaf');
      const s = new TextDecoder('utf-8', { fatal: true }).decode(leaf.subarray(at, end));
      at = end + 1;
      return s;
    };
    while (at < leaf.length) {
      const path = line();
      const n = Number(line());
      files.set(path, leaf.subarray(at, at + n));
      at += n + 1;
    }
    return files;
  }

  // The entry's record is in the leaf, and the leaf is at its index under the root.
  async function checkInclusion(entry, log) {
    const r = entry.receipt;
    const leaf = base64(r.leaf);
    const file = leafFiles(leaf).get(entry.path);
    if (!file) return 'the receipt is of another act';
    const rec = JSON.parse(new TextDecoder().decode(file));
    if (rec.signature !== entry.record.signature || rec.signed_at !== entry.record.signed_at) return 'the receipt is of another record';
    let h = await sha256(concat([new Uint8Array([0]), leaf]));
    let fn = r.index;
    let sn = log.size - 1;
    if (!(fn <= sn)) return 'the act is not in the checkpoint';
    for (const p64 of r.path) {
      const p = base64(p64);
      if (sn === 0) return 'the inclusion proof is too long';
      if (fn % 2 === 1 || fn === sn) {
        h = await sha256(concat([new Uint8Array([1]), p, h]));
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        h = await sha256(concat([new Uint8Array([1]), h, p]));
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    if (sn !== 0 || !equal(h, base64(log.root))) return 'the inclusion proof does not lead to the checkpoint\'s root';
    return '';
  }

  function setLogMark(id, ok, why) {
    const li = document.getElementById(id);
    const mark = li && li.querySelector('.logmark');
    if (!mark) return;
    mark.textContent = ok ? '✓' : '✗';
    mark.className = 'logmark ' + (ok ? 'ok' : 'bad');
    const label = ok ? 'inclusion in the checkpoint checked in your browser' : 'inclusion check FAILED: ' + why;
    mark.setAttribute('title', label);
    mark.setAttribute('aria-label', label);
    mark.removeAttribute('aria-hidden');
  }

  async function runLog(data, jobs) {
    const out = document.getElementById('log-summary');
    if (!data.log || !out) return;
    const say = (text, ok) => { out.textContent = text; out.className = 'log-summary ' + (ok ? 'ok' : 'bad'); };
    let cp;
    try {
      cp = await checkCheckpoint(data.log, data);
    } catch (e) {
      cp = { ok: false, why: 'error: ' + e.message };
    }
    let included = 0;
    let failed = 0;
    for (const [, id, e] of jobs) {
      if (!e.receipt) continue;
      let why;
      try {
        why = cp.ok ? await checkInclusion(e, data.log) : 'the checkpoint did not verify';
      } catch (err) {
        why = 'error: ' + err.message;
      }
      setLogMark(id, why === '', why);
      if (why === '') included++; else failed++;
    }
    out.dataset.checkpoint = cp.ok ? 'ok' : 'bad';
    out.dataset.included = String(included);
    out.dataset.failed = String(failed);
    if (!cp.ok) {
      say('✗ The checkpoint FAILED its check in your browser: ' + cp.why + '.', false);
    } else if (failed) {
      say('✗ The checkpoint verifies, but ' + failed + ' entr' + (failed === 1 ? 'y is' : 'ies are') + ' not shown to be in it.', false);
    } else {
      say('✓ Checked in your browser: checkpoint ' + data.log.seq + ' is signed by ' + data.log.signer + "'s registered key" + (cp.witnessed ? ' and cosigned by ' + cp.witnessed + ' witness' + (cp.witnessed === 1 ? '' : 'es') : '') + ', and ' + included + ' entr' + (included === 1 ? 'y is' : 'ies are') + ' in it (each one\'s receipt can be downloaded).', true);
    }
  }

  // RFC 8032 test 1: a browser that cannot verify this has no usable Ed25519.
  async function hasEd25519() {
    if (!globalThis.crypto || !crypto.subtle) return false;
    try {
      const key = await crypto.subtle.importKey('raw', fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'), { name: 'Ed25519' }, false, ['verify']);
      const sig = fromHex('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b');
      return await crypto.subtle.verify({ name: 'Ed25519' }, key, sig, new Uint8Array(0));
    } catch (e) {
      return false;
    }
  }

  function fromHex(h) {
    const out = new Uint8Array(h.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(2 * i, 2), 16);
    return out;
  }

  function setMark(id, ok, why) {
    const li = document.getElementById(id);
    if (!li) return;
    const mark = li.querySelector('.mark');
    if (!mark) return;
    mark.textContent = ok ? '✓' : '✗';
    mark.className = 'mark ' + (ok ? 'ok' : 'bad');
    const label = ok ? 'signature checked in your browser' : 'check FAILED: ' + why;
    mark.setAttribute('title', label);
    mark.setAttribute('aria-label', label);
    mark.removeAttribute('aria-hidden');
    li.classList.add(ok ? 'verified' : 'failed');
    if (!ok) {
      const p = document.createElement('p');
      p.className = 'why';
      p.textContent = 'Check failed: ' + why + '.';
      li.appendChild(p);
    }
  }

  const sleep = () => new Promise((resolve) => setTimeout(resolve, 0));

  async function run() {
    const block = document.getElementById('undersigned-data');
    const summary = document.getElementById('verify-summary');
    if (!block || !summary) return;
    const say = (text, state) => {
      summary.textContent = text;
      summary.parentElement.className = 'verify ' + state;
    };
    const started = performance.now();
    let data;
    try {
      data = JSON.parse(block.textContent);
    } catch (e) {
      say('✗ The data embedded in this page is damaged: nothing could be checked.', 'bad');
      return;
    }
    if (!(await hasEd25519())) {
      say('Your browser cannot check Ed25519 signatures (its WebCrypto has no Ed25519, or this page is not in a secure context). Nothing was checked here: check the ledger with the command line, as shown under "Verify the whole ledger".', 'unknown');
      return;
    }
    say('Checking signatures in your browser…', 'busy');
    // Each version's text, hashed again: the text shown is the text the hashes name.
    const textOk = [];
    // A version's translations count as its text: every endorsement signs them all.
    for (const v of data.versions) {
      let ok = (await sha256Hex(v.text)) === v.text_sha256;
      for (const t of v.translations || []) ok = ok && (await sha256Hex(t.text)) === t.text_sha256;
      textOk.push(ok);
    }
    const current = data.versions[data.current_version - 1];
    const shown = document.getElementById('text');
    // The text is shown on the first page of a long list only; elsewhere its hash is checked.
    let shownOk = !shown || (!!current && shown.textContent === current.text.replace(/\r\n?/g, '\n'));
    // Each translation shown beside the original is the one its hash names.
    for (const t of (current && current.translations) || []) {
      const el = document.getElementById('text-' + t.lang);
      if (el && el.textContent !== t.text.replace(/\r\n?/g, '\n')) shownOk = false;
    }
    const textMark = document.getElementById('text-check');
    const currentOk = !!current && textOk[data.current_version - 1] && shownOk;
    if (textMark) {
      textMark.textContent = currentOk
        ? '✓ recomputed in your browser: ' + (shown ? 'the text above' : 'the current text') + ' has this sha256'
        : '✗ MISMATCH: the text on this page does not have this sha256 (recomputed: ' + (current ? 'see below' : 'no text') + ')';
      textMark.className = 'text-check ' + (currentOk ? 'ok' : 'bad');
    }
    if (!currentOk && current && textMark) {
      sha256Hex(current.text).then((h) => {
        textMark.textContent = '✗ MISMATCH: the text on this page has sha256 ' + h + ', not the one the ledger records';
      });
    }
    const ctx = { textOk, keys: new Map(data.keys.map((k) => [k.fingerprint, k])), cryptoKeys: new Map() };
    const jobs = [];
    for (const e of data.signatories) jobs.push(['signatory', 'sig-' + e.n, e]);
    for (const e of data.individuals || []) jobs.push(['signatory', 'ind-' + e.n, e]);
    for (const e of data.stale) jobs.push(['stale', 'stale-' + e.n, e]);
    for (const e of data.withdrawn) jobs.push(['withdrawn', 'wd-' + e.n, e]);
    const failed = [];
    let done = 0;
    const CHUNK = 256;
    for (let i = 0; i < jobs.length; i += CHUNK) {
      const batch = jobs.slice(i, i + CHUNK);
      const results = await Promise.all(batch.map(([kind, , e]) =>
        checkRecord(e, kind, data, ctx).catch((err) => ({ ok: false, why: 'error: ' + err.message }))));
      results.forEach((res, j) => {
        const [, id, e] = batch[j];
        setMark(id, res.ok, res.why);
        if (!res.ok) failed.push({ id, name: e.name, why: res.why });
      });
      done += batch.length;
      if (done < jobs.length) {
        say('Checking signatures in your browser… ' + done + ' of ' + jobs.length, 'busy');
        await sleep();
      }
    }
    await runLog(data, jobs);
    const ms = Math.round(performance.now() - started);
    const total = jobs.length;
    const okCount = total - failed.length;
    summary.dataset.total = String(total);
    summary.dataset.ok = String(okCount);
    summary.dataset.failed = String(failed.length);
    summary.dataset.ms = String(ms);
    const where = data.part ? ' on this page (page ' + data.part.page + ' of ' + data.part.pages + ')' : '';
    if (failed.length === 0 && currentOk) {
      say('✓ ' + okCount + ' of ' + total + ' signatures' + where + ' checked in your browser: each one is valid and made by the key the ledger registered for its signer, over this exact text.', 'ok');
    } else {
      let text = '✗ ' + okCount + ' of ' + total + ' signatures' + where + ' checked in your browser are valid; ' + failed.length + ' FAILED';
      if (failed.length) text += ' (' + failed.slice(0, 5).map((f) => f.name).join('; ') + (failed.length > 5 ? '; …' : '') + ')';
      if (!currentOk) text += '; the text on this page does not match its sha256';
      say(text + '. Do not rely on this page: check the ledger with the command line.', 'bad');
    }
  }

  return { actPayload, parseSshsig, parsePublicKey, signedData, checkRecord, checkCheckpoint, checkInclusion, hasEd25519, hex, run };
})();

if (typeof document !== 'undefined' && document.getElementById('undersigned-data')) {
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', () => Undersigned.run());
  } else {
    Undersigned.run();
  }
}
