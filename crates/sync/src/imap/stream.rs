//! One stream type for both encrypted and (explicitly chosen) plain connections, so the rest
//! of the engine has a single `Session` type.
//!
//! Writes are buffered until flush: async-imap writes a command in four pieces (tag, space,
//! text, CRLF) and flushes after each command, so without a buffer every command costs four
//! TLS records and four TCP segments.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

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
}

impl ImapStream {
    pub fn tls(s: TlsStream<TcpStream>) -> ImapStream {
        ImapStream { inner: Inner::Tls(Box::new(s)), wbuf: Vec::new() }
    }

    pub fn plain(s: TcpStream) -> ImapStream {
        ImapStream { inner: Inner::Plain(s), wbuf: Vec::new() }
    }

    fn inner_pin(&mut self) -> Pin<&mut (dyn AsyncWriteRead + Unpin)> {
        match &mut self.inner {
            Inner::Tls(s) => Pin::new(s.as_mut()),
            Inner::Plain(s) => Pin::new(s),
        }
    }

    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
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
}

trait AsyncWriteRead: AsyncRead + AsyncWrite {}
impl<T: AsyncRead + AsyncWrite> AsyncWriteRead for T {}

impl AsyncRead for ImapStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner_pin().poll_read(cx, buf)
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
