//! Hostile input that a well-behaved HTTP client will not send: hand-written HTTP/1.1 requests
//! (chunked bodies without a length, for instance).

use std::io::{Read, Write};

use super::app::TestApp;

/// `body` in chunks of `size` bytes, as `Transfer-Encoding: chunked` sends it.
pub fn chunked(body: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in body.chunks(size) {
        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

/// Sends a hand-written request (`head` ends with the blank line) and returns (status, body
/// text). The body is written even if the server stops reading.
pub async fn raw_http(app: &TestApp, head: String, body: Vec<u8>) -> (u16, String) {
    let addr = app.address.trim_start_matches("http://").to_string();
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        let _ = stream.write_all(&body); // the server may stop reading once over the limit
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        let text = String::from_utf8_lossy(&response).to_string();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    })
    .await
    .unwrap()
}
