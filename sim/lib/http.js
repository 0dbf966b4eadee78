'use strict';
/*
 * http.js: a minimal HTTP/1.1 client over a raw TCP socket.
 *
 * Node's http module adds its own headers (Connection, ...) and reorders
 * nothing we could control, so requests are written byte for byte as
 * wire.js built them, and the response is parsed here: the status line,
 * the headers, and a body framed by Content-Length, chunked encoding or
 * the end of the connection.
 *
 * Like the real client (one curl easy handle per record) a Conn is used
 * for one request and closed, unless keepAlive is set, in which case it
 * is reused while the server keeps it open.  A reused connection that the
 * server closed before answering is retried once on a fresh one (the
 * request cannot have been processed if no byte of a response came back
 * and the connection was idle).
 */

const net = require('net');

class HttpError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/* Parse a response in buf; null when it is not complete yet. */
function parseResponse(buf, ended) {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) {
    if (ended) throw new HttpError('EBADRESPONSE', 'connection closed before the response headers');
    return null;
  }
  const head = buf.subarray(0, headEnd).toString('latin1');
  const lines = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
  if (!m) throw new HttpError('EBADRESPONSE', `bad status line ${JSON.stringify(lines[0].slice(0, 80))}`);
  const status = Number(m[1]);
  const headers = {};
  for (let i = 1; i < lines.length; i++) {
    const c = lines[i].indexOf(':');
    if (c > 0) headers[lines[i].slice(0, c).trim().toLowerCase()] = lines[i].slice(c + 1).trim();
  }
  const start = headEnd + 4;
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
    return { status, headers, body: Buffer.alloc(0), used: start };
  }
  if (/chunked/i.test(headers['transfer-encoding'] || '')) {
    const parts = [];
    let pos = start;
    for (;;) {
      const eol = buf.indexOf('\r\n', pos);
      if (eol < 0) break;
      const size = parseInt(buf.subarray(pos, eol).toString('latin1'), 16);
      if (Number.isNaN(size)) throw new HttpError('EBADRESPONSE', 'bad chunk size');
      if (size === 0) {
        /* "0\r\n", optional trailers, then an empty line */
        const end = buf.indexOf('\r\n\r\n', eol);
        if (end < 0) break;
        return { status, headers, body: Buffer.concat(parts), used: end + 4 };
      }
      if (buf.length < eol + 2 + size + 2) break;
      parts.push(buf.subarray(eol + 2, eol + 2 + size));
      pos = eol + 2 + size + 2;
    }
    if (ended) throw new HttpError('EBADRESPONSE', 'connection closed inside a chunked body');
    return null;
  }
  if (headers['content-length'] !== undefined) {
    const len = Number(headers['content-length']);
    if (!(len >= 0)) throw new HttpError('EBADRESPONSE', 'bad Content-Length');
    if (buf.length >= start + len) return { status, headers, body: buf.subarray(start, start + len), used: start + len };
    if (ended) throw new HttpError('EBADRESPONSE', 'connection closed inside the body');
    return null;
  }
  if (ended) return { status, headers, body: buf.subarray(start), used: buf.length, closeDelimited: true };
  return null;
}

/*
 * One connection to host:port.  send(buf) resolves to {status, headers,
 * body, ms} or rejects with an HttpError whose code is a socket error code
 * (ECONNREFUSED, ECONNRESET, ...) or ETIMEDOUT / EBADRESPONSE.
 */
class Conn {
  constructor(host, port, opts) {
    this.host = host;
    this.port = port;
    this.keepAlive = !!opts.keepAlive;
    this.connectTimeout = opts.connectTimeout || 5000;
    this.timeout = opts.timeout || 10000;
    this.sock = null;
    this.used = false;
  }

  close() {
    if (this.sock) {
      this.sock.destroy();
      this.sock = null;
    }
  }

  async send(buf) {
    const reused = this.sock !== null;
    try {
      return await this.sendOnce(buf);
    } catch (e) {
      if (reused && e.noResponse) {
        this.close();
        return this.sendOnce(buf);
      }
      throw e;
    }
  }

  sendOnce(buf) {
    return new Promise((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      let sock = this.sock;
      const fresh = sock === null;
      if (fresh) {
        sock = net.connect({ host: this.host, port: this.port });
        sock.setNoDelay(true);
        this.sock = sock;
        /* an idle kept-alive socket may fail or close between requests */
        const own = sock;
        own.on('error', () => {});
        own.on('close', () => {
          if (this.sock === own) this.sock = null;
        });
      }
      let chunks = [];
      let size = 0;
      let done = false;
      let gotBytes = false;
      const finish = (err, res) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearTimeout(ctimer);
        sock.removeListener('data', onData);
        sock.removeListener('end', onEnd);
        sock.removeListener('error', onError);
        sock.removeListener('close', onClose);
        sock.removeListener('connect', onConnect);
        if (err) {
          this.close();
          reject(err);
          return;
        }
        const keep = this.keepAlive && !res.closeDelimited &&
          !/close/i.test(res.headers.connection || '') && res.used === size;
        if (!keep) this.close();
        res.ms = Number(process.hrtime.bigint() - t0) / 1e6;
        resolve(res);
      };
      const onData = (d) => {
        gotBytes = true;
        chunks.push(d);
        size += d.length;
        let buffer = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        chunks = [buffer];
        try {
          const res = parseResponse(buffer, false);
          if (res) finish(null, res);
        } catch (e) {
          finish(e);
        }
      };
      const onEnd = () => {
        const buffer = Buffer.concat(chunks);
        if (!gotBytes) {
          const e = new HttpError('ECONNRESET', 'the server closed the connection without answering');
          e.noResponse = true;
          finish(e);
          return;
        }
        try {
          finish(null, parseResponse(buffer, true));
        } catch (e) {
          finish(e);
        }
      };
      const onClose = () => onEnd();
      const onError = (e) => {
        /* a server may answer early (413) and reset the connection while
           the body is still being written: keep the answer if it is whole */
        if (gotBytes) {
          try {
            const res = parseResponse(Buffer.concat(chunks), false);
            if (res) {
              finish(null, res);
              return;
            }
          } catch (ignored) {
            /* fall through to the transport error */
          }
        }
        const err = new HttpError(e.code || 'EIO', e.message);
        err.noResponse = !gotBytes;
        finish(err);
      };
      const onConnect = () => clearTimeout(ctimer);
      const timer = setTimeout(() => finish(new HttpError('ETIMEDOUT', `no complete response within ${this.timeout} ms`)), this.timeout);
      const ctimer = fresh
        ? setTimeout(() => finish(new HttpError('ETIMEDOUT', `could not connect within ${this.connectTimeout} ms`)), this.connectTimeout)
        : null;
      sock.on('data', onData);
      sock.on('end', onEnd);
      sock.on('close', onClose);
      sock.on('error', onError);
      if (fresh) sock.on('connect', onConnect);
      sock.write(buf);
    });
  }
}

module.exports = { Conn, HttpError, parseResponse };
