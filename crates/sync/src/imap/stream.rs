//! One stream type for both encrypted and (explicitly chosen) plain connections, so the rest
//! of the engine has a single `Session` type.
//!
//! Writes are buffered until flush: async-imap writes a command in four pieces (tag, space,
//! text, CRLF) and flushes after each command, so without a buffer every command costs four
//! TLS records and four TCP segments.
//!
//! After `COMPRESS DEFLATE` (RFC 4978) both directions are raw deflate streams: [`Deflate`]
//! compresses what is flushed (a sync flush per flush, so every command leaves at once) and
//! inflates what is read, below async-imap's parser and above TLS.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_native_tls::TlsStream;

/// Above this many buffered bytes a write drains the buffer first.
const MAX_BUFFERED: usize = 64 * 1024;

#[derive(Debug)]
enum Inner {
    Tls(Box<TlsStream<TcpStream>>),
    Plain(TcpStream),
}

#[derive(Debug)]
pub struct ImapStream {
    inner: Inner,
    wbuf: Vec<u8>,
    /// The deflate layer once COMPRESS DEFLATE is in force.
    deflate: Option<Box<Deflate>>,
}

/// Bytes read from the connection at a time while inflating.
const ZREAD: usize = 16 * 1024;

/// Both directions of an RFC 4978 session: raw deflate (no zlib header), one context each way
/// for the whole connection.
pub struct Deflate {
    compress: Compress,
    decompress: Decompress,
    /// Compressed bytes not yet written to the connection.
    zout: Vec<u8>,
    /// Compressed bytes read but not yet inflated: `zin[zpos..]`.
    zin: Vec<u8>,
    zpos: usize,
    /// The connection reached its end.
    eof: bool,
}

impl std::fmt::Debug for Deflate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deflate").field("in", &self.decompress.total_in()).field("out", &self.compress.total_out()).finish()
    }
}

impl Deflate {
    fn new() -> Deflate {
        // Level 1: IMAP commands are short and the answers compress well at any level; the
        // CPU of a higher level would be spent on the client's every command for nothing.
        Deflate {
            compress: Compress::new(Compression::fast(), false),
            decompress: Decompress::new(false),
            zout: Vec::new(),
            zin: Vec::new(),
            zpos: 0,
            eof: false,
        }
    }

    /// Compresses `plain` into `zout`, ending with a sync flush so that the peer can inflate
    /// everything sent so far.
    fn deflate(&mut self, plain: &[u8]) -> io::Result<()> {
        let mut input = plain;
        loop {
            self.zout.reserve(input.len() / 2 + 64);
            let before = self.compress.total_in();
            let out_before = self.zout.len();
            self.compress.compress_vec(input, &mut self.zout, FlushCompress::Sync).map_err(io::Error::other)?;
            let used = (self.compress.total_in() - before) as usize;
            input = &input[used..];
            // Done when all input went in and the flush fitted (output space was left over).
            if input.is_empty() && self.zout.len() < self.zout.capacity() {
                return Ok(());
            }
            if used == 0 && self.zout.len() == out_before && self.zout.len() < self.zout.capacity() {
                return Err(io::Error::other("deflate made no progress"));
            }
        }
    }

    /// Inflates buffered input into `out`; returns how many bytes it produced (0: it needs
    /// more input).
    fn inflate(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let input = &self.zin[self.zpos..];
        let (in0, out0) = (self.decompress.total_in(), self.decompress.total_out());
        let status = self
            .decompress
            .decompress(input, out, FlushDecompress::Sync)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("the server's compressed data is corrupt: {e}")))?;
        self.zpos += (self.decompress.total_in() - in0) as usize;
        if self.zpos == self.zin.len() {
            self.zin.clear();
            self.zpos = 0;
        }
        let produced = (self.decompress.total_out() - out0) as usize;
        if status == Status::StreamEnd && produced == 0 {
            // A final block from the server: nothing more can follow on this stream.
            self.eof = true;
        }
        Ok(produced)
    }
}

impl ImapStream {
    pub fn tls(s: TlsStream<TcpStream>) -> ImapStream {
        ImapStream { inner: Inner::Tls(Box::new(s)), wbuf: Vec::new(), deflate: None }
    }

    pub fn plain(s: TcpStream) -> ImapStream {
        ImapStream { inner: Inner::Plain(s), wbuf: Vec::new(), deflate: None }
    }

    /// From now on both directions are deflated (after the server's OK to COMPRESS DEFLATE,
    /// with nothing written since).
    pub fn start_deflate(&mut self) {
        if self.deflate.is_none() {
            self.deflate = Some(Box::new(Deflate::new()));
        }
    }

    pub fn is_compressed(&self) -> bool {
        self.deflate.is_some()
    }

