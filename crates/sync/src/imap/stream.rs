//! One stream type for both encrypted and (explicitly chosen) plain connections, so the rest
//! of the engine has a single `Session` type.
//!
//! Writes are buffered until flush: async-imap writes a command in four pieces (tag, space,
//! text, CRLF) and flushes after each command, so without a buffer every command costs four
//! TLS records and four TCP segments.
//!
//! After `COMPRESS DEFLATE` (RFC 4978) both directions are raw deflate streams: [`Deflate`]
//! inflates what is read, below async-imap's parser and above TLS, and sends what is flushed
//! as deflate's stored blocks (every command leaves whole at its flush). What the client sends
//! is a few short commands; the server's answers are what compression is for. A compressor
//! would keep some 260 KiB of tables per connection, every connection's life long (the app's
//! idle connections too), to shorten commands of tens of bytes; stored blocks need none, and
//! are deflate that every server inflates.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use flate2::{Decompress, FlushDecompress, Status};
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

/// Both directions of an RFC 4978 session: raw deflate (no zlib header), one inflate context
/// for the whole connection, stored blocks the other way.
pub struct Deflate {
    decompress: Decompress,
    /// Bytes sent, in deflate's framing.
    sent: u64,
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
        f.debug_struct("Deflate").field("in", &self.decompress.total_in()).field("out", &self.sent).finish()
    }
}

impl Deflate {
    fn new() -> Deflate {
        Deflate { decompress: Decompress::new(false), sent: 0, zout: Vec::new(), zin: Vec::new(), zpos: 0, eof: false }
    }

    /// Frames `plain` into `zout` as stored blocks (RFC 1951 §3.2.4): each a header byte
    /// (not the final block, type 00, padded to the byte's end), the length and its
    /// complement (16-bit little-endian), then up to 65535 bytes as they are. Each block ends
    /// on a byte boundary, so the peer can inflate everything sent so far, as after a sync
    /// flush; the stream never ends (no final block), as RFC 4978 wants.
    fn deflate(&mut self, plain: &[u8]) {
        let before = self.zout.len();
        for block in plain.chunks(usize::from(u16::MAX)) {
            let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
            self.zout.push(0);
            self.zout.extend_from_slice(&len.to_le_bytes());
            self.zout.extend_from_slice(&(!len).to_le_bytes());
            self.zout.extend_from_slice(block);
        }
        self.sent += (self.zout.len() - before) as u64;
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
            z.deflate(&self.wbuf);
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
    use flate2::{Compress, Compression, FlushCompress};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// The peer's side of RFC 4978, done with flate2 directly.
    fn peer_deflate(c: &mut Compress, plain: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(plain.len() + 1024);
        c.compress_vec(plain, &mut out, FlushCompress::Sync).expect("deflate");
        out
    }

    /// A client stream on loopback, COMPRESS started, and the server's end of it (plain TCP).
    async fn deflating_pair() -> (ImapStream, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (client, server) = tokio::join!(TcpStream::connect(addr), listener.accept());
        let mut client = ImapStream::plain(client.expect("connect"));
        client.start_deflate();
        (client, server.expect("accept").0)
    }

    #[tokio::test]
    async fn both_directions_are_raw_deflate_after_start() {
        let (mut client, mut server) = deflating_pair().await;
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

    /// What the client sends is deflate any inflater reads, flush by flush: short commands, an
    /// empty flush, and a write longer than one stored block can hold.
    #[tokio::test]
    async fn what_the_client_sends_inflates_at_each_flush() {
        let (mut client, mut server) = deflating_pair().await;
        let mut d = Decompress::new(false);
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let sends: [&[u8]; 4] = [b"a1 IDLE\r\n", b"", b"DONE\r\n", &big];
        let mut buf = vec![0u8; 1 << 20];
        for sent in sends {
            client.write_all(sent).await.expect("write");
            client.flush().await.expect("flush");
            // Read until all of it inflates: a flush leaves nothing behind in the client.
            let mut plain = Vec::with_capacity(sent.len() + 1);
            while plain.len() < sent.len() {
                let n = server.read(&mut buf).await.expect("read");
                assert!(n > 0, "the client closed");
                let before = d.total_in();
                let mut input = &buf[..n];
                while !input.is_empty() {
                    plain.reserve(64 * 1024);
                    let used_before = d.total_in();
                    d.decompress_vec(input, &mut plain, FlushDecompress::Sync).expect("inflate");
                    input = &input[(d.total_in() - used_before) as usize..];
                }
                assert_eq!(d.total_in() - before, n as u64, "every byte is inflated");
            }
            assert!(plain == sent, "{} bytes sent, {} inflated", sent.len(), plain.len());
        }
        // Stored blocks: 5 bytes of framing per write of up to 65535 bytes, none for an empty one.
        assert_eq!(d.total_in(), (9 + 5) + (6 + 5) + (big.len() as u64 + 4 * 5));
    }

    #[tokio::test]
    async fn corrupt_compressed_data_is_an_error() {
        let (mut client, mut server) = deflating_pair().await;
        server.write_all(b"\xff\xff\xff\xff not deflate at all").await.expect("write");
        let mut buf = [0u8; 64];
        let err = client.read(&mut buf).await.expect_err("corrupt");
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }
}
