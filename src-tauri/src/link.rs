//! What the tray process and the window process say to each other, over the socket pair the tray
//! process makes when it starts a window (`window.rs`, `window_process.rs`): one JSON message per
//! line. The socket is private to the two (no name on disk, inherited by the window process
//! only), and both ends are the same binary (`/proc/self/exe`), so the two always speak the same
//! version of this.
//!
//! The window process holds nothing of its own: every command its UI invokes is a `Call`, run by
//! the tray process (`dispatch.rs`) against the engine and the store, and answered by a `Reply`
//! with the same id; every event the UI listens to arrives as an `Event`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};

/// The window process's argument that names the socket's file descriptor.
pub const WINDOW_PROCESS_ARG: &str = "--window-process";

/// From the window process to the tray process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum ToTray {
    /// The UI invoked `cmd` with `args` (its JSON object, as the UI sent it).
    Call { id: u64, cmd: String, args: Value },
    /// The window manager's close button (or Alt+F4): the tray process decides between closing
    /// to the tray and minimising (without a tray to come back from).
    CloseRequested,
    /// A line for the app's log, which the tray process writes (one writer for the one file).
    Log { level: LogLevel, message: String },
}

/// From the tray process to the window process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum ToWindow {
    /// The answer to `Call { id }`: the command's value, or its error as the UI gets it.
    Reply { id: u64, ok: Option<Value>, err: Option<Value> },
    /// An event for the UI's listeners on `channel`.
    Event { channel: String, payload: Value },
    /// Bring the window to the front (unminimised, focused).
    Show,
    /// Minimise the window (closing it where there is no tray to bring it back from).
    Minimize,
    /// Close the window for good: its size and place are saved, and the process ends.
    Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Info,
    Warn,
    Error,
}

/// Why the link stopped.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("the other process closed the link")]
    Closed,
    #[error("the link failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("a message on the link is not understood: {0}")]
    Malformed(#[from] serde_json::Error),
}

/// Reads one message per line.
pub struct Reader {
    lines: tokio::io::Lines<BufReader<OwnedReadHalf>>,
}

impl Reader {
    pub fn new(half: OwnedReadHalf) -> Self {
        Self { lines: BufReader::new(half).lines() }
    }

    /// The next message; `Closed` at the end of the stream.
    pub async fn next<T: for<'de> Deserialize<'de>>(&mut self) -> Result<T, LinkError> {
        match self.lines.next_line().await? {
            Some(line) => Ok(serde_json::from_str(&line)?),
            None => Err(LinkError::Closed),
        }
    }
}

/// Writes one message per line (compact JSON never holds a raw line break).
pub async fn write<T: Serialize>(half: &mut OwnedWriteHalf, message: &T) -> Result<(), LinkError> {
    let mut line = serde_json::to_vec(message)?;
    line.push(b'\n');
    half.write_all(&line).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn messages_cross_the_socket_pair_in_order() {
        let (a, b) = tokio::net::UnixStream::pair().unwrap();
        let (_, mut w) = a.into_split();
        let (r, _keep) = b.into_split();
        let mut reader = Reader::new(r);
        let sent = vec![
            ToWindow::Event { channel: "app".into(), payload: serde_json::json!({"kind": "refresh", "text": "two\nlines"}) },
            ToWindow::Reply { id: 7, ok: Some(serde_json::json!([1, 2])), err: None },
            ToWindow::Close,
        ];
        for m in &sent {
            write(&mut w, m).await.unwrap();
        }
        drop(w);
        for m in &sent {
            assert_eq!(&reader.next::<ToWindow>().await.unwrap(), m);
        }
        assert!(matches!(reader.next::<ToWindow>().await, Err(LinkError::Closed)));
    }

    #[test]
    fn a_call_reads_as_the_window_sends_it() {
        let call: ToTray = serde_json::from_str(r#"{"t":"call","id":3,"cmd":"list_messages","args":{"limit":50}}"#).unwrap();
        assert_eq!(call, ToTray::Call { id: 3, cmd: "list_messages".into(), args: serde_json::json!({"limit": 50}) });
    }
}