    fn inner_pin(&mut self) -> Pin<&mut (dyn AsyncWriteRead + Unpin)> {
        match &mut self.inner {
            Inner::Tls(s) => Pin::new(s.as_mut()),
            Inner::Plain(s) => Pin::new(s),
        }
    }

    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(mut z) = self.deflate.take() {
            let r = self.poll_drain_deflated(cx, &mut z);
            self.deflate = Some(z);
            return r;
        }
        while !self.wbuf.is_empty() {
            let buf = std::mem::take(&mut self.wbuf);
            let r = self.inner_pin().poll_write(cx, &buf);
            self.wbuf = buf;
            let n = ready!(r)?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.wbuf.drain(..n);
        }
        Poll::Ready(Ok(()))
    }

    /// The buffered plain bytes go through the compressor, then out.
    fn poll_drain_deflated(&mut self, cx: &mut Context<'_>, z: &mut Deflate) -> Poll<io::Result<()>> {
        if !self.wbuf.is_empty() {
            z.deflate(&self.wbuf)?;
            self.wbuf.clear();
        }
        while !z.zout.is_empty() {
            let n = ready!(self.inner_pin().poll_write(cx, &z.zout))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            z.zout.drain(..n);
        }
        Poll::Ready(Ok(()))
    }

    /// Reads compressed bytes and inflates them into `buf`.
    fn poll_read_deflated(&mut self, cx: &mut Context<'_>, z: &mut Deflate, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        loop {
            if buf.remaining() == 0 {
                return Poll::Ready(Ok(()));
            }
            let n = z.inflate(buf.initialize_unfilled())?;
            if n > 0 {
                buf.advance(n);
                return Poll::Ready(Ok(()));
            }
            if z.eof {
                return Poll::Ready(Ok(()));
            }
            // The inflater needs more input.
            let mut chunk = [0u8; ZREAD];
            let mut rb = ReadBuf::new(&mut chunk);
            ready!(self.inner_pin().poll_read(cx, &mut rb))?;
            if rb.filled().is_empty() {
                z.eof = true;
                return Poll::Ready(Ok(()));
            }
            z.zin.extend_from_slice(rb.filled());
        }
    }
}

trait AsyncWriteRead: AsyncRead + AsyncWrite {}
impl<T: AsyncRead + AsyncWrite> AsyncWriteRead for T {}

impl AsyncRead for ImapStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match this.deflate.take() {
            Some(mut z) => {
                let r = this.poll_read_deflated(cx, &mut z, buf);
                this.deflate = Some(z);
                r
            }
            None => this.inner_pin().poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for ImapStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.wbuf.len() >= MAX_BUFFERED {
            ready!(this.poll_drain(cx))?;
        }
        this.wbuf.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        this.inner_pin().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        this.inner_pin().poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// The peer's side of RFC 4978, done with flate2 directly.
    fn peer_deflate(c: &mut Compress, plain: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(plain.len() + 1024);
        c.compress_vec(plain, &mut out, FlushCompress::Sync).expect("deflate");
        out
    }

    #[tokio::test]
    async fn both_directions_are_raw_deflate_after_start() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (client, server) = tokio::join!(TcpStream::connect(addr), listener.accept());
        let mut client = ImapStream::plain(client.expect("connect"));
        let (mut server, _) = server.expect("accept");
        client.start_deflate();
        assert!(client.is_compressed());

        // Client to server: each flush is inflatable on its own (sync flush).
        client.write_all(b"a1 NOOP\r\n").await.expect("write");
        client.flush().await.expect("flush");
        let mut buf = vec![0u8; 4096];
        let n = server.read(&mut buf).await.expect("read");
        let mut d = Decompress::new(false);
        let mut plain = Vec::with_capacity(4096);
        d.decompress_vec(&buf[..n], &mut plain, FlushDecompress::Sync).expect("inflate");
        assert_eq!(plain, b"a1 NOOP\r\n");

        // Server to client: a large answer in pieces, read back whole.
        let mut c = Compress::new(Compression::default(), false);
        let big: Vec<u8> = (0..300_000u32).flat_map(|i| format!("* {i} EXISTS\r\n").into_bytes()).collect();
        let wire = peer_deflate(&mut c, &big);
        assert!(wire.len() * 4 < big.len(), "it compresses: {} -> {}", big.len(), wire.len());
        let writer = tokio::spawn(async move {
            for piece in wire.chunks(1000) {
                server.write_all(piece).await.expect("server write");
            }
            server
        });
        let mut got = vec![0u8; big.len()];
        client.read_exact(&mut got).await.expect("read back");
        assert!(got == big, "the answer comes back intact");
        drop(writer.await.expect("writer"));
        // The server closed: end of stream, not an error.
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).await.expect("eof");
        assert!(rest.is_empty());
    }

    #[tokio::test]
    async fn corrupt_compressed_data_is_an_error() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (client, server) = tokio::join!(TcpStream::connect(addr), listener.accept());
        let mut client = ImapStream::plain(client.expect("connect"));
        let (mut server, _) = server.expect("accept");
        client.start_deflate();
        server.write_all(b"\xff\xff\xff\xff not deflate at all").await.expect("write");
        let mut buf = [0u8; 64];
        let err = client.read(&mut buf).await.expect_err("corrupt");
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }
}
