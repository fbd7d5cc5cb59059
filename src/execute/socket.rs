//! A TCP socket connected, and its TLS handshake made, on a thread of its own, then handed to
//! init's runtime, which serves the connection from there on.
//!
//! tokio-rustls drives a handshake through `AsyncRead` and `AsyncWrite` and keeps the TLS
//! session inside the stream it returns; it has no way to build that stream from a session
//! made elsewhere. So the stream is built over this socket: while it opens, a read or write
//! that would block is "not yet" and `wait` blocks the thread until it can go on; once
//! registered with a runtime, it is tokio's.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The connection's socket: opening on its own thread, then served by init's runtime.
pub enum Socket {
    /// On the thread opening it, not blocking; `waits_for` is what its last read or write
    /// that would have blocked waited for (`poll`'s events).
    Opening {
        socket: TcpStream,
        waits_for: libc::c_short,
    },
    /// Served by the runtime it was registered with.
    Registered(tokio::net::TcpStream),
    /// Lost while being registered.
    Gone,
}

impl Socket {
    pub fn opening(socket: TcpStream) -> io::Result<Self> {
        socket.set_nonblocking(true)?;
        Ok(Socket::Opening {
            socket,
            waits_for: 0,
        })
    }

    /// Blocks until the socket is ready for what its last read or write waited for; an
    /// error once `deadline` passes.
    pub fn wait(&self, deadline: Instant) -> io::Result<()> {
        let Socket::Opening { socket, waits_for } = self else {
            return Ok(());
        };
        let mut ready = libc::pollfd {
            fd: socket.as_raw_fd(),
            events: *waits_for,
            revents: 0,
        };
        // Rounded up: a timeout that ends before the deadline would fail the handshake early.
        let left = deadline
            .saturating_duration_since(Instant::now())
            .as_micros()
            .div_ceil(1000);
        // SAFETY: one `pollfd`, which outlives the call.
        match unsafe { libc::poll(&mut ready, 1, left.try_into().unwrap_or(libc::c_int::MAX)) } {
            0 => Err(io::ErrorKind::TimedOut.into()),
            1.. => Ok(()),
            _ => match io::Error::last_os_error() {
                interrupted if interrupted.kind() == io::ErrorKind::Interrupted => Ok(()),
                error => Err(error),
            },
        }
    }

    /// Hands the socket to the runtime of the calling task: from then on, its reads and
    /// writes wait as a task's do.
    pub fn register(&mut self) -> io::Result<()> {
        if let Socket::Opening { socket, .. } = std::mem::replace(self, Socket::Gone) {
            *self = Socket::Registered(tokio::net::TcpStream::from_std(socket)?);
        }
        Ok(())
    }
}

/// A read or write of a socket that is opening: `Pending` when it would block, noting what it
/// waits for.
fn opening<T>(
    waits_for: &mut libc::c_short,
    event: libc::c_short,
    result: io::Result<T>,
) -> Poll<io::Result<T>> {
    match result {
        Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
            *waits_for = event;
            Poll::Pending
        }
        result => Poll::Ready(result),
    }
}

fn gone<T>() -> Poll<io::Result<T>> {
    Poll::Ready(Err(io::ErrorKind::NotConnected.into()))
}

impl AsyncRead for Socket {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Opening { socket, waits_for } => {
                let read = socket.read(buf.initialize_unfilled());
                opening(waits_for, libc::POLLIN, read).map_ok(|read| buf.advance(read))
            }
            Socket::Registered(socket) => Pin::new(socket).poll_read(cx, buf),
            Socket::Gone => gone(),
        }
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Socket::Opening { socket, waits_for } => {
                opening(waits_for, libc::POLLOUT, socket.write(data))
            }
            Socket::Registered(socket) => Pin::new(socket).poll_write(cx, data),
            Socket::Gone => gone(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Opening { socket, .. } => Poll::Ready(socket.flush()),
            Socket::Registered(socket) => Pin::new(socket).poll_flush(cx),
            Socket::Gone => gone(),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Opening { socket, .. } => {
                Poll::Ready(socket.shutdown(std::net::Shutdown::Write))
            }
            Socket::Registered(socket) => Pin::new(socket).poll_shutdown(cx),
            Socket::Gone => gone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn pair() -> (Socket, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let socket = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        (
            Socket::opening(socket).unwrap(),
            listener.accept().unwrap().0,
        )
    }

    fn read(socket: &mut Socket) -> Poll<io::Result<Vec<u8>>> {
        let mut bytes = [0; 16];
        let mut buf = ReadBuf::new(&mut bytes);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        Pin::new(&mut *socket)
            .poll_read(&mut cx, &mut buf)
            .map_ok(|()| buf.filled().to_vec())
    }

    #[test]
    fn an_opening_socket_is_not_yet_ready_until_its_peer_sends_and_waits_until_the_deadline() {
        let (mut socket, mut peer) = pair();
        assert!(read(&mut socket).is_pending());
        let soon = Instant::now() + Duration::from_millis(20);
        let waited = socket.wait(soon).unwrap_err();
        assert_eq!(waited.kind(), io::ErrorKind::TimedOut);
        assert!(Instant::now() >= soon);

        peer.write_all(b"hello").unwrap();
        socket
            .wait(Instant::now() + Duration::from_secs(5))
            .unwrap();
        match read(&mut socket) {
            Poll::Ready(Ok(bytes)) => assert_eq!(bytes, b"hello"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_registered_socket_is_served_by_the_runtime() {
        let (mut socket, mut peer) = pair();
        socket.register().unwrap();
        assert!(matches!(socket, Socket::Registered(_)));
        let reader = std::thread::spawn(move || {
            let mut bytes = [0; 4];
            peer.read_exact(&mut bytes).unwrap();
            peer.write_all(b"pong").unwrap();
            bytes
        });
        socket.write_all(b"ping").await.unwrap();
        let mut answer = [0; 4];
        socket.read_exact(&mut answer).await.unwrap();
        assert_eq!(&answer, b"pong");
        assert_eq!(&reader.join().unwrap(), b"ping");
    }
}
