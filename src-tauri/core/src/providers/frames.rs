//! Splitting a streamed body into frames: server-sent events (as the HTML
//! standard describes them) or NDJSON lines, with bounded work and memory
//! whatever the server sends.
//!
//! Each byte is looked at a bounded number of times (no rescanning of a long
//! line as more of it arrives), a frame (an SSE event, blank line to blank
//! line, or an NDJSON line) longer than its cap ends the stream with an
//! error before it is buffered further, and a line that is not UTF-8 is an
//! error at once. A byte-order mark opening an event stream is skipped.

use super::error::{ProviderError, ProviderErrorKind};
use super::formats::Framing;

/// One frame: the SSE event name (empty for NDJSON) and its data.
pub(crate) type Frame = (String, String);

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A push parser: bytes in with [`Deframer::feed`], frames out with
/// [`Deframer::next`].
pub(crate) struct Deframer {
    framing: Framing,
    max: usize,
    buf: Vec<u8>,
    /// Where the unread part of `buf` starts.
    start: usize,
    /// How far past `start` no line end was found.
    scanned: usize,
    /// The event being read (SSE): its name and data so far.
    event: String,
    data: String,
    /// Whether the start of the stream was read (SSE: the BOM check).
    begun: bool,
    /// An error was returned: nothing more comes.
    failed: bool,
}

impl Deframer {
    pub(crate) fn new(framing: Framing, max: usize) -> Deframer {
        Deframer {
            framing,
            max,
            buf: Vec::new(),
            start: 0,
            scanned: 0,
            event: String::new(),
            data: String::new(),
            begun: false,
            failed: false,
        }
    }

    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        if self.failed {
            return;
        }
        // Drop what was read, so the buffer holds at most one unfinished
        // frame and the new bytes.
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Ends the stream: no frame comes after this.
    pub(crate) fn stop(&mut self) {
        self.failed = true;
        self.buf = Vec::new();
        self.start = 0;
    }

    /// The next complete frame; at the end of the body (`ended`), an NDJSON
    /// line without its line end too. `None` when more bytes are needed (or
    /// the stream is over).
    pub(crate) fn next(&mut self, ended: bool) -> Option<Result<Frame, ProviderError>> {
        if self.failed {
            return None;
        }
        let item = match self.framing {
            Framing::Sse => self.next_event(ended),
            Framing::Ndjson => self.next_line(ended),
        };
        if matches!(item, Some(Err(_))) {
            self.stop();
        }
        item
    }

    /// The end of the next line: (where its text ends, where the next line
    /// starts), or `None` when it has not arrived.
    fn line_end(&mut self, ended: bool) -> Option<(usize, usize)> {
        let unread = &self.buf[self.start..];
        let found = match self.framing {
            Framing::Ndjson => unread[self.scanned..].iter().position(|b| *b == b'\n'),
            Framing::Sse => unread[self.scanned..]
                .iter()
                .position(|b| *b == b'\n' || *b == b'\r'),
        };
        let Some(at) = found.map(|i| i + self.scanned) else {
            self.scanned = unread.len();
            return None;
        };
        let mut next = at + 1;
        if unread[at] == b'\r' {
            match unread.get(at + 1) {
                Some(b'\n') => next += 1,
                Some(_) => {}
                // A CR last: a LF may follow, as part of the same line end.
                None if !ended => {
                    self.scanned = at;
                    return None;
                }
                None => {}
            }
        }
        self.scanned = 0;
        Some((self.start + at, self.start + next))
    }

    fn too_long(&self) -> ProviderError {
        ProviderError::new(
            ProviderErrorKind::TooLong,
            format!(
                "The provider sent one piece of the reply longer than {} MB without a break, so it was stopped. What arrived is kept.",
                self.max / 1_000_000
            ),
        )
    }

    /// Whether the frame being read, with `pending` bytes not yet in it, is
    /// over the cap.
    fn over(&self, pending: usize) -> bool {
        self.data.len() + self.event.len() + pending > self.max
    }

