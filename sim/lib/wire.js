'use strict';
/*
 * wire.js: how a record travels.
 *
 *   httpRequest(rec, target)  the raw HTTP/1.1 request the real client
 *                             (libcurl) sends, as a Buffer: v2 (fields as
 *                             lowercase headers, payload as the body) or
 *                             v3 (one JSON object), with the exact header
 *                             order, CRLF line ends and Content-Length of
 *                             the captures in tests/corpus/requests/.
 *   sqlFields(rec)            the JSON object the gateway would pass to
 *                             telemetrics_api.ingest(): the fields as
 *                             received in that format (v3 values cut).
 *   sqlBatch(recs, opts)      one "SELECT ... ingest_batch(...)" statement.
 *
 * The v3 quirk: the client's JSON encoder does strtok(line, ":") then
 * strtok(NULL, " "), so every field value is cut at its first space; the
 * payload is not.  Quotes in build and system_name are kept in both
 * formats.  JSON.stringify produces what json-c does with
 * JSON_C_TO_STRING_PLAIN | NOSLASHESCAPE for these strings: no
 * whitespace, "/" not escaped, control characters as \n \t or \u00XX.
 */

/* strtok(NULL, " ") on the text after the first ':' of "name: value". */
function v3Cut(value) {
  let i = 0;
  while (i < value.length && value[i] === ' ') i++;
  const j = value.indexOf(' ', i);
  return j < 0 ? value.slice(i) : value.slice(i, j);
}

/* The v3 JSON body: fields in the client's order, then payload. */
function v3Body(rec) {
  const obj = {};
  for (const [name, value] of rec.fields) obj[name] = v3Cut(value);
  obj.payload = rec.payload;
  return JSON.stringify(obj);
}

/*
 * target: {hostHeader, basePath} as made by parseUrl().  basePath ends in
 * "/".  The v2 client's default path is /v2/collector; some are
 * configured to post to the server root.
 */
function requestPath(rec, target) {
  if (rec.format === 'v3') return `${target.basePath}v3/collector`;
  return rec.path === 'root' ? target.basePath : `${target.basePath}v2/collector`;
}

/* The raw request bytes. */
function httpRequest(rec, target) {
  let head = `POST ${requestPath(rec, target)} HTTP/1.1\r\nHost: ${target.hostHeader}\r\nAccept: */*\r\n`;
  let body;
  let type;
  if (rec.format === 'v3') {
    body = Buffer.from(v3Body(rec), 'utf8');
    type = 'application/json';
  } else {
    for (const [name, value] of rec.fields) head += `${name}: ${value}\r\n`;
    body = Buffer.from(rec.payload, 'utf8');
    type = 'application/text';
  }
  if (rec.tid !== null) head += `X-Telemetry-TID: ${rec.tid}\r\n`;
  if (rec.external) head += 'X-CLR-External: true\r\n';
  head += `Content-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'utf8'), body]);
}

/* parse --url: {host (to connect to), port, hostHeader, basePath}. */
function parseUrl(url) {
  let u;
  try {
    u = new URL(url);
  } catch (e) {
    throw new Error(`invalid --url ${JSON.stringify(url)}`);
  }
  if (u.protocol !== 'http:') throw new Error(`--url must be http:// (got ${u.protocol}); put TLS in front with a proxy`);
  let base = u.pathname;
  base = base.replace(/\/(v2|v3)\/collector\/?$/, '/');
  if (!base.endsWith('/')) base += '/';
  const port = u.port ? Number(u.port) : 80;
  let host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  /* Node 18 may resolve localhost to ::1 first; the gateway listens on 127.0.0.1 */
  if (host === 'localhost') host = '127.0.0.1';
  return { host, port, hostHeader: u.port ? `${u.hostname}:${u.port}` : u.hostname, basePath: base };
}

/* ------------------------------------------------------------------ */
/* SQL                                                                  */

/* The fields object as the gateway would hand it to the extension. */
function sqlFields(rec) {
  const obj = {};
  const cut = rec.format === 'v3';
  for (const [name, value] of rec.fields) obj[name] = cut ? v3Cut(value) : value;
  if (rec.external) obj.x_clr_external = 'true';
  return obj;
}

/* A SQL string literal (standard_conforming_strings = on). */
function sqlString(s) {
  return s.includes("'") ? `'${s.replaceAll("'", "''")}'` : `'${s}'`;
}

/*
 * A bytea literal in escape format: printable ASCII as is (backslash
 * doubled, quote doubled for SQL), everything else as \ooo.  About 5%
 * larger than the payload, against 100% for hex.  Fast path: a payload
 * whose only special character is "\n" (nearly all of them).
 */
const BYTEA_SPECIAL = /[\x00-\x09\x0b-\x1f\x7f-\uffff\\']/;

function byteaLiteral(str) {
  if (!BYTEA_SPECIAL.test(str)) return `'${str.replaceAll('\n', '\\012')}'`;
  const b = Buffer.from(str, 'utf8');
  let out = "'";
  let from = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c >= 0x20 && c < 0x7f && c !== 0x5c && c !== 0x27) continue;
    out += b.toString('latin1', from, i);
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x27) out += "''";
    else out += `\\${c.toString(8).padStart(3, '0')}`;
    from = i + 1;
  }
  out += b.toString('latin1', from, b.length);
  return `${out}'`;
}

/*
 * One statement for a batch of records.  opts.outcomes: select one row
 * per record (seq, outcome, sqlstate) instead of the count, for checking.
 */
function sqlBatch(recs, opts) {
  const fields = [];
  const payloads = [];
  let sameTid = true;
  for (const r of recs) {
    fields.push(sqlString(JSON.stringify(sqlFields(r))));
    payloads.push(byteaLiteral(r.payload));
    if (r.tid !== recs[0].tid) sameTid = false;
  }
  const tidLit = (t) => (t === null ? 'NULL' : sqlString(t));
  const tids = sameTid ? tidLit(recs[0].tid) : recs.map((r) => tidLit(r.tid)).join(',');
  const call = `telemetrics_api.ingest_batch(ARRAY[${fields.join(',')}]::jsonb[], ` +
    `ARRAY[${payloads.join(',')}]::bytea[], ARRAY[${tids}]::text[])`;
  if (opts && opts.outcomes) {
    return `SELECT ${recs[0].seq - 1} + ord AS seq, outcome, coalesce(sqlstate, '') AS sqlstate FROM ${call} ORDER BY ord;\n`;
  }
  return `SELECT count(*) FROM ${call};\n`;
}

module.exports = { v3Cut, v3Body, httpRequest, requestPath, parseUrl, sqlFields, sqlString, byteaLiteral, sqlBatch };
