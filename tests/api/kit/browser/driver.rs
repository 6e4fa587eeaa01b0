//! The chromedriver process of one test, and where the browser and its driver are installed.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::PATIENCE;

/// The program named by `var`, else `default`, if it exists.
pub(super) fn binary(var: &str, default: &str) -> Option<PathBuf> {
    let path = PathBuf::from(std::env::var(var).unwrap_or_else(|_| default.to_string()));
    path.exists().then_some(path)
}

/// The chromedriver process of one test.
pub(super) struct Driver {
    pub(super) child: Child,
    pub(super) port: u16,
}

impl Driver {
    /// Starts chromedriver on a free port (another one if that port was taken meanwhile).
    pub(super) fn start(path: &PathBuf) -> Driver {
        for _ in 0..3 {
            let port = {
                let l = TcpListener::bind("127.0.0.1:0").expect("a free port");
                l.local_addr().unwrap().port()
            };
            let mut child = Command::new(path)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver starts");
            let started = Instant::now();
            loop {
                if child.try_wait().expect("chromedriver status").is_some() {
                    break; // it exited: most likely the port was taken; try another
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Driver { child, port };
                }
                assert!(
                    started.elapsed() < PATIENCE,
                    "chromedriver did not listen on port {port}"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("chromedriver would not start");
    }

    /// Ends a session with a plain blocking request (usable in `Drop`, where nothing can await).
    pub(super) fn delete_session(&self, session: &str) {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let req = format!(
                "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                self.port
            );
            if s.write_all(req.as_bytes()).is_ok() {
                let mut sink = Vec::new();
                let _ = s.read_to_end(&mut sink);
            }
        }
    }
}
