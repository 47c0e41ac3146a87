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

  return { actPayload, parseSshsig, parsePublicKey, signedData, checkRecord, hasEd25519, hex, run };
})();

if (typeof document !== 'undefined' && document.getElementById('undersigned-data')) {
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', () => Undersigned.run());
  } else {
    Undersigned.run();
  }
}