    fn next_line(&mut self, ended: bool) -> Option<Result<Frame, ProviderError>> {
        loop {
            let (end, next) = match self.line_end(ended) {
                Some(found) => found,
                None if ended && self.start < self.buf.len() => {
                    self.scanned = 0;
                    (self.buf.len(), self.buf.len())
                }
                None => return self.over(self.scanned).then(|| Err(self.too_long())),
            };
            let line = &self.buf[self.start..end];
            self.start = next;
            if line.len() > self.max {
                return Some(Err(self.too_long()));
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(
                std::str::from_utf8(line)
                    .map(|l| (String::new(), l.to_owned()))
                    .map_err(|_| ProviderError::malformed("a line that is not UTF-8")),
            );
        }
    }

    fn next_event(&mut self, ended: bool) -> Option<Result<Frame, ProviderError>> {
        if !self.begun {
            let unread = &self.buf[self.start..];
            let n = unread.len().min(BOM.len());
            if unread[..n] != BOM[..n] {
                self.begun = true;
            } else if n == BOM.len() {
                self.start += BOM.len();
                self.begun = true;
            } else if !ended {
                // Perhaps the start of a BOM: wait for the rest.
                return None;
            } else {
                self.begun = true;
            }
        }
        loop {
            let Some((end, next)) = self.line_end(ended) else {
                // `scanned`: the unfinished line so far.
                return self.over(self.scanned).then(|| Err(self.too_long()));
            };
            let line = &self.buf[self.start..end];
            self.start = next;
            if self.over(line.len()) {
                return Some(Err(self.too_long()));
            }
            let Ok(line) = std::str::from_utf8(line) else {
                return Some(Err(ProviderError::malformed("a line that is not UTF-8")));
            };
            if line.is_empty() {
                // A blank line ends the event; one without data is no event.
                let event = std::mem::take(&mut self.event);
                let mut data = std::mem::take(&mut self.data);
                if data.is_empty() {
                    continue;
                }
                data.pop();
                let event = if event.is_empty() {
                    "message".to_owned()
                } else {
                    event
                };
                return Some(Ok((event, data)));
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = match line.split_once(':') {
                Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
                None => (line, ""),
            };
            match field {
                "event" => {
                    self.event.clear();
                    self.event.push_str(value);
                }
                "data" => {
                    self.data.push_str(value);
                    self.data.push('\n');
                }
                // id and retry are for reconnecting, which a reply never does.
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(framing: Framing, max: usize, chunks: &[&[u8]]) -> Vec<Result<Frame, ProviderError>> {
        let mut d = Deframer::new(framing, max);
        let mut out = Vec::new();
        for c in chunks {
            d.feed(c);
            while let Some(f) = d.next(false) {
                out.push(f);
            }
        }
        while let Some(f) = d.next(true) {
            out.push(f);
        }
        out
    }

    fn frames(framing: Framing, chunks: &[&[u8]]) -> Vec<(String, String)> {
        all(framing, 1 << 20, chunks)
            .into_iter()
            .map(Result::unwrap)
            .collect()
    }

    fn frame(event: &str, data: &str) -> (String, String) {
        (event.to_owned(), data.to_owned())
    }

    #[test]
    fn events_follow_the_standard_whatever_the_line_ends() {
        let stream: &[u8] = b"\xEF\xBB\xBF: a comment\nevent: delta\ndata: one\ndata:two\r\n\r\nid: 7\nretry: 10\ndata\r\rdata: {}\n\nevent: lost\n\n";
        let expected = [
            frame("delta", "one\ntwo"),
            frame("message", ""),
            frame("message", "{}"),
        ];
        // `data` alone adds an empty line: an event whose data is empty.
        assert_eq!(frames(Framing::Sse, &[stream]), expected);
        // Split at every byte, the same events.
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(frames(Framing::Sse, &bytes), expected);
    }

    #[test]
    fn an_unfinished_event_at_the_end_is_dropped_and_an_unfinished_line_kept() {
        assert_eq!(frames(Framing::Sse, &[b"data: half"]), []);
        assert_eq!(
            frames(Framing::Ndjson, &[b"{\"a\":1}\n\n  \n{\"b\"", b":2}"]),
            [frame("", "{\"a\":1}"), frame("", "{\"b\":2}")]
        );
    }

    #[test]
    fn a_frame_past_the_cap_is_an_error_before_it_is_all_buffered() {
        for framing in [Framing::Sse, Framing::Ndjson] {
            let mut d = Deframer::new(framing, 100);
            d.feed(b"data: ");
            assert!(d.next(false).is_none());
            let mut fed = 0;
            let error = loop {
                d.feed(&[b'x'; 30]);
                fed += 30;
                if let Some(r) = d.next(false) {
                    break r.unwrap_err();
                }
                assert!(fed < 200, "{framing:?}: never stopped");
            };
            assert_eq!(error.kind, ProviderErrorKind::TooLong);
            assert!(d.next(true).is_none(), "nothing after the error");
        }
        // Many short data lines make one long event.
        let lines = b"data: x\n".repeat(100);
        let out = all(Framing::Sse, 100, &[&lines]);
        assert_eq!(out.len(), 1);
        assert!(out[0].is_err());
    }

    #[test]
    fn bytes_that_are_not_utf8_are_an_error_at_once() {
        let out = all(
            Framing::Sse,
            1 << 20,
            &[b"data: \xFF\xFE\n", b"\ndata: more\n\n"],
        );
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0].as_ref().unwrap_err().kind,
            ProviderErrorKind::Malformed
        );
    }
}
